/**
 * Reductions and scans: sums, means, extrema, arg-extrema, cumulative sums and top-k.
 *
 * @packageDocumentation
 */

import type { DType } from '../dtype.js'
import type { Graph } from '../graph.js'
import type { Tensor } from '../tensor.js'
import { type TensorLike, addNode, constantIn, graphOf, toTensor } from './core.js'

/** Options of the reductions ({@link reduceSum}, {@link reduceMean}, …). */
export interface ReduceOptions {
  /** Keep reduced dimensions with length 1 (TF's `keepdims`); `false` by default. */
  keepDims?: boolean
  /** The node name; the op's name (`"Sum"`, `"Mean"`, …) by default. */
  name?: string
}

/**
 * The axes to reduce: the given ones (plain numbers become an int32 constant), or every axis.
 * Like TensorFlow, all axes are a constant `[0, rank)` when the rank is static, and
 * `Range(0, Rank(x), 1)` otherwise.
 */
function reductionAxes(graph: Graph, x: Tensor, axis: TensorLike | null | undefined): Tensor {
  if (axis != null) return toTensor(graph, axis, 'int32')
  if (x.shape !== null) {
    return constantIn(graph, Int32Array.from(x.shape.keys()), { dtype: 'int32', name: 'Const' })
  }
  const [rank] = addNode(graph, 'Rank', 'Rank', [x])
  const start = constantIn(graph, 0, { dtype: 'int32', name: 'range/start' })
  const delta = constantIn(graph, 1, { dtype: 'int32', name: 'range/delta' })
  return addNode(graph, 'Range', 'range', [start, rank, delta])[0]
}

function reduce(op: string, x: TensorLike, axis: TensorLike | null | undefined, options: ReduceOptions): Tensor {
  const graph = graphOf(x, axis)
  const input = toTensor(graph, x)
  const axes = reductionAxes(graph, input, axis)
  return addNode(graph, op, options.name ?? op, [input, axes], { keep_dims: { b: options.keepDims ?? false } })[0]
}

/**
 * The sum of `x`'s elements along `axis` (op `Sum`). Sums of float16/bfloat16 accumulate in
 * float32; integer sums wrap.
 *
 * @param x - The tensor to reduce.
 * @param axis - The axes to reduce (negative counts from the end); all axes when omitted or
 *   `null`; an empty list reduces nothing.
 * @example `tf.reduceSum([[1, 2], [3, 4]], 1)` is `[3, 7]`.
 */
export function reduceSum(x: TensorLike, axis?: TensorLike | null, options: ReduceOptions = {}): Tensor {
  return reduce('Sum', x, axis, options)
}

/**
 * The mean of `x`'s elements along `axis` (op `Mean`). Integer means truncate towards zero;
 * the mean of no elements is NaN for floats and 0 for integers.
 */
export function reduceMean(x: TensorLike, axis?: TensorLike | null, options: ReduceOptions = {}): Tensor {
  return reduce('Mean', x, axis, options)
}

/** The maximum of `x`'s elements along `axis` (op `Max`); NaN wins; −∞ (or the type's minimum) for no elements. */
export function reduceMax(x: TensorLike, axis?: TensorLike | null, options: ReduceOptions = {}): Tensor {
  return reduce('Max', x, axis, options)
}

/** The minimum of `x`'s elements along `axis` (op `Min`); NaN wins; +∞ (or the type's maximum) for no elements. */
export function reduceMin(x: TensorLike, axis?: TensorLike | null, options: ReduceOptions = {}): Tensor {
  return reduce('Min', x, axis, options)
}

/** The product of `x`'s elements along `axis` (op `Prod`); 1 for no elements. */
export function reduceProd(x: TensorLike, axis?: TensorLike | null, options: ReduceOptions = {}): Tensor {
  return reduce('Prod', x, axis, options)
}

/** Logical and of a bool tensor along `axis` (op `All`); true for no elements. */
export function reduceAll(x: TensorLike, axis?: TensorLike | null, options: ReduceOptions = {}): Tensor {
  return reduce('All', x, axis, options)
}

/** Logical or of a bool tensor along `axis` (op `Any`); false for no elements. */
export function reduceAny(x: TensorLike, axis?: TensorLike | null, options: ReduceOptions = {}): Tensor {
  return reduce('Any', x, axis, options)
}

/** Options of {@link argMax} and {@link argMin}. */
export interface ArgOptions {
  /** The index dtype: `int64` (default) or `int32` (ArgMax also `int16`). */
  outputType?: DType
  /** The node name; `"ArgMax"` / `"ArgMin"` by default. */
  name?: string
}

