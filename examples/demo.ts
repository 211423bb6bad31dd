// sessionflow demo (`npm run demo`): TensorFlow's InteractiveSession reference examples, then a
// small convolutional network trained on the 8×8 handwritten digits shipped in examples/data,
// its test accuracy, and a checkpoint saved, restored in a fresh session and evaluated again.
import tf from 'sessionflow'

import { checkpointRoundTrip } from './demo/checkpoint.js'
import { loadDigits, scaledImages, splitDigits } from './demo/data.js'
import { type ModelOptions, buildDigitsModel } from './demo/model.js'
import { Progress } from './demo/progress.js'
import { type DigitsData, evaluateDigits, trainDigits } from './demo/train.js'
import { runInteractiveExamples } from './interactive.js'

/** Everything that fixes the run: the same values give the same weights and figures. */
const SEED = 0
const MODEL: ModelOptions = { seed: SEED, learningRate: 0.002 }
const EPOCHS = 15
const BATCH_SIZE = 32

const percent = (x: number) => `${(100 * x).toFixed(1)}%`

console.log("Part 1: tf.compat.v1.InteractiveSession's reference examples\n")
runInteractiveExamples()

console.log('\nPart 2: a convolutional network on 8×8 handwritten digits\n')
const digits = loadDigits()
const data: DigitsData = { digits, scaled: scaledImages(digits) }
const split = splitDigits(digits, { testFraction: 0.2, seed: SEED })
console.log(
  `data:  ${digits.count} images of ${digits.rows}×${digits.cols} pixels, ${digits.maxValue + 1} gray levels ` +
    '(UCI optdigits via scikit-learn, CC BY 4.0: examples/data/LICENSE-digits.md)',
)
console.log(
  `split: ${split.train.length} training / ${split.test.length} test images, stratified by class (seed ${SEED})`,
)

const graph = new tf.Graph()
const model = graph.asDefault(() => buildDigitsModel(MODEL))
const parameters = graph
  .asDefault(() => tf.trainableVariables())
  .reduce((n, v) => n + (v.shape ?? []).reduce<number>((a, d) => a * (d ?? 0), 1), 0)
console.log(
  `model: conv 3×3×32 → conv 3×3×64 → max pool 2×2 → dense 128 → dense 10 (${parameters} parameters); ` +
    `Adam, learning rate ${MODEL.learningRate}, batches of ${BATCH_SIZE}, ${EPOCHS} epochs\n`,
)

const sess = new tf.Session('', graph)
sess.run(model.init)
const progress = new Progress()
const trained = trainDigits(sess, model, data, split.train, {
  epochs: EPOCHS,
  batchSize: BATCH_SIZE,
  seed: SEED,
  onStep: (state, epochDone) => progress.update(state, epochDone),
})
progress.finish()
const test = evaluateDigits(sess, model, data, split.test)
console.log(
  `\ntrained: ${trained.steps} steps in ${trained.seconds.toFixed(1)} s (${(trained.steps / trained.seconds).toFixed(0)} steps/s); ` +
    `last epoch: loss ${trained.loss.toFixed(4)}, training accuracy ${percent(trained.accuracy)}`,
)
console.log(`test:    ${test.correct}/${test.count} right = ${percent(test.accuracy)} (loss ${test.loss.toFixed(4)})`)

console.log('\nPart 3: checkpoint, restored in a fresh graph and session\n')
{
  const { prefix, files, restored } = checkpointRoundTrip(graph, sess, MODEL, data, split.test)
  console.log(`saved:    ${prefix} (${files.map(([f, size]) => `${f} ${size} B`).join(', ')})`)
  const same = restored.correct === test.correct && restored.loss === test.loss
  console.log(
    `restored: ${restored.correct}/${restored.count} right = ${percent(restored.accuracy)} ` +
      `(loss ${restored.loss.toFixed(4)}): ${same ? 'the same as before saving' : 'DIFFERENT from before saving'}`,
  )
  if (!same) process.exitCode = 1
}
sess.close()
