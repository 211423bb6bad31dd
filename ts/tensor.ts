/**
 * {@link Tensor}: a symbolic handle to one output of an {@link Operation}.
 *
 * @packageDocumentation
 */

import { getDefaultSession } from './default_session.js'
import type { DType } from './dtype.js'
import { FailedPreconditionError, InvalidArgumentError } from './errors.js'
import type { FeedDict } from './feed.js'
import type { Graph } from './graph.js'
import type { NDArray } from './ndarray.js'
import type { Operation } from './operation.js'
import type { TensorLike } from './ops/core.js'
import { type MatMulOptions, matmul } from './ops/linalg.js'
import { add, div, mul, neg, sub } from './ops/math.js'
import type { Session } from './session.js'
import { type Shape, formatShape } from './shape.js'

const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom')

/**
 * One output of an operation: a symbolic value with a dtype and a static shape, computed only
 * when a session runs it. `sess.run(t)` or `t.eval()` gives its value as an `NDArray`.
 */
export class Tensor {
  /** The operation that produces this tensor. */
  readonly op: Operation
  /** Which output of {@link op} this is. */
  readonly valueIndex: number
  /** The element type. */
  readonly dtype: DType
  /**
   * The static shape: `null` when the rank is unknown, else one entry per dimension, `null`
   * where that dimension is unknown.
   */
  readonly shape: Shape

  /** @internal */
  constructor(op: Operation, valueIndex: number, dtype: DType, shape: Shape) {
    this.op = op
    this.valueIndex = valueIndex
    this.dtype = dtype
    this.shape = shape === null ? null : Object.freeze([...shape])
  }

  /** The tensor's name, `"<op_name>:<output_index>"` (e.g. `"c:0"`). */
  get name(): string {
    return `${this.op.name}:${this.valueIndex}`
  }

  /** The graph this tensor belongs to. */
  get graph(): Graph {
    return this.op.graph
  }

  /** TF's name for {@link valueIndex}. */
  get value_index(): number {
    return this.valueIndex
  }

  /**
   * Computes this tensor's value in `session`, or else in the default session (TF's
   * `t.eval()`): `t.eval(feedDict, sess)` is `sess.run(t, feedDict)`.
   *
   * @param feedDict - Values for placeholders (see `Session.run`).
   * @param session - The session to use; defaults to {@link getDefaultSession}'s.
   * @throws FailedPreconditionError when there is no session to evaluate in.
   * @throws InvalidArgumentError when the session runs another graph.
   */
  eval(feedDict?: FeedDict, session?: Session): NDArray {
    const sess = session ?? getDefaultSession()
    if (sess === null) {
      throw new FailedPreconditionError(
        'Cannot evaluate tensor using `eval()`: No default session is registered. ' +
          'Use `sess.asDefault()` or pass an explicit session to `eval(feedDict, sess)`',
      )
    }
    if (sess.graph !== this.graph) {
      throw new InvalidArgumentError(
        "Cannot use the given session to evaluate tensor: the tensor's graph is different from the session's graph.",
      )
    }
    return sess.run(this as Tensor, feedDict)
  }

  /** `this + other`, elementwise with broadcasting (`tf.add`). */
  add(other: TensorLike, name?: string): Tensor {
    return add(this, other, name)
  }

  /** `this - other`, elementwise with broadcasting (`tf.subtract`). */
  sub(other: TensorLike, name?: string): Tensor {
    return sub(this, other, name)
  }

  /** `this * other`, elementwise with broadcasting (`tf.mul`). */
  mul(other: TensorLike, name?: string): Tensor {
    return mul(this, other, name)
  }

  /**
   * `this / other` as TF1's `Tensor.__div__` (`tf.compat.v1.div`): floats divide, integers
   * floor-divide. Use `tf.divide` for Python 3's true division.
   */
  div(other: TensorLike, name?: string): Tensor {
    return div(this, other, name)
  }

  /** `-this`, elementwise (`tf.negative`). */
  neg(name?: string): Tensor {
    return neg(this, name)
  }

  /** The matrix product `this · other` (`tf.matmul`). */
  matmul(other: TensorLike, options?: MatMulOptions): Tensor {
    return matmul(this, other, options)
  }

  /** `Tensor("mul:0", shape=(), dtype=float32)`, as TensorFlow prints a tensor. */
  toString(): string {
    return `Tensor("${this.name}", shape=${formatShape(this.shape)}, dtype=${this.dtype})`
  }

  /** `console.log` prints {@link Tensor.toString}. */
  [inspectCustom](): string {
    return this.toString()
  }
}
