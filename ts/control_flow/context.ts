/**
 * Control-flow contexts: what TF1's `CondContext` and `WhileContext` do while a `tf.cond` branch
 * or a `tf.whileLoop` condition or body is being built. While a context is active, every
 * operation added to the graph passes through it (see `Graph.controlFlowContext`):
 *
 * - an input from outside the context is *captured*: in a cond branch through a `Switch` on the
 *   predicate (so the value is dead on the untaken branch and the branch does not run), in a
 *   loop through an `Enter` with `is_constant` (a loop invariant, seen by every iteration);
 * - an operation without inputs gets a control input from the context's *pivot*, so that it
 *   belongs to the branch or loop too (a constant in a branch is dead when the branch is);
 * - in a loop, a control input from outside the loop is replaced by one from inside (a control
 *   edge cannot cross a frame).
 *
 * Contexts nest: a capture made by an inner context is itself built in the outer context, which
 * captures in turn what it needs.
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js'
import type { Graph, OperationRewriter } from '../graph.js'
import type { Operation } from '../operation.js'
import type { Tensor } from '../tensor.js'

/** The context each operation was added in; absent for operations outside every context. */
const contextOf = new WeakMap<Operation, ControlFlowContext>()

/** Runs `fn` with `context` (or none) as the graph's active control-flow context. */
export function withContext<R>(graph: Graph, context: ControlFlowContext | null, fn: () => R): R {
  const previous = graph.controlFlowContext
  graph.controlFlowContext = context
  try {
    return fn()
  } finally {
    graph.controlFlowContext = previous
  }
}

/** The active control-flow context of `graph`, if any. */
export function activeContext(graph: Graph): ControlFlowContext | null {
  const active = graph.controlFlowContext
  if (active === null) return null
  if (!(active instanceof ControlFlowContext)) {
    throw new InvalidArgumentError('The graph is being rewritten by something other than a control-flow context')
  }
  return active
}

/** A cond branch or a while loop under construction. */
export abstract class ControlFlowContext implements OperationRewriter {
  readonly graph: Graph
  /** The context this one was opened in; `null` at the top level. */
  readonly outer: ControlFlowContext | null
  /** External tensors captured, and what stands for each inside this context. */
  readonly #captured = new Map<Tensor, Tensor>()
  /** Tensors built for this context outside it (captures, loop entries) that count as inside. */
  readonly #own = new Set<Tensor>()

  constructor(graph: Graph) {
    this.graph = graph
    this.outer = activeContext(graph)
  }

  /** The operation input-less operations of this context take a control input from. */
  protected abstract pivot(): Operation

  /** Builds what stands for external tensor `t` inside this context (runs in the outer one). */
  protected abstract makeCapture(t: Tensor): Tensor

  /**
   * The control input standing for `op` (from outside the context) inside it: `op` itself
   * unless a loop frame lies between them.
   */
  abstract controlFromOutside(op: Operation): Operation

  /** Whether `t` is a value of this context (or of one nested in it). */
  holds(t: Tensor): boolean {
    return this.#own.has(t) || this.contains(t.op)
  }

  /** Whether `op` was added in this context or in one nested in it. */
  contains(op: Operation): boolean {
    for (let c: ControlFlowContext | null = contextOf.get(op) ?? null; c !== null; c = c.outer)
      if (c === this) return true
    return false
  }

  /** `t` as a value inside this context: itself if it is one, else its capture. */
  capture(t: Tensor): Tensor {
    if (this.holds(t)) return t
    let inside = this.#captured.get(t)
    if (inside === undefined) {
      inside = this.inOuter(() => this.makeCapture(t))
      this.#captured.set(t, inside)
      this.#own.add(inside)
    }
    return inside
  }

  /** Records `t`, built outside this context, as one of its values. */
  protected adopt(t: Tensor): void {
    this.#own.add(t)
  }

  /** Runs `fn` with this context active: operations it adds are rewritten by this context. */
  run<R>(fn: () => R): R {
    return withContext(this.graph, this, fn)
  }

  /** Runs `fn` in the outer context without control dependencies (the context's plumbing). */
  protected inOuter<R>(fn: () => R): R {
    return this.graph.controlDependencies(null, () => withContext(this.graph, this.outer, fn))
  }

  /**
   * Runs `fn`, whose operations are this context's own plumbing, added exactly as given (no
   * capture, no pivot, no control dependencies), and records them as part of `owner`.
   */
  protected plumbing<R>(owner: ControlFlowContext | null, fn: () => Operation[]): Operation[] {
    const ops = this.graph.controlDependencies(null, () => withContext(this.graph, null, fn))
    for (const op of ops) if (owner !== null) contextOf.set(op, owner)
    return ops
  }

  /** {@link OperationRewriter.rewrite}: captures external inputs, adds the pivot. */
  rewrite(
    inputs: readonly Tensor[],
    controlInputs: readonly Operation[],
  ): { inputs: Tensor[]; controlInputs: Operation[] } {
    const captured = inputs.map((t) => this.capture(t))
    const controls: Operation[] = []
    for (const c of controlInputs) {
      const inside = this.contains(c) ? c : this.controlFromOutside(c)
      if (!controls.includes(inside)) controls.push(inside)
    }
    if (captured.length === 0 && !controls.some((c) => this.contains(c))) {
      const pivot = this.pivot()
      if (!controls.includes(pivot)) controls.push(pivot)
    }
    return { inputs: captured, controlInputs: controls }
  }

  /** {@link OperationRewriter.added}: the operation belongs to this context. */
  added(op: Operation): void {
    contextOf.set(op, this)
  }

  /** Marks `op` (plumbing built outside {@link plumbing}) as part of this context. */
  protected own(op: Operation): void {
    contextOf.set(op, this)
  }
}
