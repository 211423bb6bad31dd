/**
 * Array manipulation: reshaping, transposing, joining, splitting, slicing, padding and tiling (TF's `array_ops`).
 *
 * Index-like arguments (shapes, axes, permutations, paddings, begin/end/strides) may be plain
 * numbers or arrays: they become `int32` constants (`int64` when they hold bigints, or to match
 * a tensor given alongside them), as TensorFlow converts Python ints.
 *
 * @packageDocumentation
 */

import type { DType } from '../dtype.js'
import { InvalidArgumentError } from '../errors.js'
import type { Graph } from '../graph.js'
import { Tensor } from '../tensor.js'
import type { Value } from '../values.js'
import { type TensorLike, addNode, graphOf, identity, toTensor } from './core.js'

/** True when a plain value holds bigints (so its index constant should be `int64`). */
function holdsBigInt(value: unknown): boolean {
  if (typeof value === 'bigint' || value instanceof BigInt64Array) return true
  return Array.isArray(value) && value.some(holdsBigInt)
}

/**
 * `value` as an index tensor of `graph`: tensors pass through; plain values become `int32`
 * constants (`int64` for bigints, or `like` when given).
 */
function indexTensor(graph: Graph, value: TensorLike, like?: DType): Tensor {
  if (value instanceof Tensor) return toTensor(graph, value)
  return toTensor(graph, value, like ?? (holdsBigInt(value) ? 'int64' : 'int32'))
}

/** The dtype shared by several index arguments: that of the first one that is a tensor. */
function indexDType(...values: TensorLike[]): DType | undefined {
  for (const v of values) if (v instanceof Tensor) return v.dtype
  return undefined
}

/** An axis number normalised against `rank`, or an error naming the valid range. */
function normalizeAxis(axis: number, rank: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InvalidArgumentError(`${what} = ${axis} not in [${-rank}, ${rank})`)
  }
  return axis < 0 ? axis + rank : axis
}

/**
 * `tensor` with the same elements in a new shape (op `Reshape`); one entry of `shape` may be -1
 * to infer it. The buffer is shared, never copied.
 *
 * @example `tf.reshape(x, [-1, 2])`
 */
export function reshape(tensor: TensorLike, shape: TensorLike, name?: string): Tensor {
  const graph = graphOf(tensor, shape)
  return addNode(graph, 'Reshape', name ?? 'Reshape', [toTensor(graph, tensor), indexTensor(graph, shape)])[0]
}

/**
 * Permutes the dimensions of `a` (op `Transpose`): output dimension `i` is input dimension
 * `perm[i]`. Without `perm`, the dimensions are reversed (a matrix transpose for rank 2).
 *
 * @throws InvalidArgumentError when `perm` is omitted and the rank of `a` is not known.
 */
export function transpose(a: TensorLike, perm?: TensorLike | null, name?: string): Tensor {
  const graph = graphOf(a, perm)
  const x = toTensor(graph, a)
  let p: TensorLike
  if (perm == null) {
    if (x.shape === null) {
      throw new InvalidArgumentError(`transpose of ${String(x)} needs perm: its rank is unknown`)
    }
    p = x.shape.map((_, i, dims) => dims.length - 1 - i)
  } else {
    p = perm
  }
  return addNode(graph, 'Transpose', name ?? 'transpose', [x, indexTensor(graph, p)])[0]
}

/** `input` with a dimension of size 1 inserted at `axis` (op `ExpandDims`; negative counts from the end). */
export function expandDims(input: TensorLike, axis: TensorLike, name?: string): Tensor {
  const graph = graphOf(input, axis)
  return addNode(graph, 'ExpandDims', name ?? 'ExpandDims', [toTensor(graph, input), indexTensor(graph, axis)])[0]
}

/**
 * `input` without its dimensions of size 1 (op `Squeeze`), or only those in `axis` (which
 * must have size 1).
 */
export function squeeze(input: TensorLike, axis?: number | readonly number[] | null, name?: string): Tensor {
  const graph = graphOf(input)
  const dims = axis == null ? [] : typeof axis === 'number' ? [axis] : [...axis]
  return addNode(graph, 'Squeeze', name ?? 'Squeeze', [toTensor(graph, input)], {
    squeeze_dims: { listI: dims },
  })[0]
}

/**
 * `values` joined along dimension `axis` (op `ConcatV2`); they must agree on every other
 * dimension. A single value is returned as its identity, as in TensorFlow.
 */
export function concat(values: readonly TensorLike[], axis: TensorLike, name?: string): Tensor {
  if (values.length === 0) throw new InvalidArgumentError('concat needs at least one value')
  const graph = graphOf(...values, axis)
  const first = values.find((v): v is Tensor => v instanceof Tensor)
  const inputs = values.map((v) => toTensor(graph, v, first?.dtype))
  if (inputs.length === 1) return identity(inputs[0], name ?? 'concat')
  return addNode(graph, 'ConcatV2', name ?? 'concat', [...inputs, indexTensor(graph, axis)])[0]
}

