/**
 * Indexing and construction: gather/scatter, one-hot, where/select, fill, shapes and sizes, casts and ranges.
 *
 * @packageDocumentation
 */

import type { DType } from '../dtype.js'
import { InvalidArgumentError } from '../errors.js'
import type { Graph } from '../graph.js'
import { shapeToNative } from '../shape.js'
import { Tensor } from '../tensor.js'
import { type TensorLike, addNode, checkDType, graphOf, toTensor } from './core.js'

/** `value` as a tensor of `graph`; plain values become int32 constants (indices, axes, shapes). */
function intTensor(graph: Graph, value: TensorLike, dtype: DType = 'int32'): Tensor {
  return value instanceof Tensor ? toTensor(graph, value) : toTensor(graph, value, dtype)
}

/** Options of {@link gather}. */
export interface GatherOptions {
  /** The axis of `params` to gather along; `batchDims` by default (TF's default). */
  axis?: TensorLike
  /** Leading dimensions shared by `params` and `indices` (may be negative). */
  batchDims?: number
  /** The node name; `"GatherV2"` by default. */
  name?: string
}

/**
 * Slices of `params` along `axis` picked by `indices` (op `GatherV2`): the result's shape is
 * `params.shape[:axis] + indices.shape[batchDims:] + params.shape[axis+1:]`. An index outside
 * `[0, params.shape[axis])` fails the run with InvalidArgumentError.
 *
 * @example `tf.gather([[1, 2], [3, 4], [5, 6]], [2, 0])` is `[[5, 6], [1, 2]]`.
 */
export function gather(params: TensorLike, indices: TensorLike, options: GatherOptions = {}): Tensor {
  const graph = graphOf(params, indices, options.axis)
  const batchDims = options.batchDims ?? 0
  const p = toTensor(graph, params)
  const i = intTensor(graph, indices)
  const axis = intTensor(graph, options.axis ?? batchDims)
  return addNode(graph, 'GatherV2', options.name ?? 'GatherV2', [p, i, axis], { batch_dims: { i: batchDims } })[0]
}

/**
 * Slices of `params` addressed by index vectors, the last dimension of `indices` (op
 * `GatherNd`): the result's shape is `indices.shape[:-1] + params.shape[indices.shape[-1]:]`.
 *
 * @example `tf.gatherNd([[1, 2], [3, 4]], [[1, 0], [0, 1]])` is `[3, 2]`.
 */
export function gatherNd(params: TensorLike, indices: TensorLike, name?: string): Tensor {
  const graph = graphOf(params, indices)
  return addNode(graph, 'GatherNd', name ?? 'GatherNd', [toTensor(graph, params), intTensor(graph, indices)])[0]
}

/**
 * A zero tensor of `shape` with `updates` added at the slices `indices` address (op
 * `ScatterNd`); duplicate indices accumulate.
 *
 * @example `tf.scatterNd([[1], [1], [3]], [1, 2, 3], [5])` is `[0, 3, 0, 3, 0]`.
 */
export function scatterNd(indices: TensorLike, updates: TensorLike, shape: TensorLike, name?: string): Tensor {
  const graph = graphOf(indices, updates, shape)
  const i = intTensor(graph, indices)
  // shape shares the indices' dtype (TF's Tindices).
  const s = intTensor(graph, shape, i.dtype)
  return addNode(graph, 'ScatterNd', name ?? 'ScatterNd', [i, toTensor(graph, updates), s])[0]
}

/** Options of {@link oneHot}. */
export interface OneHotOptions {
  /** The value where an index matches; 1 by default. */
  onValue?: TensorLike
  /** The value elsewhere; 0 by default. */
  offValue?: TensorLike
  /** Where the new `depth` axis goes; -1 (last) by default. */
  axis?: number
  /** The result's dtype: `onValue`'s or `offValue`'s when they are tensors, else float32. */
  dtype?: DType
  /** The node name; `"one_hot"` by default. */
  name?: string
}

