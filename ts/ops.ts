/**
 * Op builders: each adds one node (TF's GraphDef op) to a graph and returns its output. No math
 * happens here; the engine validates nodes and infers their shapes.
 *
 * @packageDocumentation
 */

import { type DType, isDType } from './dtype.js'
import { InvalidArgumentError } from './errors.js'
import { type Graph, getDefaultGraph } from './graph.js'
import type { Operation } from './operation.js'
import { shapeToNative } from './shape.js'
import { Tensor } from './tensor.js'
import { type Value, bytesOf, reshapeOrFill, toHostTensor } from './values.js'

/** A tensor, or a value that becomes a constant tensor where a tensor is expected. */
export type TensorLike = Tensor | Value

/** Options of {@link constant}. */
export interface ConstantOptions {
  /** The element type; inferred from the value when absent (numbers give `float32`). */
  dtype?: DType
  /** The shape: the value is reshaped to it, or a single value fills it. */
  shape?: readonly number[]
  /** The node name; `"Const"` by default (made unique in the graph). */
  name?: string
}

/** Options of {@link matmul}. */
export interface MatMulOptions {
  /** Transpose `a` before multiplying. */
  transposeA?: boolean
  /** Transpose `b` before multiplying. */
  transposeB?: boolean
  /** The node name; `"MatMul"` by default. */
  name?: string
}

/**
 * A constant tensor (op `Const`) in the default graph.
 *
 * @param value - A number, boolean, bigint, nested array, TypedArray or NDArray.
 * @param options - dtype, shape and name, or just the dtype.
 * @example
 * ```ts
 * tf.constant(5)                          // float32 scalar
 * tf.constant([[1, 2], [3, 4]], 'int32')  // int32, shape [2, 2]
 * tf.constant(0, { shape: [2, 3] })       // filled
 * ```
 */
export function constant(value: Value, options?: ConstantOptions | DType): Tensor {
  const opts: ConstantOptions = typeof options === 'string' ? { dtype: options } : (options ?? {})
  return constantIn(getDefaultGraph(), value, opts)
}

function constantIn(graph: Graph, value: Value, options: ConstantOptions): Tensor {
  if ((value as unknown) instanceof Tensor) {
    throw new InvalidArgumentError(`A constant cannot be made from ${String(value)}; use identity()`)
  }
  if (options.dtype !== undefined) checkDType(options.dtype)
  let host = toHostTensor(value, options.dtype)
  if (options.shape !== undefined) host = reshapeOrFill(host, options.shape)
  const tensor = { dtype: host.dtype, shape: host.shape, data: bytesOf(host.data) }
  const op = graph.addOperation({
    op: 'Const',
    name: options.name ?? 'Const',
    attrs: { value: { tensor }, dtype: { type: host.dtype } },
  })
  return op.outputs[0]
}

/**
 * A placeholder (op `Placeholder`): a tensor whose value must be fed when the graph runs.
 *
 * @param dtype - The element type of the values to be fed.
 * @param shape - The static shape, `null` entries for dimensions of any size; omitted or `null`
 *   for any shape.
 * @param name - The node name; `"Placeholder"` by default.
 */
export function placeholder(dtype: DType, shape?: readonly (number | null)[] | null, name?: string): Tensor {
  checkDType(dtype)
  let nativeShape: number[] | undefined
  if (shape != null) {
    nativeShape = shapeToNative(shape, true)
    if (nativeShape === undefined) {
      throw new InvalidArgumentError(
        `Invalid placeholder shape [${shape.join(', ')}]: use non-negative integers, or null for an unknown dimension`,
      )
    }
  }
  const op = getDefaultGraph().addOperation({
    op: 'Placeholder',
    name: name ?? 'Placeholder',
    attrs:
      nativeShape === undefined
        ? { dtype: { type: dtype } }
        : { dtype: { type: dtype }, shape: { shape: nativeShape } },
  })
  return op.outputs[0]
}

/** `a + b` elementwise, with numpy broadcasting (op `AddV2`). */
export function add(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binary('AddV2', name ?? 'add', a, b)
}

/** `a * b` elementwise, with numpy broadcasting (op `Mul`). */
export function mul(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binary('Mul', name ?? 'mul', a, b)
}

/**
 * The matrix product of two rank-2 tensors (op `MatMul`), optionally transposing either first.
 *
 * @example `tf.matmul(a, b, { transposeB: true })` is a · bᵀ.
 */
export function matmul(a: TensorLike, b: TensorLike, options: MatMulOptions = {}): Tensor {
  return binary('MatMul', options.name ?? 'MatMul', a, b, {
    transpose_a: { b: options.transposeA ?? false },
    transpose_b: { b: options.transposeB ?? false },
  })
}

/** A tensor with the same value as `input` (op `Identity`). */
export function identity(input: TensorLike, name?: string): Tensor {
  const x = input instanceof Tensor ? input : constantIn(getDefaultGraph(), input, {})
  return x.graph.addOperation({ op: 'Identity', name: name ?? 'Identity', inputs: [x] }).outputs[0]
}

/** An operation that does nothing (op `NoOp`); useful as a target to group control inputs. */
export function noOp(name?: string): Operation {
  return getDefaultGraph().addOperation({ op: 'NoOp', name: name ?? 'NoOp' })
}

/**
 * Adds a two-input op. The node goes into the inputs' graph; a plain value becomes a constant of
 * the other operand's dtype (float32 by default when neither is a tensor).
 */
function binary(
  op: string,
  name: string,
  a: TensorLike,
  b: TensorLike,
  attrs?: Record<string, { b: boolean }>,
): Tensor {
  if (a instanceof Tensor && b instanceof Tensor && a.graph !== b.graph) {
    throw new InvalidArgumentError(`${String(b)} must be from the same graph as ${String(a)}.`)
  }
  const graph = a instanceof Tensor ? a.graph : b instanceof Tensor ? b.graph : getDefaultGraph()
  const x = a instanceof Tensor ? a : constantIn(graph, a, { dtype: b instanceof Tensor ? b.dtype : undefined })
  const y = b instanceof Tensor ? b : constantIn(graph, b, { dtype: x.dtype })
  return graph.addOperation({ op, name, inputs: [x, y], attrs }).outputs[0]
}

function checkDType(dtype: unknown): void {
  if (!isDType(dtype)) throw new InvalidArgumentError(`Unknown dtype ${JSON.stringify(dtype)}`)
}
