/**
 * {@link Graph}: a dataflow graph of operations, and the stack of default graphs that op builders
 * add to.
 *
 * @packageDocumentation
 */

import { type DType, isDType } from './dtype.js'
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from './errors.js'
import { type AttrValue, type NativeGraph, type NodeInfo, addon, callNative } from './native.js'
import { GraphDef } from './graph_def.js'
import { type DeviceScope, GraphContext } from './graph_context.js'
import { Operation } from './operation.js'
import { DefaultStack } from './scope.js'
import { shapeFromNative } from './shape.js'
import type { Tensor } from './tensor.js'

/** What a new node is made of: TF's op type and attrs, and the tensors it consumes. @internal */
export interface OperationSpec {
  op: string
  name: string
  inputs?: readonly Tensor[]
  controlInputs?: readonly Operation[]
  attrs?: Record<string, AttrValue>
}

/**
 * What a control-flow context (a `tf.cond` branch, a `tf.whileLoop` body) does to operations
 * added inside it: captures tensors from outside (through `Switch` or `Enter`) and ties
 * input-less operations to its pivot. See `ts/control_flow/context.ts`; not part of the API.
 */
export interface OperationRewriter {
  rewrite(
    inputs: readonly Tensor[],
    controlInputs: readonly Operation[],
  ): { inputs: Tensor[]; controlInputs: Operation[] }
  added(op: Operation): void
}

/**
 * A TensorFlow computation graph: {@link Operation}s (nodes) and the {@link Tensor}s (edges)
 * between them. Op builders such as `tf.constant` add to the default graph
 * ({@link getDefaultGraph}); {@link Graph.asDefault} makes this graph the default for a scope.
 */
export class Graph {
  /** The engine's graph. @internal */
  readonly native: NativeGraph
  /** Operations by node id: one object per node, so identity comparisons work. */
  readonly #operations = new Map<number, Operation>()
  /** Name scope, control dependencies and device scopes in effect. */
  readonly #context = new GraphContext()

  /**
   * The graph-level random seed ({@link setRandomSeed}); `null` when unset. Random ops combine
   * it with their op-level seed as TensorFlow's `get_seed` does.
   */
  seed: number | null = null

  /** The control-flow context operations are being added in, if any. @internal */
  controlFlowContext: OperationRewriter | null = null

  /** Creates an empty graph. */
  constructor() {
    this.native = callNative(() => new (addon().NativeGraph)())
  }

  /**
   * Makes this graph the default graph while `fn` runs (TF's `with g.as_default():`), and
   * returns what `fn` returns. The previous default is restored when `fn` returns or throws, or,
   * when `fn` returns a promise, once it settles.
   */
  asDefault<R>(fn: (graph: this) => R): R {
    return defaultGraphStack.runWith(this, () => fn(this))
  }

  /** TF's name for {@link Graph.asDefault}. */
  as_default<R>(fn: (graph: this) => R): R {
    return this.asDefault(fn)
  }

  /**
   * Runs `fn` inside name scope `name` (TF's `with g.name_scope(name) as scope:`): operations
   * added are named `name/…`. The scope name is made unique (`name`, `name_1`, …); `null` or `""`
   * enters the root scope; a name ending in `/` re-enters that scope exactly. `fn` receives the
   * scope with a trailing slash and its result is returned.
   */
  nameScope<R>(name: string | null, fn: (scope: string) => R): R {
    const unique = (n: string): string => callNative(() => this.native.uniqueName(n, true), this.native)
    return this.#context.withNameScope(name, unique, fn)
  }

  /** TF's name for {@link Graph.nameScope}. */
  name_scope<R>(name: string | null, fn: (scope: string) => R): R {
    return this.nameScope(name, fn)
  }

  /**
   * The current name scope, without a trailing slash; `""` at the root (TF's
   * `Graph.get_name_scope()`).
   */
  getNameScope(): string {
    return this.#context.nameScope
  }

  /** TF's name for {@link Graph.getNameScope}. */
  get_name_scope(): string {
    return this.getNameScope()
  }

