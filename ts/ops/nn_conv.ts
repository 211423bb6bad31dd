/**
 * Convolutions, pooling and batch normalisation (`tf.nn.*`).
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js'
import type { AttrValue } from '../native.js'
import type { Tensor } from '../tensor.js'
import { type TensorLike, addNode, graphOf, toTensor, unaryOp } from './core.js'

/** The layout of 4-D image tensors: batch, height, width, channels (or channels first). */
export type DataFormat = 'NHWC' | 'NCHW'

/**
 * A padding algorithm, or explicit `[before, after]` paddings for each of the 4 dimensions (those of
 * the batch and channel dimensions must be `[0, 0]`), as TensorFlow's Python API accepts.
 */
export type Padding = 'SAME' | 'VALID' | readonly (readonly [number, number])[]

/** Per-dimension sizes: one value for height and width, a `[height, width]` pair, or all 4. */
export type Window = number | readonly number[]

/** Options of {@link conv2d} and {@link depthwiseConv2d}. */
export interface ConvOptions {
  /** `'NHWC'` (default) or `'NCHW'`. */
  dataFormat?: DataFormat
  /** The dilation rate of the filter, given like `strides`; 1 by default. */
  dilations?: Window
  /** The node name. */
  name?: string
}

/** Options of {@link maxPool} and {@link avgPool}. */
export interface PoolOptions {
  /** `'NHWC'` (default) or `'NCHW'`. */
  dataFormat?: DataFormat
  /** The node name. */
  name?: string
}

/** Options of {@link fusedBatchNorm}. */
export interface FusedBatchNormOptions {
  /** The running mean; needed unless training with `exponentialAvgFactor` 1. */
  mean?: TensorLike
  /** The running variance; needed unless training with `exponentialAvgFactor` 1. */
  variance?: TensorLike
  /** Added to the variance (at least 1.001e-5, as TensorFlow enforces); 0.001 by default. */
  epsilon?: number
  /** `'NHWC'` (default), `'NCHW'`, `'NDHWC'` or `'NCDHW'`. */
  dataFormat?: DataFormat | 'NDHWC' | 'NCDHW'
  /** Normalise with the batch's own statistics (default `true`) or with `mean` and `variance`. */
  isTraining?: boolean
  /** The weight of the batch statistics in the returned running statistics; 1 by default. */
  exponentialAvgFactor?: number
  /** The node name; `"FusedBatchNormV3"` by default. */
  name?: string
}

/**
 * A window attr of 4 values from 1, 2 or 4 values, as TensorFlow's `_get_sequence`: the batch and
 * channel entries are 1.
 */
function expand(value: Window, what: string, dataFormat: DataFormat): number[] {
  const values = typeof value === 'number' ? [value] : Array.from(value)
  if (!values.every((v) => Number.isInteger(v))) {
    throw new InvalidArgumentError(`${what} must be integers, got [${values.join(', ')}]`)
  }
  let hw: number[]
  if (values.length === 4) return values
  else if (values.length === 1) hw = [values[0], values[0]]
  else if (values.length === 2) hw = values
  else throw new InvalidArgumentError(`${what} should be of length 1, 2 or 4 but was ${values.length}`)
  return dataFormat === 'NCHW' ? [1, 1, hw[0], hw[1]] : [1, hw[0], hw[1], 1]
}

/** The `padding` and `explicit_paddings` attrs for a padding algorithm or explicit paddings. */
function paddingAttrs(padding: Padding): Record<string, AttrValue> {
  if (typeof padding === 'string') return { padding: { s: padding } }
  if (
    padding.length !== 4 ||
    !padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v)))
  ) {
    throw new InvalidArgumentError(
      `When padding is explicit, it must be a list of 4 [before, after] pairs of integers, got ${JSON.stringify(padding)}`,
    )
  }
  return { padding: { s: 'EXPLICIT' }, explicit_paddings: { listI: padding.flat() } }
}

/** Adds a two-input convolution node; a plain filter becomes a constant of the input's dtype. */
function convOp(
  op: string,
  input: TensorLike,
  filter: TensorLike,
  strides: Window,
  padding: Padding,
  options: ConvOptions,
  defaultName: string,
): Tensor {
  const dataFormat = options.dataFormat ?? 'NHWC'
  const graph = graphOf(input, filter)
  const x = toTensor(graph, input)
  const f = toTensor(graph, filter, x.dtype)
  return addNode(graph, op, options.name ?? defaultName, [x, f], {
    strides: { listI: expand(strides, 'strides', dataFormat) },
    dilations: { listI: expand(options.dilations ?? 1, 'dilations', dataFormat) },
    data_format: { s: dataFormat },
    ...paddingAttrs(padding),
  })[0]
}

/**
 * The 2-D convolution of a batch of images with a filter (op `Conv2D`).
 *
 * @param input - `[batch, height, width, inChannels]` (or NCHW).
 * @param filters - `[filterHeight, filterWidth, inChannels / groups, outChannels]`.
 * @param strides - The window's step: one value for height and width, a pair, or 4 values.
 * @param padding - `'SAME'`, `'VALID'`, or explicit `[before, after]` pairs for the 4 dimensions.
 * @example `tf.nn.conv2d(images, kernel, 2, 'SAME')`
 */