/**
 * One-hot vectors (op `OneHot`): a new axis of length `depth` holding `onValue` at each index and
 * `offValue` elsewhere; indices outside `[0, depth)` give all `offValue`.
 *
 * @example `tf.oneHot([0, 2], 3)` is `[[1, 0, 0], [0, 0, 1]]` (float32).
 */
export function oneHot(indices: TensorLike, depth: TensorLike, options: OneHotOptions = {}): Tensor {
  const { onValue, offValue } = options
  const graph = graphOf(indices, depth, onValue, offValue)
  if (options.dtype !== undefined) checkDType(options.dtype)
  const dtype =
    options.dtype ??
    (onValue instanceof Tensor ? onValue.dtype : offValue instanceof Tensor ? offValue.dtype : 'float32')
  const on = toTensor(graph, onValue ?? (dtype === 'bool' ? true : 1), dtype)
  const off = toTensor(graph, offValue ?? (dtype === 'bool' ? false : 0), dtype)
  const inputs = [intTensor(graph, indices), intTensor(graph, depth), on, off]
  return addNode(graph, 'OneHot', options.name ?? 'one_hot', inputs, { axis: { i: options.axis ?? -1 } })[0]
}

/**
 * With one argument, the coordinates of the true (nonzero) elements of `condition` as an int64
 * `[n, rank]` tensor (op `Where`). With three, elements of `x` where `condition` is true and of
 * `y` elsewhere, all three broadcast together (op `SelectV2`; TF's `where_v2`).
 *
 * @example `tf.where([true, false, true])` is `[[0], [2]]`; `tf.where([true, false], 1, [5, 6])` is `[1, 6]`.
 */
export function where(condition: TensorLike, x?: TensorLike, y?: TensorLike, name?: string): Tensor {
  return whereOrSelect('SelectV2', condition, x, y, name)
}

/**
 * TF1's `where`: with one argument as {@link where}; with three, elements of `x` where
 * `condition` is true and of `y` elsewhere (op `Select`), where `x` and `y` have one shape and
 * `condition` is a scalar, has that shape, or is a vector over their first dimension.
 */
export function select(condition: TensorLike, x?: TensorLike, y?: TensorLike, name?: string): Tensor {
  return whereOrSelect('Select', condition, x, y, name)
}

function whereOrSelect(
  op: 'Select' | 'SelectV2',
  condition: TensorLike,
  x: TensorLike | undefined,
  y: TensorLike | undefined,
  name: string | undefined,
): Tensor {
  const graph = graphOf(condition, x, y)
  if (x === undefined && y === undefined) {
    // Any numeric condition works here: nonzero counts as true.
    return addNode(graph, 'Where', name ?? 'Where', [toTensor(graph, condition)])[0]
  }
  if (x === undefined || y === undefined) {
    throw new InvalidArgumentError('x and y must both be given, or neither')
  }
  const c = toTensor(graph, condition, 'bool')
  const t = toTensor(graph, x, y instanceof Tensor ? y.dtype : undefined)
  const e = toTensor(graph, y, t.dtype)
  return addNode(graph, op, name ?? op, [c, t, e])[0]
}

/**
 * A tensor of shape `dims` filled with `value` (op `Fill`).
 *
 * @example `tf.fill([2, 3], 7)` is a 2×3 float32 tensor of sevens.
 */
export function fill(dims: TensorLike, value: TensorLike, name?: string): Tensor {
  const graph = graphOf(dims, value)
  return addNode(graph, 'Fill', name ?? 'Fill', [intTensor(graph, dims), toTensor(graph, value)])[0]
}

/** The zero of a dtype: `false`, `""` or 0. */
function zeroOf(dtype: DType): boolean | string | number {
  return dtype === 'bool' ? false : dtype === 'string' ? '' : 0
}

/**
 * A tensor of `shape` filled with zeros (`false`, `""`) of `dtype`, float32 by default (TF's
 * `zeros`, built with `Fill`).
 */
export function zeros(shape: TensorLike, dtype: DType = 'float32', name?: string): Tensor {
  checkDType(dtype)
  const graph = graphOf(shape)
  const value = toTensor(graph, zeroOf(dtype), dtype)
  return fill(shape instanceof Tensor ? shape : intTensor(graph, shape), value, name ?? 'zeros')
}

