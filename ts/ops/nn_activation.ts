/**
 * Neural-network activations, softmax, losses and bias addition (`tf.nn.*`).
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js'
import type { Tensor } from '../tensor.js'
import { type TensorLike, addNode, constantIn, graphOf, toTensor, unaryOp } from './core.js'
import { topK } from './reduction.js'

/** Rectified linear: `max(features, 0)` (op `Relu`); NaN stays NaN. */
export function relu(features: TensorLike, name?: string): Tensor {
  return unaryOp('Relu', name ?? 'Relu', features)
}

/** `min(max(features, 0), 6)` (op `Relu6`). */
export function relu6(features: TensorLike, name?: string): Tensor {
  return unaryOp('Relu6', name ?? 'Relu6', features)
}

/** Exponential linear: `features < 0 ? exp(features) − 1 : features` (op `Elu`). */
export function elu(features: TensorLike, name?: string): Tensor {
  return unaryOp('Elu', name ?? 'Elu', features)
}

/** Scaled exponential linear, with TensorFlow's self-normalising constants (op `Selu`). */
export function selu(features: TensorLike, name?: string): Tensor {
  return unaryOp('Selu', name ?? 'Selu', features)
}

/** `log(1 + exp(features))`, computed without overflow (op `Softplus`). */
export function softplus(features: TensorLike, name?: string): Tensor {
  return unaryOp('Softplus', name ?? 'Softplus', features)
}

/**
 * Leaky rectified linear: `features > 0 ? features : alpha · features` (op `LeakyRelu`).
 *
 * @param alpha - The slope for negative inputs; 0.2 by default (a float32 attr).
 */
export function leakyRelu(features: TensorLike, alpha = 0.2, name?: string): Tensor {
  return unaryOp('LeakyRelu', name ?? 'LeakyRelu', features, { alpha: { f: alpha } })
}

/**
 * Applies a last-axis op (Softmax, LogSoftmax) along `axis`: directly when it is the last axis,
 * else between two transposes that swap `axis` with the last one, as TensorFlow does.
 */
function alongAxis(op: string, logits: TensorLike, axis: number | undefined, name: string | undefined): Tensor {
  const graph = graphOf(logits)
  const x = toTensor(graph, logits)
  const rank = x.shape?.length
  const last = axis === undefined || axis === -1 || (rank !== undefined && axis === rank - 1)
  if (last) return addNode(graph, op, name ?? op, [x])[0]
  if (rank === undefined) {
    throw new InvalidArgumentError(`${op} along axis ${axis} needs a tensor of known rank`)
  }
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InvalidArgumentError(`axis ${axis} is out of bounds for a tensor of rank ${rank}`)
  }
  const a = axis < 0 ? axis + rank : axis
  const perm = Int32Array.from({ length: rank }, (_, i) => (i === a ? rank - 1 : i === rank - 1 ? a : i))
  const transpose = (t: Tensor, n: string): Tensor =>
    addNode(graph, 'Transpose', n, [t, constantIn(graph, perm, { dtype: 'int32', name: `${n}/perm` })])[0]
  return transpose(addNode(graph, op, op, [transpose(x, 'transpose')])[0], name ?? 'transpose')
}

/**
 * `exp(logits) / sum(exp(logits))` along `axis` (op `Softmax`), computed stably (the maximum is
 * subtracted first).
 *
 * @param axis - The class axis; the last (−1) by default. Another axis transposes around the
 *   op, which needs the array ops' `Transpose`.
 */
export function softmax(logits: TensorLike, axis?: number, name?: string): Tensor {
  return alongAxis('Softmax', logits, axis, name)
}

/** `logits − log(sum(exp(logits)))` along `axis` (op `LogSoftmax`); see {@link softmax}. */
export function logSoftmax(logits: TensorLike, axis?: number, name?: string): Tensor {
  return alongAxis('LogSoftmax', logits, axis, name)
}

/** Options of {@link biasAdd}. */
export interface BiasAddOptions {
  /**
   * Where the channels are: `"NHWC"` (last dimension, the default; also `"NWC"`, `"NDHWC"`) or
   * `"NCHW"` (second dimension; also `"NCW"`, `"NCDHW"`).
   */
  dataFormat?: string
  /** The node name; `"BiasAdd"` by default. */
  name?: string
}

/**
 * Adds a 1-D `bias` along the channel dimension of `value` (op `BiasAdd`).
 *
 * @throws InvalidArgumentError for a data format that is neither channels-last nor -first.
 */