export function conv2d(
  input: TensorLike,
  filters: TensorLike,
  strides: Window,
  padding: Padding,
  options: ConvOptions = {},
): Tensor {
  return convOp('Conv2D', input, filters, strides, padding, options, 'Conv2D')
}

/**
 * Depthwise 2-D convolution (op `DepthwiseConv2dNative`): each input channel is convolved with
 * its own `channelMultiplier` filters; output channel `c·multiplier + m`.
 *
 * @param input - `[batch, height, width, inChannels]` (or NCHW).
 * @param filter - `[filterHeight, filterWidth, inChannels, channelMultiplier]`.
 * @param strides - The window's step: one value for height and width, a pair, or 4 values.
 * @param padding - `'SAME'`, `'VALID'`, or explicit `[before, after]` pairs for the 4 dimensions.
 */
export function depthwiseConv2d(
  input: TensorLike,
  filter: TensorLike,
  strides: Window,
  padding: Padding,
  options: ConvOptions = {},
): Tensor {
  return convOp('DepthwiseConv2dNative', input, filter, strides, padding, options, 'depthwise')
}

function poolOp(
  op: string,
  value: TensorLike,
  ksize: Window,
  strides: Window,
  padding: Padding,
  options: PoolOptions,
): Tensor {
  const dataFormat = options.dataFormat ?? 'NHWC'
  return unaryOp(op, options.name ?? op, value, {
    ksize: { listI: expand(ksize, 'ksize', dataFormat) },
    strides: { listI: expand(strides, 'strides', dataFormat) },
    data_format: { s: dataFormat },
    ...paddingAttrs(padding),
  })
}

/**
 * Max pooling (op `MaxPool`): the largest value of each window (padding never wins).
 *
 * @param value - `[batch, height, width, channels]` (or NCHW).
 * @param ksize - The window size: one value for height and width, a pair, or 4 values.
 * @param strides - The window's step, given like `ksize`.
 * @param padding - `'SAME'`, `'VALID'`, or explicit `[before, after]` pairs for the 4 dimensions.
 */
export function maxPool(
  value: TensorLike,
  ksize: Window,
  strides: Window,
  padding: Padding,
  options: PoolOptions = {},
): Tensor {
  return poolOp('MaxPool', value, ksize, strides, padding, options)
}

/**
 * Average pooling (op `AvgPool`): the mean of each window over the elements inside the input
 * (padding is not counted).
 *
 * @param value - `[batch, height, width, channels]` (or NCHW), of a float dtype.
 * @param ksize - The window size: one value for height and width, a pair, or 4 values.
 * @param strides - The window's step, given like `ksize`.
 * @param padding - `'SAME'` or `'VALID'`.
 */
export function avgPool(
  value: TensorLike,
  ksize: Window,
  strides: Window,
  padding: 'SAME' | 'VALID',
  options: PoolOptions = {},
): Tensor {
  return poolOp('AvgPool', value, ksize, strides, padding, options)
}

/**
 * Batch normalisation (op `FusedBatchNormV3`): `y = scale·(x − mean)/√(variance + ε) + offset` per
 * channel, with the batch's statistics when training, else the given ones.
 *
 * @param x - A 4-D (or 5-D) tensor of float32, float16 or bfloat16.
 * @param scale - float32 vector, one value per channel.
 * @param offset - float32 vector, one value per channel.
 * @returns `[y, batchMean, batchVariance]`: in training, the (running-averaged) batch mean and
 *   unbiased batch variance; otherwise the given mean and variance.
 */
export function fusedBatchNorm(
  x: TensorLike,
  scale: TensorLike,
  offset: TensorLike,
  options: FusedBatchNormOptions = {},
): [Tensor, Tensor, Tensor] {
  const isTraining = options.isTraining ?? true
  const factor = options.exponentialAvgFactor ?? 1
  if ((!isTraining || factor !== 1) && (options.mean === undefined || options.variance === undefined)) {
    throw new InvalidArgumentError(
      'Both `mean` and `variance` must be a 1D tensor when `isTraining` is false or `exponentialAvgFactor` != 1.0.',
    )
  }
  const graph = graphOf(x, scale, offset, options.mean, options.variance)
  const stat = (v: TensorLike | undefined): Tensor => toTensor(graph, v ?? [], 'float32')
  // TensorFlow's Python wrapper raises small epsilons to what cuDNN accepts, on every device.
  const epsilon = Math.max(options.epsilon ?? 0.001, 1.001e-5)
  const outputs = addNode(
    graph,
    'FusedBatchNormV3',
    options.name ?? 'FusedBatchNormV3',
    [toTensor(graph, x), stat(scale), stat(offset), stat(options.mean), stat(options.variance)],
    {
      epsilon: { f: epsilon },
      exponential_avg_factor: { f: factor },
      data_format: { s: options.dataFormat ?? 'NHWC' },
      is_training: { b: isTraining },
    },
  )
  return [outputs[0], outputs[1], outputs[2]]
}

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const NN_CONV_TABLE = {
  conv2d: ['conv2d', conv2d],
  depthwiseConv2d: ['depthwise_conv2d', depthwiseConv2d],
  depthwiseConv2dNative: ['depthwise_conv2d_native', depthwiseConv2d],
  maxPool: ['max_pool', maxPool],
  avgPool: ['avg_pool', avgPool],
  fusedBatchNorm: ['fused_batch_norm', fusedBatchNorm],
} as const
