/**
 * `tf.whileLoop` with TensorFlow 1's graph (`tf.compat.v1.while_loop` under control flow v1):
 * each loop variable enters a frame (`Enter`), is merged with its next value (`Merge` ←
 * `NextIteration`), switched on the loop condition (`LoopCond`, `Switch`) into the body or out of
 * the loop (`Exit`). Tensors from outside that the condition or body use enter as loop
 * invariants (`Enter` with `is_constant`).
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js'
import { type Graph } from '../graph.js'
import type { Operation } from '../operation.js'
import { type TensorLike, constantIn, graphOf, toTensor } from '../ops/core.js'
import { add, less, logicalAnd } from '../ops/math.js'
import { type Shape, formatShape } from '../shape.js'
import type { Tensor } from '../tensor.js'
import { ControlFlowContext } from './context.js'
import { setBackEdge, setStaticShape } from './graph_edits.js'
import { type Nested, type TensorsOf, describeStructure, flatten, flattenUpTo, pack, sameStructure } from './nest.js'

/** Options of {@link whileLoop}. */
export interface WhileLoopOptions {
  /**
   * The shape each loop variable may take across iterations, nested like the loop variables
   * (`null` entries for dimensions that may change, `null` for any shape). By default a loop
   * variable must keep the shape it enters with.
   */
  shapeInvariants?: Nested<Shape> | null
  /** How many iterations may run at once; 10 by default. */
  parallelIterations?: number
  /** Stops after this many iterations even if the condition still holds. */
  maximumIterations?: TensorLike | null
  /** The name scope of the loop's nodes; `"while"` by default (made unique). */
  name?: string
}

/** One while loop under construction: its frame and what stands for outside values in it. */
export class WhileContext extends ControlFlowContext {
  readonly frameName: string
  readonly parallelIterations: number
  /** The predicate's pivot (the first Merge) until the body's (the first Identity) exists. */
  #pivot: Operation | null = null
  readonly #controlProxies = new Map<Operation, Operation>()

  constructor(graph: Graph, frameName: string, parallelIterations: number) {
    super(graph)
    this.frameName = frameName
    this.parallelIterations = parallelIterations
  }