export function biasAdd(value: TensorLike, bias: TensorLike, options: BiasAddOptions = {}): Tensor {
  const format = options.dataFormat ?? 'NHWC'
  let dataFormat: string
  if (format.startsWith('NC')) dataFormat = 'NCHW'
  else if (format.startsWith('N') && format.endsWith('C')) dataFormat = 'NHWC'
  else throw new InvalidArgumentError('data_format must be of the form `N...C` or `NC...`')
  const graph = graphOf(value, bias)
  const v = toTensor(graph, value)
  const b = toTensor(graph, bias, v.dtype)
  return addNode(graph, 'BiasAdd', options.name ?? 'BiasAdd', [v, b], { data_format: { s: dataFormat } })[0]
}

/** Arguments of {@link softmaxCrossEntropyWithLogits}. */
export interface SoftmaxCrossEntropyArgs {
  /** Class probabilities, one row per example (broadcast against `logits` as TensorFlow allows). */
  labels: TensorLike
  /** Unscaled log probabilities, `[batch, classes]`. */
  logits: TensorLike
  /** The node name; `"SoftmaxCrossEntropyWithLogits"` by default. */
  name?: string
}

/**
 * The cross entropy between `labels` and `softmax(logits)`, one value per row (op
 * `SoftmaxCrossEntropyWithLogits`; TF1's `tf.nn.softmax_cross_entropy_with_logits`, which
 * returns the loss only). Arguments are named, as TensorFlow requires.
 *
 * @example `tf.nn.softmaxCrossEntropyWithLogits({ labels, logits })`
 */
export function softmaxCrossEntropyWithLogits(args: SoftmaxCrossEntropyArgs): Tensor {
  const graph = graphOf(args.logits, args.labels)
  const logits = toTensor(graph, args.logits)
  const labels = toTensor(graph, args.labels, logits.dtype)
  const name = args.name ?? 'SoftmaxCrossEntropyWithLogits'
  return addNode(graph, 'SoftmaxCrossEntropyWithLogits', name, [logits, labels])[0]
}

/** Arguments of {@link sparseSoftmaxCrossEntropyWithLogits}. */
export interface SparseSoftmaxCrossEntropyArgs {
  /** Class indices in `[0, classes)`, `[batch]`, int32 or int64 (plain numbers: int32). */
  labels: TensorLike
  /** Unscaled log probabilities, `[batch, classes]`. */
  logits: TensorLike
  /** The node name; `"SparseSoftmaxCrossEntropyWithLogits"` by default. */
  name?: string
}

/**
 * The cross entropy between one-hot `labels` (given as class indices) and `softmax(logits)`,
 * one value per row (op `SparseSoftmaxCrossEntropyWithLogits`).
 *
 * @throws InvalidArgumentError when the ranks are known and `labels` is not one less than
 *   `logits`; at run time, for a label outside `[0, classes)`.
 */
export function sparseSoftmaxCrossEntropyWithLogits(args: SparseSoftmaxCrossEntropyArgs): Tensor {
  const graph = graphOf(args.logits, args.labels)
  const logits = toTensor(graph, args.logits)
  const labels = toTensor(graph, args.labels, 'int32')
  if (logits.shape !== null && labels.shape !== null && labels.shape.length !== logits.shape.length - 1) {
    throw new InvalidArgumentError(
      `Rank mismatch: Rank of labels (received ${labels.shape.length}) should equal rank of logits minus 1 (received ${logits.shape.length}).`,
    )
  }
  const name = args.name ?? 'SparseSoftmaxCrossEntropyWithLogits'
  return addNode(graph, 'SparseSoftmaxCrossEntropyWithLogits', name, [logits, labels])[0]
}

/** `sum(t²) / 2` (op `L2Loss`), a scalar. */
export function l2Loss(t: TensorLike, name?: string): Tensor {
  return unaryOp('L2Loss', name ?? 'L2Loss', t)
}

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const NN_ACTIVATION_TABLE = {
  relu: ['relu', relu],
  relu6: ['relu6', relu6],
  elu: ['elu', elu],
  selu: ['selu', selu],
  leakyRelu: ['leaky_relu', leakyRelu],
  softplus: ['softplus', softplus],
  softmax: ['softmax', softmax],
  logSoftmax: ['log_softmax', logSoftmax],
  biasAdd: ['bias_add', biasAdd],
  softmaxCrossEntropyWithLogits: ['softmax_cross_entropy_with_logits', softmaxCrossEntropyWithLogits],
  sparseSoftmaxCrossEntropyWithLogits: [
    'sparse_softmax_cross_entropy_with_logits',
    sparseSoftmaxCrossEntropyWithLogits,
  ],
  l2Loss: ['l2_loss', l2Loss],
  topK: ['top_k', topK],
} as const
