/**
 * The core op builders (constants, placeholders, identity, no-op) and the helpers every op family
 * builds on. Each builder adds one node (TF's GraphDef op) to a graph and returns its output; no
 * math happens here: the engine validates nodes and infers their shapes.
 *
 * @packageDocumentation
 */

import { type DType, isDType } from '../dtype.js'
import { InvalidArgumentError } from '../errors.js'
import { type Graph, getDefaultGraph } from '../graph.js'
import type { Operation } from '../operation.js'
import type { AttrValue } from '../native.js'
import { shapeToNative } from '../shape.js'
import { Tensor } from '../tensor.js'
import { type Value, bytesOf, reshapeOrFill, toHostTensor } from '../values.js'

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

/** {@link constant} in a given graph. @internal */
export function constantIn(graph: Graph, value: Value, options: ConstantOptions): Tensor {
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

/** A tensor with the same value as `input` (op `Identity`). */
export function identity(input: TensorLike, name?: string): Tensor {
  return unaryOp('Identity', name ?? 'Identity', input)
}

/** Each input passed through unchanged, as one node (op `IdentityN`). */
export function identityN(inputs: readonly TensorLike[], name?: string): Tensor[] {
  if (inputs.length === 0) throw new InvalidArgumentError('identityN needs at least one input')
  const graph = graphOf(...inputs)
  return addNode(
    graph,
    'IdentityN',
    name ?? 'IdentityN',
    inputs.map((x) => toTensor(graph, x)),
  )
}

/** An operation that does nothing (op `NoOp`); useful as a target to group control inputs. */
export function noOp(name?: string): Operation {
  return getDefaultGraph().addOperation({ op: 'NoOp', name: name ?? 'NoOp' })
}

/** The graph that tensors among `values` belong to (the default graph when there are none). @internal */
export function graphOf(...values: readonly unknown[]): Graph {
  let graph: Graph | undefined
  for (const v of values) {
    if (v instanceof Tensor) {
      if (graph !== undefined && v.graph !== graph) {
        throw new InvalidArgumentError(`${String(v)} must be from the same graph as the other inputs.`)
      }
      graph = v.graph
    }
  }
  return graph ?? getDefaultGraph()
}

/**
 * `value` as a tensor of `graph`: tensors pass through (they must be of that graph), other values
 * become constants of `dtype` (inferred from the value when absent).
 *
 * @internal
 */
export function toTensor(graph: Graph, value: TensorLike, dtype?: DType): Tensor {
  if (value instanceof Tensor) {
    if (value.graph !== graph) {
      throw new InvalidArgumentError(`${String(value)} must be from the same graph as the other inputs.`)
    }
    return value
  }
  return constantIn(graph, value, { dtype })
}

/** Adds one node to `graph` and returns all its outputs. @internal */
export function addNode(
  graph: Graph,
  op: string,
  name: string,
  inputs: readonly Tensor[],
  attrs?: Record<string, AttrValue>,
): Tensor[] {
  return graph.addOperation({ op, name, inputs, attrs }).outputs.slice()
}

/** Adds a one-input, one-output op (a plain value becomes a float32 constant by default). @internal */
export function unaryOp(op: string, name: string, x: TensorLike, attrs?: Record<string, AttrValue>): Tensor {
  const graph = graphOf(x)
  return addNode(graph, op, name, [toTensor(graph, x)], attrs)[0]
}

/**
 * Adds a two-input, one-output op. The node goes into the inputs' graph; a plain value becomes a
 * constant of the other operand's dtype (float32 by default when neither is a tensor).
 *
 * @internal
 */
export function binaryOp(
  op: string,
  name: string,
  a: TensorLike,
  b: TensorLike,
  attrs?: Record<string, AttrValue>,
): Tensor {
  const graph = graphOf(a, b)
  const x = toTensor(graph, a, b instanceof Tensor ? b.dtype : undefined)
  const y = toTensor(graph, b, x.dtype)
  return addNode(graph, op, name, [x, y], attrs)[0]
}

/** Throws InvalidArgumentError unless `dtype` is a dtype name. @internal */
export function checkDType(dtype: unknown): void {
  if (!isDType(dtype)) throw new InvalidArgumentError(`Unknown dtype ${JSON.stringify(dtype)}`)
}

/** The core builders, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const CORE_TABLE = {
  constant: ['constant', constant],
  placeholder: ['placeholder', placeholder],
  identity: ['identity', identity],
  identityN: ['identity_n', identityN],
  noOp: ['no_op', noOp],
} as const