/** Options of {@link split}. */
export interface SplitOptions {
  /** The number of pieces when `numOrSizeSplits` is a tensor of unknown length. */
  num?: number
  /** The node name; `"split"` by default. */
  name?: string
}

/**
 * Splits `value` along `axis` (TF's `tf.split`): a number gives that many equal pieces (op
 * `Split`); an array or 1-D tensor of sizes gives pieces of those sizes, one of them possibly
 * -1 for the rest (op `SplitV`).
 */
export function split(
  value: TensorLike,
  numOrSizeSplits: number | TensorLike,
  axis: TensorLike = 0,
  options: SplitOptions = {},
): Tensor[] {
  const graph = graphOf(value, numOrSizeSplits, axis)
  const x = toTensor(graph, value)
  const name = options.name ?? 'split'
  const axisT = indexTensor(graph, axis, 'int32')
  if (typeof numOrSizeSplits === 'number') {
    return addNode(graph, 'Split', name, [axisT, x], { num_split: { i: numOrSizeSplits } })
  }
  const sizes = indexTensor(graph, numOrSizeSplits)
  const num = options.num ?? (sizes.shape?.length === 1 ? sizes.shape[0] : null)
  if (num === null || num === undefined) {
    throw new InvalidArgumentError(`Cannot infer argument \`num\` from shape ${String(sizes)}`)
  }
  return addNode(graph, 'SplitV', name, [x, sizes, axisT], { num_split: { i: num } })
}

/** `values` (of one shape) stacked along a new dimension `axis` (op `Pack`). */
export function stack(values: readonly TensorLike[], axis = 0, name?: string): Tensor {
  if (values.length === 0) throw new InvalidArgumentError('stack needs at least one value')
  const graph = graphOf(...values)
  const first = values.find((v): v is Tensor => v instanceof Tensor)
  const inputs = values.map((v) => toTensor(graph, v, first?.dtype))
  return addNode(graph, 'Pack', name ?? 'stack', inputs, { axis: { i: axis } })[0]
}

/** Options of {@link unstack}. */
export interface UnstackOptions {
  /** The number of pieces; inferred from the static shape when absent. */
  num?: number
  /** The dimension to unstack along; 0 by default. */
  axis?: number
  /** The node name; `"unstack"` by default. */
  name?: string
}

/**
 * The slices of `value` along `axis`, that dimension removed (op `Unpack`).
 *
 * @throws InvalidArgumentError when `num` is absent and the dimension is not statically known.
 */
export function unstack(value: TensorLike, options: UnstackOptions = {}): Tensor[] {
  const graph = graphOf(value)
  const x = toTensor(graph, value)
  const axis = options.axis ?? 0
  let num = options.num
  if (num === undefined) {
    if (x.shape === null) throw new InvalidArgumentError(`Cannot infer argument \`num\` from shape <unknown>`)
    const d = x.shape[normalizeAxis(axis, x.shape.length, 'axis')]
    if (d === null) throw new InvalidArgumentError(`Cannot infer argument \`num\` from shape ${String(x)}`)
    num = d
  }
  return addNode(graph, 'Unpack', options.name ?? 'unstack', [x], { num: { i: num }, axis: { i: axis } })
}

/** `input` repeated `multiples[i]` times along each dimension i (op `Tile`). */
export function tile(input: TensorLike, multiples: TensorLike, name?: string): Tensor {
  const graph = graphOf(input, multiples)
  return addNode(graph, 'Tile', name ?? 'Tile', [toTensor(graph, input), indexTensor(graph, multiples)])[0]
}

/** Options of {@link pad}. */
export interface PadOptions {
  /** `CONSTANT` (default), `REFLECT` or `SYMMETRIC`, in any case. */
  mode?: string
  /** The border value in `CONSTANT` mode; 0 by default. */
  constantValues?: TensorLike
  /** The node name (the op's name by default). */
  name?: string
}

/**
 * `tensor` with a border (TF's `tf.pad`): `paddings[i] = [before, after]` elements added along
 * dimension i. `CONSTANT` mode fills with `constantValues` (op `Pad` for zero, else `PadV2`);
 * `REFLECT` and `SYMMETRIC` mirror the tensor without or with its edge (op `MirrorPad`).
 */
export function pad(tensor: TensorLike, paddings: TensorLike, options: PadOptions = {}): Tensor {
  const graph = graphOf(tensor, paddings, options.constantValues)
  const x = toTensor(graph, tensor)
  const p = indexTensor(graph, paddings)
  const mode = (options.mode ?? 'CONSTANT').toUpperCase()
  if (mode === 'REFLECT' || mode === 'SYMMETRIC') {
    return addNode(graph, 'MirrorPad', options.name ?? 'MirrorPad', [x, p], { mode: { s: mode } })[0]
  }
  if (mode !== 'CONSTANT') {
    throw new InvalidArgumentError(
      `Value of argument \`mode\` expected to be one of "CONSTANT", "REFLECT", or "SYMMETRIC". Received \`mode\` = ${options.mode}`,
    )
  }
  const value = options.constantValues
  // A plain zero needs no constant input: op Pad, as TensorFlow chooses.
  const isZero = value === undefined || value === 0 || value === 0n || value === false
  if (isZero) return addNode(graph, 'Pad', options.name ?? 'Pad', [x, p])[0]
  const v = toTensor(graph, value as Value | Tensor, x.dtype)
  return addNode(graph, 'PadV2', options.name ?? 'PadV2', [x, p, v])[0]
}