/** A tensor of `shape` filled with ones (`true`) of `dtype`, float32 by default (TF's `ones`, built with `Fill`). */
export function ones(shape: TensorLike, dtype: DType = 'float32', name?: string): Tensor {
  checkDType(dtype)
  if (dtype === 'string') throw new InvalidArgumentError('ones() has no string value')
  const graph = graphOf(shape)
  const value = toTensor(graph, dtype === 'bool' ? true : 1, dtype)
  return fill(shape instanceof Tensor ? shape : intTensor(graph, shape), value, name ?? 'ones')
}

/**
 * Zeros of `x`'s shape and of its dtype (op `ZerosLike`), or of `dtype` when given (then built as
 * `zeros(shape(x), dtype)`, as TF does).
 */
export function zerosLike(x: TensorLike, dtype?: DType, name?: string): Tensor {
  const graph = graphOf(x)
  const t = toTensor(graph, x)
  if (dtype !== undefined && dtype !== t.dtype) return zeros(shape(t), dtype, name ?? 'zeros_like')
  return addNode(graph, 'ZerosLike', name ?? 'zeros_like', [t])[0]
}

/** Ones of `x`'s shape and of its dtype (op `OnesLike`), or of `dtype` when given. */
export function onesLike(x: TensorLike, dtype?: DType, name?: string): Tensor {
  const graph = graphOf(x)
  const t = toTensor(graph, x)
  if (dtype !== undefined && dtype !== t.dtype) return ones(shape(t), dtype, name ?? 'ones_like')
  return addNode(graph, 'OnesLike', name ?? 'ones_like', [t])[0]
}

/** Options of {@link shape}, {@link shapeN} and {@link size}. */
export interface ShapeOptions {
  /** int32 (default) or int64. */
  outType?: 'int32' | 'int64'
  /** The node name. */
  name?: string
}

/** The shape of `x` as a 1-D tensor (op `Shape`). */
export function shape(x: TensorLike, options: ShapeOptions = {}): Tensor {
  const graph = graphOf(x)
  const attrs = { out_type: { type: options.outType ?? 'int32' } }
  return addNode(graph, 'Shape', options.name ?? 'Shape', [toTensor(graph, x)], attrs)[0]
}

/** The shapes of several tensors, one 1-D tensor each (op `ShapeN`). */
export function shapeN(xs: readonly TensorLike[], options: ShapeOptions = {}): Tensor[] {
  if (xs.length === 0) throw new InvalidArgumentError('shapeN needs at least one tensor')
  const graph = graphOf(...xs)
  const inputs = xs.map((x) => toTensor(graph, x))
  const dtype = inputs[0].dtype
  if (inputs.some((t) => t.dtype !== dtype)) {
    throw new InvalidArgumentError('shapeN takes tensors of one dtype (TF: attr T)')
  }
  return addNode(graph, 'ShapeN', options.name ?? 'ShapeN', inputs, { out_type: { type: options.outType ?? 'int32' } })
}

/** The number of elements of `x` as a scalar (op `Size`). */
export function size(x: TensorLike, options: ShapeOptions = {}): Tensor {
  const graph = graphOf(x)
  const attrs = { out_type: { type: options.outType ?? 'int32' } }
  return addNode(graph, 'Size', options.name ?? 'Size', [toTensor(graph, x)], attrs)[0]
}

/** The number of dimensions of `x` as an int32 scalar (op `Rank`). */
export function rank(x: TensorLike, name?: string): Tensor {
  const graph = graphOf(x)
  return addNode(graph, 'Rank', name ?? 'Rank', [toTensor(graph, x)])[0]
}

/**
 * `x` converted to `dtype` (op `Cast`); a tensor already of `dtype` is returned as is. Floats
 * become integers by truncation toward zero; anything becomes bool as `x != 0`.
 */