function argOp(op: string, input: TensorLike, axis: TensorLike | null | undefined, options: ArgOptions): Tensor {
  const graph = graphOf(input, axis)
  const x = toTensor(graph, input)
  const dim = toTensor(graph, axis ?? 0, 'int32')
  return addNode(graph, op, options.name ?? op, [x, dim], { output_type: { type: options.outputType ?? 'int64' } })[0]
}

/**
 * The index of the largest value along `axis` (op `ArgMax`; TF's `tf.argmax`): the first one
 * on ties; NaNs are passed over.
 *
 * @param axis - The dimension to reduce; 0 when omitted.
 */
export function argMax(input: TensorLike, axis?: TensorLike | null, options: ArgOptions = {}): Tensor {
  return argOp('ArgMax', input, axis, options)
}

/** The index of the smallest value along `axis` (op `ArgMin`; TF's `tf.argmin`); see {@link argMax}. */
export function argMin(input: TensorLike, axis?: TensorLike | null, options: ArgOptions = {}): Tensor {
  return argOp('ArgMin', input, axis, options)
}

/** TF1's `tf.arg_max` (the raw op's name): {@link argMax}. */
export const arg_max = argMax

/** TF1's `tf.arg_min`: {@link argMin}. */
export const arg_min = argMin

/** Options of {@link cumsum}. */
export interface CumsumOptions {
  /** Leave each element out of its own sum (the first output is 0). */
  exclusive?: boolean
  /** Sum from the end. */
  reverse?: boolean
  /** The node name; `"Cumsum"` by default. */
  name?: string
}

/**
 * Running sums along `axis` (op `Cumsum`).
 *
 * @param axis - The axis to scan; 0 by default.
 * @example `tf.cumsum([1, 2, 3])` is `[1, 3, 6]`; with `{ exclusive: true }` `[0, 1, 3]`.
 */
export function cumsum(x: TensorLike, axis: TensorLike = 0, options: CumsumOptions = {}): Tensor {
  const graph = graphOf(x, axis)
  const input = toTensor(graph, x)
  const ax = toTensor(graph, axis, 'int32')
  return addNode(graph, 'Cumsum', options.name ?? 'Cumsum', [input, ax], {
    exclusive: { b: options.exclusive ?? false },
    reverse: { b: options.reverse ?? false },
  })[0]
}

/** Options of {@link topK}. */
export interface TopKOptions {
  /** Return the values in descending order (TF's default); the order is unspecified otherwise. */
  sorted?: boolean
  /** The node name; `"TopKV2"` by default. */
  name?: string
}

/**
 * The result of {@link topK}, like TF's namedtuple: named fields, and iterable as
 * `[values, indices]` for destructuring.
 */
export interface TopKResult extends Iterable<Tensor> {
  /** The `k` largest values of each row. */
  readonly values: Tensor
  /** Their positions in the row (int32). */
  readonly indices: Tensor
}

/**
 * The `k` largest entries of the last dimension and their int32 indices (op `TopKV2`;
 * `tf.nn.top_k`). Equal values keep their order; NaN ranks above every number.
 *
 * @example
 * ```ts
 * const { values, indices } = tf.nn.topK([1, 3, 2], 2) // [3, 2] and [1, 2]
 * const [v, i] = tf.nn.topK(x)                          // k = 1
 * ```
 */
export function topK(input: TensorLike, k: TensorLike = 1, options: TopKOptions = {}): TopKResult {
  const graph = graphOf(input, k)
  const x = toTensor(graph, input)
  const kt = toTensor(graph, k, 'int32')
  const [values, indices] = addNode(graph, 'TopKV2', options.name ?? 'TopKV2', [x, kt], {
    sorted: { b: options.sorted ?? true },
  })
  return Object.freeze({
    values,
    indices,
    *[Symbol.iterator](): Iterator<Tensor> {
      yield values
      yield indices
    },
  })
}

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const REDUCTION_TABLE = {
  reduceSum: ['reduce_sum', reduceSum],
  reduceMean: ['reduce_mean', reduceMean],
  reduceMax: ['reduce_max', reduceMax],
  reduceMin: ['reduce_min', reduceMin],
  reduceProd: ['reduce_prod', reduceProd],
  reduceAll: ['reduce_all', reduceAll],
  reduceAny: ['reduce_any', reduceAny],
  argMax: ['argmax', argMax],
  argMin: ['argmin', argMin],
  arg_max: ['arg_max', arg_max],
  arg_min: ['arg_min', arg_min],
  cumsum: ['cumsum', cumsum],
} as const
