// Minibatch training and evaluation of the digits model through a session callable: the run
// signature is prepared once, and each step copies its batch into reused buffers.
import tf, { type NDArray, type Session } from 'sessionflow'

import { type Digits, gatherBatch, seededRandom, shuffle } from './data.js'
import type { DigitsModel } from './model.js'
import type { ProgressState } from './progress.js'

/** The data the model trains on or is evaluated with. */
export interface DigitsData {
  readonly digits: Digits
  /** {@link scaledImages} of `digits`. */
  readonly scaled: Float32Array
}

/** Options of {@link trainDigits}. */
export interface TrainOptions {
  /** Passes over the training images. */
  epochs: number
  /** Images per step; the last step of an epoch takes what is left. */
  batchSize: number
  /** Seeds the order of the images in each epoch. */
  seed?: number
  /** Called after every step; `epochDone` marks each epoch's last. */
  onStep?: (state: ProgressState, epochDone: boolean) => void
}

/** What training did. */
export interface TrainResult {
  readonly steps: number
  readonly seconds: number
  /** The last epoch's mean loss and training accuracy over its steps. */
  readonly loss: number
  readonly accuracy: number
}

/** The model's feed for a batch: `[n, rows, cols, 1]` images and `[n]` labels. */
function feeds(data: DigitsData, images: Float32Array, labels: Int32Array, n: number): [NDArray, NDArray] {
  const { rows, cols } = data.digits
  return [new tf.NDArray('float32', [n, rows, cols, 1], images), new tf.NDArray('int32', [n], labels)]
}

/**
 * Trains `model` (its variables already initialised in `sess`) on the images at `indices`,
 * `options.epochs` times over, in a seeded shuffled order.
 */
export function trainDigits(
  sess: Session,
  model: DigitsModel,
  data: DigitsData,
  indices: readonly number[],
  options: TrainOptions,
): TrainResult {
  const { epochs, batchSize } = options
  const random = seededRandom(options.seed ?? 0)
  const step = sess.makeCallable([model.loss, model.correct, model.train], [model.images, model.labels])
  const pixels = data.digits.rows * data.digits.cols
  const buffers = { images: new Float32Array(batchSize * pixels), labels: new Int32Array(batchSize) }
  const stepsPerEpoch = Math.ceil(indices.length / batchSize)
  const steps = epochs * stepsPerEpoch
  const started = performance.now()
  let done = 0
  let loss = 0
  let accuracy = 0
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffle([...indices], random)
    let lossSum = 0
    let correctSum = 0
    for (let k = 0; k < stepsPerEpoch; k++) {
      const batch = gatherBatch(data.digits, data.scaled, order.slice(k * batchSize, (k + 1) * batchSize), buffers)
      const [batchLoss, batchCorrect] = step(...feeds(data, batch.images, batch.labels, batch.size))
      // Weight each step's mean loss by its batch size, so the epoch mean is per image.
      lossSum += (batchLoss.data[0] as number) * batch.size
      correctSum += batchCorrect.data[0] as number
      done++
      const seen = Math.min(indices.length, (k + 1) * batchSize)
      loss = lossSum / seen
      accuracy = correctSum / seen
      const elapsed = (performance.now() - started) / 1000
      options.onStep?.({ epoch, epochs, step: done, steps, loss, accuracy, elapsed }, k === stepsPerEpoch - 1)
    }
  }
  return { steps, seconds: (performance.now() - started) / 1000, loss, accuracy }
}

/** The model's mean loss and accuracy on the images at `indices`. */
export interface Evaluation {
  readonly loss: number
  readonly accuracy: number
  readonly correct: number
  readonly count: number
}

/** Evaluates `model` on the images at `indices` in batches of `batchSize`, without training. */
export function evaluateDigits(
  sess: Session,
  model: DigitsModel,
  data: DigitsData,
  indices: readonly number[],
  batchSize = 512,
): Evaluation {
  const evaluate = sess.makeCallable([model.loss, model.correct], [model.images, model.labels])
  let lossSum = 0
  let correct = 0
  for (let from = 0; from < indices.length; from += batchSize) {
    const batch = gatherBatch(data.digits, data.scaled, indices.slice(from, from + batchSize))
    const [batchLoss, batchCorrect] = evaluate(...feeds(data, batch.images, batch.labels, batch.size))
    lossSum += (batchLoss.data[0] as number) * batch.size
    correct += batchCorrect.data[0] as number
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length, correct, count: indices.length }
}