export function cast(x: TensorLike, dtype: DType, name?: string): Tensor {
  checkDType(dtype)
  const graph = graphOf(x)
  const t = toTensor(graph, x)
  if (t.dtype === dtype) return t
  return addNode(graph, 'Cast', name ?? 'Cast', [t], { DstT: { type: dtype }, Truncate: { b: false } })[0]
}

/** Options of {@link range}. */
export interface RangeOptions {
  /** The dtype; inferred as TF does (the widest of int32 < int64 < float32 < float64). */
  dtype?: DType
  /** The node name; `"range"` by default. */
  name?: string
}

const RANGE_ORDER: readonly DType[] = ['int32', 'int64', 'float32', 'float64']

/**
 * `start, start + delta, …` up to but excluding `limit` (op `Range`). With one argument it is
 * the limit and the range starts at 0, as in Python.
 *
 * @example `tf.range(5)` is `[0, 1, 2, 3, 4]` (int32); `tf.range(1, 2, 0.25)` is float32.
 */
export function range(
  start: TensorLike,
  limit?: TensorLike | null,
  delta: TensorLike = 1,
  options: RangeOptions = {},
): Tensor {
  if (limit === undefined || limit === null) {
    limit = start
    start = 0
  }
  const graph = graphOf(start, limit, delta)
  const args = [start, limit, delta]
  let dtype = options.dtype
  if (dtype === undefined) {
    // Plain integers are int32, other numbers float32; the widest of the three wins.
    const kinds = args.map((a): DType => {
      if (a instanceof Tensor) return a.dtype
      if (typeof a === 'bigint') return 'int64'
      return typeof a === 'number' && Number.isInteger(a) ? 'int32' : 'float32'
    })
    dtype = kinds.reduce((a, b) => (RANGE_ORDER.indexOf(b) > RANGE_ORDER.indexOf(a) ? b : a))
  }
  checkDType(dtype)
  const inputs = args.map((a) => (a instanceof Tensor ? cast(a, dtype) : toTensor(graph, a, dtype)))
  return addNode(graph, 'Range', options.name ?? 'range', inputs)[0]
}

/** `x` itself, hidden from gradient computation (op `StopGradient`). */
export function stopGradient(x: TensorLike, name?: string): Tensor {
  const graph = graphOf(x)
  return addNode(graph, 'StopGradient', name ?? 'StopGradient', [toTensor(graph, x)])[0]
}

/**
 * A placeholder that yields `input` when not fed (op `PlaceholderWithDefault`). Its static shape
 * is `shape` (`null` entries for any size, `null` for any rank), which `input` must fit.
 */
export function placeholderWithDefault(
  input: TensorLike,
  shape: readonly (number | null)[] | null,
  name?: string,
): Tensor {
  const graph = graphOf(input)
  const t = toTensor(graph, input)
  let attr
  if (shape === null) {
    attr = { unknownRank: true }
  } else {
    const dims = shapeToNative(shape, true)
    if (dims === undefined) throw new InvalidArgumentError(`Invalid shape [${shape.join(', ')}]`)
    attr = { shape: dims }
  }
  const attrs = { dtype: { type: t.dtype }, shape: attr }
  return addNode(graph, 'PlaceholderWithDefault', name ?? 'PlaceholderWithDefault', [t], attrs)[0]
}

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const INDEXING_TABLE = {
  gather: ['gather', gather],
  gatherNd: ['gather_nd', gatherNd],
  scatterNd: ['scatter_nd', scatterNd],
  oneHot: ['one_hot', oneHot],
  where: ['where_v2', where],
  select: ['where', select],
  fill: ['fill', fill],
  zeros: ['zeros', zeros],
  ones: ['ones', ones],
  zerosLike: ['zeros_like', zerosLike],
  onesLike: ['ones_like', onesLike],
  shape: ['shape', shape],
  shapeN: ['shape_n', shapeN],
  size: ['size', size],
  rank: ['rank', rank],
  cast: ['cast', cast],
  range: ['range', range],
  stopGradient: ['stop_gradient', stopGradient],
  placeholderWithDefault: ['placeholder_with_default', placeholderWithDefault],
} as const