  /**
   * Runs `fn` with `controlInputs` as control dependencies of every operation added in it (TF's
   * `with g.control_dependencies([...]):`). Nested scopes accumulate; `null` clears them.
   */
  controlDependencies<R>(controlInputs: readonly (Operation | Tensor)[] | null, fn: () => R): R {
    for (const c of controlInputs ?? []) {
      if (c.graph !== this)
        throw new InvalidArgumentError(`Control input ${String(c)} is not an element of this graph.`)
    }
    return this.#context.withControlDependencies(controlInputs, fn)
  }

  /** TF's name for {@link Graph.controlDependencies}. */
  control_dependencies<R>(controlInputs: readonly (Operation | Tensor)[] | null, fn: () => R): R {
    return this.controlDependencies(controlInputs, fn)
  }

  /**
   * Runs `fn` with operations added in it requesting `device` (TF's `with g.device(...):`): a
   * device name such as `"/device:CPU:0"` (merged with enclosing scopes, inner parts winning), a
   * function from the operation to a device name, or `null` to clear. Recorded on each
   * operation's `device`; placement honours it.
   */
  device<R>(device: DeviceScope, fn: () => R): R {
    return this.#context.withDevice(device, fn)
  }

  /**
   * The graph as TensorFlow's `GraphDef` (TF's `as_graph_def`): `toBytes()` is a `.pb` file,
   * `toText()` a `.pbtxt`, and `JSON.stringify` gives protobuf's JSON mapping, all readable by
   * TensorFlow.
   */
  asGraphDef(): GraphDef {
    return GraphDef.fromEngine(callNative(() => this.native.graphDefBytes(), this.native))
  }

  /** TF's name for {@link Graph.asGraphDef}. */
  as_graph_def(): GraphDef {
    return this.asGraphDef()
  }

  /** The Operation objects of engine nodes, by id (after an import added them). @internal */
  operationsByIds(ids: readonly number[]): Operation[] {
    return ids.map((id) => this.operationById(id))
  }

  /** Whether the graph is finalized (read-only). */
  get finalized(): boolean {
    return callNative(() => this.native.isFinalized(), this.native)
  }

  /** Makes the graph read-only: adding an operation afterwards fails. */
  finalize(): void {
    callNative(() => this.native.finalize(), this.native)
  }

  /** All operations, in the order they were added. */
  getOperations(): Operation[] {
    const count = callNative(() => this.native.numNodes(), this.native)
    const out: Operation[] = []
    for (let id = 0; id < count; id++) out.push(this.operationOf(callNative(() => this.native.node(id), this.native)))
    return out
  }

  /**
   * The operation named `name`.
   *
   * @throws NotFoundError when no operation has that name; InvalidArgumentError for a tensor name.
   */
  getOperationByName(name: string): Operation {
    return this.asGraphElement(name, { allowTensor: false, allowOperation: true }) as Operation
  }

  /** TF's name for {@link Graph.getOperationByName}. */
  get_operation_by_name(name: string): Operation {
    return this.getOperationByName(name)
  }

  /**
   * The tensor named `name`, of the form `"<op_name>:<output_index>"` (e.g. `"c:0"`).
   *
   * @throws NotFoundError when it does not exist; InvalidArgumentError for a malformed name.
   */
  getTensorByName(name: string): Tensor {
    return this.asGraphElement(name, { allowTensor: true, allowOperation: false }) as Tensor
  }

  /** TF's name for {@link Graph.getTensorByName}. */
  get_tensor_by_name(name: string): Tensor {
    return this.getTensorByName(name)
  }

