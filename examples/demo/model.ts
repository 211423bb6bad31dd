// The demo's convolutional network for 8×8 digits, built in the default graph with
// sessionflow's TF1-style API: two 3×3 convolutions, a 2×2 max pool, a hidden dense layer and
// the class logits, trained by Adam on the mean sparse softmax cross-entropy.
import tf, { type Operation, type Tensor } from 'sessionflow'

/** Options of {@link buildDigitsModel}. */
export interface ModelOptions {
  /** Image height and width, in pixels; 8 by default. */
  rows?: number
  cols?: number
  /** How many classes; 10 by default. */
  classes?: number
  /** The graph-level random seed: the same seed gives the same initial weights. */
  seed?: number
  /** Adam's step size; 0.002 by default. */
  learningRate?: number
}

/** The tensors and operations of the model, as {@link buildDigitsModel} made them. */
export interface DigitsModel {
  /** Placeholder `[batch, rows, cols, 1]` float32: images scaled to [0, 1]. */
  readonly images: Tensor
  /** Placeholder `[batch]` int32: the true classes. */
  readonly labels: Tensor
  /** `[batch, classes]`: unscaled class scores. */
  readonly logits: Tensor
  /** Scalar: the batch's mean cross-entropy. */
  readonly loss: Tensor
  /** Scalar float32: how many of the batch's images the model classifies right. */
  readonly correct: Tensor
  /** One Adam step on the batch's loss. */
  readonly train: Operation
  /** Assigns every variable (weights and Adam's slots) its initial value. */
  readonly init: Operation
}

/** A layer's weights: Glorot-uniform kernel (seeded through the graph seed) and zero bias. */
function weights(scope: string, kernelShape: number[]): { kernel: Tensor; bias: Tensor } {
  return tf.variableScope(scope, () => ({
    kernel: tf.getVariable('kernel', { shape: kernelShape, initializer: tf.glorotUniformInitializer() }),
    bias: tf.getVariable('bias', { shape: [kernelShape[kernelShape.length - 1]], initializer: tf.zerosInitializer() }),
  }))
}

function conv(scope: string, input: Tensor, inChannels: number, outChannels: number): Tensor {
  const { kernel, bias } = weights(scope, [3, 3, inChannels, outChannels])
  return tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(input, kernel, 1, 'SAME'), bias))
}

function dense(scope: string, input: Tensor, inputs: number, outputs: number): Tensor {
  const { kernel, bias } = weights(scope, [inputs, outputs])
  return tf.nn.biasAdd(tf.matmul(input, kernel), bias)
}

/**
 * Builds the network, its loss, accuracy count and Adam training step in the default graph
 * (call it inside `graph.asDefault`). Building it twice in two graphs with the same options
 * gives variables of the same names and initial values, which is what restoring a checkpoint
 * into a fresh graph needs.
 */
export function buildDigitsModel(options: ModelOptions = {}): DigitsModel {
  const rows = options.rows ?? 8
  const cols = options.cols ?? 8
  const classes = options.classes ?? 10
  tf.setRandomSeed(options.seed ?? 0)

  const images = tf.placeholder('float32', [null, rows, cols, 1], 'images')
  const labels = tf.placeholder('int32', [null], 'labels')
  const c1 = conv('conv1', images, 1, 32)
  const c2 = conv('conv2', c1, 32, 64)
  const pooled = tf.nn.maxPool(c2, 2, 2, 'VALID')
  const flat = (rows / 2) * (cols / 2) * 64
  const hidden = tf.nn.relu(dense('dense1', tf.reshape(pooled, [-1, flat]), flat, 128))
  const logits = dense('logits', hidden, 128, classes)

  const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }), null, { name: 'loss' })
  const predicted = tf.argMax(logits, 1, { outputType: 'int32' })
  const correct = tf.reduceSum(tf.cast(tf.equal(predicted, labels), 'float32'), null, { name: 'correct' })
  const train = new tf.train.AdamOptimizer(options.learningRate ?? 0.002).minimize(loss)
  const init = tf.globalVariablesInitializer()
  return { images, labels, logits, loss, correct, train, init }
}
