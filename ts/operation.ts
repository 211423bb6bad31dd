/**
 * {@link Operation}: a node of a {@link Graph}.
 *
 * @packageDocumentation
 */

import type { DType } from './dtype.js'
import { getDefaultSession } from './default_session.js'
import { FailedPreconditionError, InvalidArgumentError } from './errors.js'
import type { FeedDict } from './feed.js'
import type { Graph } from './graph.js'
import type { Session } from './session.js'
import type { Shape } from './shape.js'
import { Tensor } from './tensor.js'

const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom')

/**
 * A node of a graph: an op type (TF's GraphDef name, e.g. `"MatMul"`) applied to input tensors,
 * producing output tensors. Obtained from op builders (`tf.noOp()`), from `tensor.op`, or by
 * name with {@link Graph.getOperationByName}; never constructed directly.
 */
export class Operation {
  /** The graph this operation belongs to. */
  readonly graph: Graph
  /** The node's unique name in its graph (e.g. `"mul_1"`). */
  readonly name: string
  /** The op type, TF's GraphDef name (e.g. `"AddV2"`, `"MatMul"`). */
  readonly type: string
  /** The device the node is assigned to; `""` when unassigned. */
  readonly device: string
  /** The tensors this operation produces, by output index. */
  readonly outputs: readonly Tensor[]
  /** The tensors this operation consumes, by input index. */
  readonly inputs: readonly Tensor[]
  /** Operations that must run before this one, without data flowing. */
  readonly controlInputs: readonly Operation[]
  /** The engine's node id. @internal */
  readonly id: number

  /** @internal */
  constructor(
    graph: Graph,
    id: number,
    name: string,
    type: string,
    device: string,
    outputs: readonly { dtype: DType; shape: Shape }[],
    inputs: readonly Tensor[],
    controlInputs: readonly Operation[],
  ) {
    this.graph = graph
    this.id = id
    this.name = name
    this.type = type
    this.device = device
    this.outputs = Object.freeze(outputs.map((o, i) => new Tensor(this, i, o.dtype, o.shape)))
    this.inputs = Object.freeze([...inputs])
    this.controlInputs = Object.freeze([...controlInputs])
  }

  /**
   * Runs this operation for its effect, in `session` or else the default session (TF's
   * `op.run()`).
   *
   * @param feedDict - Values for placeholders (see `Session.run`).
   * @param session - The session to run in; defaults to {@link getDefaultSession}'s.
   * @throws FailedPreconditionError when there is no session to run in.
   */
  run(feedDict?: FeedDict, session?: Session): void {
    const sess = session ?? getDefaultSession()
    if (sess === null) {
      throw new FailedPreconditionError(
        'Cannot execute operation using `run()`: No default session is registered. ' +
          'Use `sess.asDefault()` or pass an explicit session to `run(feedDict, sess)`',
      )
    }
    if (sess.graph !== this.graph) {
      throw new InvalidArgumentError(
        "Cannot use the given session to execute operation: the operation's graph is different from the session's graph.",
      )
    }
    sess.run(this as Operation, feedDict)
  }

  /** `<tf.Operation 'c' type=Mul>`, as TensorFlow prints an operation. */
  toString(): string {
    return `<tf.Operation '${this.name}' type=${this.type}>`
  }

  /** `console.log` prints {@link Operation.toString}. */
  [inspectCustom](): string {
    return this.toString()
  }
}