  /**
   * Resolves a tensor, an operation or a name to an element of this graph (TF's
   * `as_graph_element`), with TF's messages for each way it can fail.
   *
   * @internal
   */
  asGraphElement(
    element: Tensor | Operation | string,
    allow: { allowTensor: boolean; allowOperation: boolean },
  ): Tensor | Operation {
    if (typeof element !== 'string') {
      const isOperation = element instanceof Operation
      if (isOperation ? !allow.allowOperation : !allow.allowTensor) {
        throw new InvalidArgumentError(
          `Can not convert a ${isOperation ? 'Operation' : 'Tensor'} into a ${isOperation ? 'Tensor' : 'Operation'}.`,
        )
      }
      if (element.graph !== this) {
        throw new InvalidArgumentError(
          `${isOperation ? 'Operation' : 'Tensor'} ${String(element)} is not an element of this graph.`,
        )
      }
      return element
    }
    const colon = element.indexOf(':')
    if (colon >= 0) {
      if (!allow.allowTensor) {
        throw new InvalidArgumentError(`The name '${element}' appears to refer to a Tensor, not an Operation.`)
      }
      const opName = element.slice(0, colon)
      const index = element.slice(colon + 1)
      if (!/^\d+$/.test(index) || element.lastIndexOf(':') !== colon) {
        throw new InvalidArgumentError(
          `The name '${element}' looks like a Tensor name, but is not a valid one. ` +
            'Tensor names must be of the form "<op_name>:<output_index>".',
        )
      }
      const op = this.findOperation(opName)
      if (op === null) {
        throw new NotFoundError(
          `The name '${element}' refers to a Tensor which does not exist. ` +
            `The operation, '${opName}', does not exist in the graph.`,
        )
      }
      const tensor = op.outputs[Number(index)]
      if (tensor === undefined) {
        throw new NotFoundError(
          `The name '${element}' refers to a Tensor which does not exist. ` +
            `The operation, '${opName}', exists but only has ${op.outputs.length} outputs.`,
        )
      }
      return tensor
    }
    const op = this.findOperation(element)
    if (!allow.allowOperation) {
      throw new InvalidArgumentError(
        op === null
          ? `The name '${element}' looks like an (invalid) Operation name, not a Tensor.`
          : `The name '${element}' refers to an Operation, not a Tensor. ` +
              'Tensor names must be of the form "<op_name>:<output_index>".',
      )
    }
    if (op === null) throw new NotFoundError(`The name '${element}' refers to an Operation not in the graph.`)
    return op
  }

  /** Adds a node through the engine, which validates it and infers its outputs. @internal */
  addOperation(spec: OperationSpec): Operation {
    let inputs = spec.inputs ?? []
    let controlInputs = [...(spec.controlInputs ?? [])]
    // As TF does, a scope's control input that is already a data input's op is left out.
    for (const c of this.#context.controlInputs()) {
      if (!controlInputs.includes(c) && !inputs.some((t) => t.op === c)) controlInputs.push(c)
    }
    const rewriter = this.controlFlowContext
    if (rewriter !== null) ({ inputs, controlInputs } = rewriter.rewrite(inputs, controlInputs))
    const name = this.#context.scopedName(spec.name)
    const device = this.#context.deviceFor({ name, type: spec.op })
    for (const input of [...inputs, ...controlInputs]) {
      if (input.graph !== this) {
        throw new InvalidArgumentError(
          `${String(input)} must be from the same graph as the operation '${spec.name}' being added.`,
        )
      }
    }
    // A node the engine rejects is not in the graph; its op type is still the one being added.
    const lookup = { nodeByName: (name: string) => this.native.nodeByName(name) ?? { op: spec.op } }
    const info = callNative(
      () =>
        this.native.addNode({
          op: spec.op,
          name,
          inputs: inputs.map((t) => ({ node: t.op.id, index: t.valueIndex })),
          controlInputs: controlInputs.map((o) => o.id),
          attrs: spec.attrs ?? {},
          device,
        }),
      lookup,
    )
    const op = this.operationOf(info)
    rewriter?.added(op)
    return op
  }

  /**
   * Adds the gradient nodes of `ys` with respect to `xs` under name scope `name` (made unique
   * inside the current scope) and returns each x's gradient, `null` where none flows. See
   * `gradients`.
   *
   * @internal
   */
  addGradients(
    ys: readonly Tensor[],
    xs: readonly Tensor[],
    gradYs: readonly (Tensor | null)[] | undefined,
    stopGradients: readonly Tensor[],
    name: string,
  ): (Tensor | null)[] {
    const endpoint = (t: Tensor) => ({ node: t.op.id, index: t.valueIndex })
    const grads = callNative(
      () =>
        this.native.addGradients({
          ys: ys.map(endpoint),
          xs: xs.map(endpoint),
          gradYs: gradYs?.map((g) => (g === null ? null : endpoint(g))),
          stopGradients: stopGradients.map(endpoint),
          name: this.#context.scopedName(name),
        }),
      this.native,
    )
    return grads.map((e) => (e == null ? null : this.operationById(e.node).outputs[e.index]))
  }