/** `input` broadcast to `shape` by numpy's rules (op `BroadcastTo`). */
export function broadcastTo(input: TensorLike, shape: TensorLike, name?: string): Tensor {
  const graph = graphOf(input, shape)
  return addNode(graph, 'BroadcastTo', name ?? 'BroadcastTo', [toTensor(graph, input), indexTensor(graph, shape)])[0]
}

/** `tensor` in reverse order along each dimension in `axis`, a 1-D list (op `ReverseV2`). */
export function reverse(tensor: TensorLike, axis: TensorLike, name?: string): Tensor {
  const graph = graphOf(tensor, axis)
  return addNode(graph, 'ReverseV2', name ?? 'ReverseV2', [toTensor(graph, tensor), indexTensor(graph, axis)])[0]
}

/**
 * The box of `input` starting at `begin` with `size` elements along each dimension (op
 * `Slice`); a size of -1 takes everything to the end.
 */
export function slice(input: TensorLike, begin: TensorLike, size: TensorLike, name?: string): Tensor {
  const graph = graphOf(input, begin, size)
  const like = indexDType(begin, size)
  return addNode(graph, 'Slice', name ?? 'Slice', [
    toTensor(graph, input),
    indexTensor(graph, begin, like),
    indexTensor(graph, size, like),
  ])[0]
}

/** Options of {@link stridedSlice}: TensorFlow's masks (bit i refers to entry i of begin/end/strides). */
export interface StridedSliceOptions {
  /** Bits whose `begin` is ignored: the range starts at the first (last, striding back) element. */
  beginMask?: number
  /** Bits whose `end` is ignored: the range runs to the end (the start, striding back). */
  endMask?: number
  /** The bit of an `...` entry, standing for as many full dimensions as needed. */
  ellipsisMask?: number
  /** Bits of `tf.newaxis` entries: a dimension of size 1 is inserted there. */
  newAxisMask?: number
  /** Bits of plain indices: `begin` selects one element and the dimension is removed. */
  shrinkAxisMask?: number
  /** The node name; `"StridedSlice"` by default. */
  name?: string
}

/**
 * numpy-style slicing `input[begin:end:strides, ...]` (op `StridedSlice`), with the masks for
 * omitted bounds, `...`, new axes and single indices. `strides` defaults to all ones.
 *
 * @example `x[1:, ::-1]` is `tf.stridedSlice(x, [1, 0], [0, 0], [1, -1], { endMask: 3, beginMask: 2 })`.
 */
export function stridedSlice(
  input: TensorLike,
  begin: TensorLike,
  end: TensorLike,
  strides?: TensorLike | null,
  options: StridedSliceOptions = {},
): Tensor {
  const graph = graphOf(input, begin, end, strides)
  const like = indexDType(begin, end, strides ?? 0)
  const b = indexTensor(graph, begin, like)
  let s: TensorLike
  if (strides == null) {
    const n = b.shape?.length === 1 ? b.shape[0] : null
    if (n === null) throw new InvalidArgumentError(`stridedSlice needs strides: the length of ${String(b)} is unknown`)
    s = new Array<number>(n).fill(1)
  } else {
    s = strides
  }
  return addNode(
    graph,
    'StridedSlice',
    options.name ?? 'StridedSlice',
    [toTensor(graph, input), b, indexTensor(graph, end, b.dtype), indexTensor(graph, s, b.dtype)],
    {
      begin_mask: { i: options.beginMask ?? 0 },
      end_mask: { i: options.endMask ?? 0 },
      ellipsis_mask: { i: options.ellipsisMask ?? 0 },
      new_axis_mask: { i: options.newAxisMask ?? 0 },
      shrink_axis_mask: { i: options.shrinkAxisMask ?? 0 },
    },
  )[0]
}

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const ARRAY_TABLE = {
  reshape: ['reshape', reshape],
  transpose: ['transpose', transpose],
  expandDims: ['expand_dims', expandDims],
  squeeze: ['squeeze', squeeze],
  concat: ['concat', concat],
  split: ['split', split],
  stack: ['stack', stack],
  unstack: ['unstack', unstack],
  tile: ['tile', tile],
  pad: ['pad', pad],
  broadcastTo: ['broadcast_to', broadcastTo],
  reverse: ['reverse', reverse],
  slice: ['slice', slice],
  stridedSlice: ['strided_slice', stridedSlice],
} as const