  protected pivot(): Operation {
    if (this.#pivot === null) throw new InvalidArgumentError('The while loop has no pivot yet')
    return this.#pivot
  }

  protected makeCapture(t: Tensor): Tensor {
    return this.enter(t, true)
  }

  /** Control from outside the loop: the loop depends on `op` through a loop-invariant Enter. */
  controlFromOutside(op: Operation): Operation {
    let proxy = this.#controlProxies.get(op)
    if (proxy === undefined) {
      // An Enter carries a value: an operation without outputs first gets a token depending on it.
      const value =
        op.outputs.length > 0
          ? op.outputs[0]
          : this.inOuter(() =>
              this.graph.controlDependencies([op], () => constantIn(this.graph, false, { name: 'control_token' })),
            )
      proxy = this.capture(value).op
      this.#controlProxies.set(op, proxy)
    }
    return proxy
  }

  /** An Enter of `t` into this loop's frame (built in the outer context). */
  enter(t: Tensor, isConstant: boolean): Tensor {
    return this.inOuter(
      () =>
        this.graph.addOperation({
          op: 'Enter',
          name: 'Enter',
          inputs: [t],
          attrs: {
            frame_name: { s: this.frameName },
            is_constant: { b: isConstant },
            parallel_iterations: { i: this.parallelIterations },
          },
        }).outputs[0],
    )
  }

  /** Builds the loop over `vars` (flat) and returns its Exits (flat). */
  build(
    vars: readonly Tensor[],
    invariants: readonly Shape[] | null,
    cond: (merged: Tensor[]) => unknown,
    body: (current: Tensor[]) => unknown,
    structure: unknown,
  ): Tensor[] {
    const graph = this.graph
    const enters = vars.map((x, k) => {
      const shape = invariants === null ? x.shape : invariants[k]
      if (!shapeAtMost(x.shape, shape)) {
        throw new InvalidArgumentError(
          `The shape invariant specified for ${x.name} is not compatible with the initial shape of the loop ` +
            `variable. It enters the loop with shape ${formatShape(x.shape)}, but the specified shape invariant ` +
            `is ${formatShape(shape)}.`,
        )
      }
      const entered = this.enter(x, false)
      setStaticShape(entered, shape)
      this.adopt(entered)
      return entered
    })
    const merges = this.plumbing(this, () =>
      enters.map((e) => graph.addOperation({ op: 'Merge', name: 'Merge', inputs: [e, e] })),
    )
    const merged = merges.map((m) => m.outputs[0])
    this.#pivot = merges[0]
    const pred = this.run(() => {
      const p = toTensor(graph, cond(merged) as TensorLike, 'bool')
      return this.capture(p)
    })
    if (pred.dtype !== 'bool' || (pred.shape !== null && pred.shape.length !== 0)) {
      throw new InvalidArgumentError(`The condition of a while loop must return a bool scalar, got ${String(pred)}`)
    }
    const [loopCond] = this.plumbing(this, () => [
      graph.addOperation({ op: 'LoopCond', name: 'LoopCond', inputs: [pred] }),
    ])
    const switches = this.plumbing(this, () =>
      merged.map((m) => graph.addOperation({ op: 'Switch', name: 'Switch', inputs: [m, loopCond.outputs[0]] })),
    )
    const exits = this.plumbing(this.outer, () =>
      switches.map((s) => graph.addOperation({ op: 'Exit', name: 'Exit', inputs: [s.outputs[0]] })),
    )
    const identities = this.plumbing(this, () =>
      switches.map((s) => graph.addOperation({ op: 'Identity', name: 'Identity', inputs: [s.outputs[1]] })),
    )
    this.#pivot = identities[0]
    const current = identities.map((i) => i.outputs[0])
    const result = this.run(() => body(current))
    if (!sameStructure(result, structure)) {
      throw new InvalidArgumentError(
        `The body of a while loop must return the structure of its loop variables, ${describeStructure(structure)}; ` +
          `it returned ${describeStructure(result)}`,
      )
    }
    const next = this.run(() =>
      flatten(result).map((r, k) => this.capture(toTensor(graph, r as TensorLike, vars[k].dtype))),
    )
    next.forEach((n, k) => {
      const m = merged[k]
      if (n.dtype !== m.dtype) {
        throw new InvalidArgumentError(
          `The body of a while loop returns ${n.dtype} for loop variable ${k} (${vars[k].name}), which is ${m.dtype}`,
        )
      }
      if (!shapeAtMost(n.shape, m.shape)) {
        throw new InvalidArgumentError(
          `Input tensor '${vars[k].name}' enters the loop with shape ${formatShape(m.shape)}, but has shape ` +
            `${formatShape(n.shape)} after one iteration. To allow the shape to vary across iterations, use the ` +
            '`shapeInvariants` option of tf.whileLoop to specify a less-specific shape.',
        )
      }
    })
    const nextIterations = this.plumbing(this, () =>
      next.map((n) => graph.addOperation({ op: 'NextIteration', name: 'NextIteration', inputs: [n] })),
    )
    merges.forEach((m, k) => setBackEdge(m, 1, nextIterations[k].outputs[0]))
    return exits.map((e) => e.outputs[0])
  }
}

/** TF's `_ShapeLessThanOrEqual`: `shape` is at least as specific as `bound`. */
function shapeAtMost(shape: Shape, bound: Shape): boolean {
  if (bound === null) return true
  if (shape === null || shape.length !== bound.length) return false
  return bound.every((d, i) => d === null || d === shape[i])
}

/**
 * Repeats `body` while `cond` holds (TF1's `tf.while_loop`). `loopVars` is an array of loop
 * variables (tensors or values, possibly nested in arrays and plain objects), passed to `cond`
 * and `body` as arguments; any other structure is passed as one argument. `body` returns the
 * next values in the same structure; the result is the final values, in that structure.
 * Tensors from outside that `cond` or `body` use enter the loop once, as invariants.
 *
 * @param cond - Returns a bool scalar: whether to run `body` again.
 * @param body - Returns the loop variables' next values.
 * @param loopVars - The initial values.
 * @param options - Shape invariants, parallel iterations, an iteration limit, the name scope.
 * @throws InvalidArgumentError when `body` changes the structure, a dtype, or a shape beyond
 *   its shape invariant, or `cond` does not return a bool scalar.
 * @example
 * ```ts
 * const n = tf.placeholder('int32', [])
 * // The sum 1 + 2 + … + n.
 * const [, sum] = tf.whileLoop((i, s) => tf.lessEqual(i, n), (i, s) => [tf.add(i, 1), tf.add(s, i)], [1, 0])
 * ```
 */
export function whileLoop<const T extends readonly unknown[]>(
  cond: (...vars: TensorsOf<T>) => TensorLike,
  body: (...vars: TensorsOf<T>) => unknown,
  loopVars: T,
  options?: WhileLoopOptions,
): TensorsOf<T>
export function whileLoop<const T>(
  cond: (vars: TensorsOf<T>) => TensorLike,
  body: (vars: TensorsOf<T>) => unknown,
  loopVars: T,
  options?: WhileLoopOptions,
): TensorsOf<T>
export function whileLoop(
  cond: (...vars: never) => unknown,
  body: (...vars: never) => unknown,
  loopVars: unknown,
  options: WhileLoopOptions = {},
): unknown {
  if (typeof cond !== 'function' || typeof body !== 'function') {
    throw new InvalidArgumentError('whileLoop needs cond and body functions')
  }
  const parallel = options.parallelIterations ?? 10
  if (!Number.isSafeInteger(parallel) || parallel < 1) {
    throw new InvalidArgumentError(`parallelIterations must be a positive integer, got ${parallel}`)
  }
  const asArguments = Array.isArray(loopVars)
  const call = (fn: (...vars: never) => unknown, vars: unknown) =>
    asArguments ? (fn as (...v: unknown[]) => unknown)(...(vars as unknown[])) : (fn as (v: unknown) => unknown)(vars)
  const leaves = flatten(loopVars)
  if (leaves.length === 0) throw new InvalidArgumentError('whileLoop needs at least one loop variable')
  const graph = graphOf(...leaves, options.maximumIterations)
  const invariants =
    options.shapeInvariants == null
      ? null
      : (flattenUpTo(loopVars, options.shapeInvariants, 'shapeInvariants') as Shape[])
  return graph.nameScope(options.name ?? 'while', (scope) => {
    let vars = leaves.map((v) => toTensor(graph, v as TensorLike))
    let shapes = invariants
    let userCond = (flat: Tensor[]) => call(cond, pack(loopVars, flat))
    let userBody = (flat: Tensor[]) => call(body, pack(loopVars, flat))
    let structure: unknown = loopVars
    const limit = options.maximumIterations
    if (limit != null) {
      // As TF1: a counter joins the loop variables and the condition also checks it.
      const max = toTensor(graph, limit, 'int32')
      if (max.shape !== null && max.shape.length !== 0) {
        throw new InvalidArgumentError(`maximumIterations must be a scalar, got ${String(max)}`)
      }
      const counter = constantIn(graph, 0, { dtype: max.dtype, name: 'iteration_counter' })
      const [innerCond, innerBody] = [userCond, userBody]
      userCond = ([i, ...rest]) => logicalAnd(less(i, max), toTensor(graph, innerCond(rest) as TensorLike, 'bool'))
      userBody = ([i, ...rest]) => [add(i, 1), innerBody(rest)]
      vars = [counter, ...vars]
      shapes = shapes === null ? null : [[], ...shapes]
      structure = [0, loopVars]
    }
    const context = new WhileContext(graph, `${scope}while_context`, parallel)
    const exits = context.build(vars, shapes, userCond, userBody, structure)
    return pack(loopVars, limit != null ? exits.slice(1) : exits)
  })
}