  private findOperation(name: string): Operation | null {
    const info = callNative(() => this.native.nodeByName(name), this.native)
    return info === null ? null : this.operationOf(info)
  }

  /** The one Operation object of a node, made on first sight; inputs are resolved by id. */
  private operationOf(info: NodeInfo): Operation {
    let op = this.#operations.get(info.id)
    if (op === undefined) {
      const outputs = info.outputs.map((o) => {
        if (!isDType(o.dtype)) throw new InvalidArgumentError(`Unknown dtype '${o.dtype}' from the engine`)
        return { dtype: o.dtype as DType, shape: shapeFromNative(o.shape) }
      })
      // A loop's back edge (a NextIteration into its Merge) comes from a later node that depends
      // on this one: it is resolved once this operation exists.
      const later = (e: { node: number }) => e.node > info.id
      const inputs = info.inputs.map((e) => (later(e) ? null : this.operationById(e.node).outputs[e.index]))
      const controlInputs = info.controlInputs.map((id) => this.operationById(id))
      const known = inputs.map((t) => t ?? inputs.find((k) => k !== null) ?? null) as Tensor[]
      op = new Operation(this, info.id, info.name, info.op, info.device, outputs, known, controlInputs)
      this.#operations.set(info.id, op)
      if (info.inputs.some(later)) {
        const all = info.inputs.map((e, i) => inputs[i] ?? this.operationById(e.node).outputs[e.index])
        ;(op as unknown as { inputs: readonly Tensor[] }).inputs = Object.freeze(all)
      }
    }
    return op
  }

  private operationById(id: number): Operation {
    return this.#operations.get(id) ?? this.operationOf(callNative(() => this.native.node(id), this.native))
  }
}

/** The stack of graphs made default by `asDefault` scopes and open interactive sessions. @internal */
export const defaultGraphStack = new DefaultStack<Graph>()

let globalDefaultGraph: Graph | undefined

/**
 * The graph that op builders add to: the innermost {@link Graph.asDefault} scope's graph, or
 * the global default graph (created on first use).
 */
export function getDefaultGraph(): Graph {
  const top = defaultGraphStack.top
  if (top !== undefined) return top
  globalDefaultGraph ??= new Graph()
  return globalDefaultGraph
}

/**
 * Replaces the global default graph by a new, empty one. Like TensorFlow, refuses inside a
 * {@link Graph.asDefault} scope (or while an `InteractiveSession` holds its graph as default).
 *
 * @throws FailedPreconditionError when called inside a nested graph scope.
 */
export function resetDefaultGraph(): void {
  if (defaultGraphStack.top !== undefined) {
    throw new FailedPreconditionError(
      'Do not use resetDefaultGraph() to clear nested graphs. If you need a cleared graph, ' +
        'exit the nesting and create a new graph.',
    )
  }
  globalDefaultGraph = new Graph()
}

/**
 * Sets the graph-level random seed of the default graph (TF's `tf.compat.v1.set_random_seed`):
 * random ops created afterwards without their own seed become reproducible.
 */
export function setRandomSeed(seed: number | null): void {
  if (seed !== null && !Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`The random seed must be an integer, got ${seed}`)
  }
  getDefaultGraph().seed = seed
}

/** {@link Graph.nameScope} on the default graph (TF's `tf.name_scope`). */
export function nameScope<R>(name: string | null, fn: (scope: string) => R): R {
  return getDefaultGraph().nameScope(name, fn)
}

/** {@link Graph.controlDependencies} on the default graph (TF's `tf.control_dependencies`). */
export function controlDependencies<R>(controlInputs: readonly (Operation | Tensor)[] | null, fn: () => R): R {
  return getDefaultGraph().controlDependencies(controlInputs, fn)
}

/** {@link Graph.device} on the default graph (TF's `tf.device`). */
export function device<R>(device: DeviceScope, fn: () => R): R {
  return getDefaultGraph().device(device, fn)
}
