// Training speed: steps per second of an MLP (784-512-512-10, ReLU, batch 128, softmax
// cross-entropy, Adam), sessionflow against TensorFlow's tf.compat.v1 Session in the same run.
// TensorFlow runs in a child process (benches/peers/tf_train_mlp.py, the same graph fed the same
// batches); the two engines take turns, one timed round each, so load from the rest of the
// machine falls on both alike. Run with
//   SESSIONFLOW_TF_PYTHON=/path/to/python node benches/js/train_mlp.bench.mjs [rounds] [steps]
// Without SESSIONFLOW_TF_PYTHON (or without TensorFlow there) only sessionflow is measured.
import { spawn } from 'node:child_process'
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import tf, { NDArray } from 'sessionflow'
import { machine } from './machine.mjs'

const BATCH = 128
const INPUTS = 784
const HIDDEN = 512
const CLASSES = 10
const NUM_BATCHES = 8
const WARMUP_STEPS = 30
const ROUNDS = Number(process.argv[2] ?? 7)
const STEPS = Number(process.argv[3] ?? 40)
// TensorFlow's thread pools: both sized to the machine's cores, as its defaults would be, but
// stated so the figure says what was measured.
const TF_INTRA_OP = Number(process.env.TF_INTRA_OP ?? 2)
const TF_INTER_OP = Number(process.env.TF_INTER_OP ?? 2)

/** Fixed random batches: inputs uniform in [0, 1), one-hot labels. */
function makeBatches() {
  let s = 12345
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return s / 2 ** 32
  }
  const batches = []
  for (let b = 0; b < NUM_BATCHES; b++) {
    const x = new Float32Array(BATCH * INPUTS)
    for (let i = 0; i < x.length; i++) x[i] = next()
    const y = new Float32Array(BATCH * CLASSES)
    for (let r = 0; r < BATCH; r++) y[r * CLASSES + Math.floor(next() * CLASSES)] = 1
    batches.push({ x, y })
  }
  return batches
}

function buildGraph() {
  const x = tf.placeholder('float32', [BATCH, INPUTS], 'x')
  const y = tf.placeholder('float32', [BATCH, CLASSES], 'y')
  const dense = (h, inputs, units, name, relu = true) =>
    tf.variableScope(name, () => {
      const w = tf.getVariable('w', { shape: [inputs, units], initializer: tf.glorotUniformInitializer() })
      const b = tf.getVariable('b', { shape: [units], initializer: tf.zerosInitializer() })
      const out = tf.nn.biasAdd(tf.matmul(h, w), b)
      return relu ? tf.nn.relu(out) : out
    })
  let h = dense(x, INPUTS, HIDDEN, 'l1')
  h = dense(h, HIDDEN, HIDDEN, 'l2')
  const logits = dense(h, HIDDEN, CLASSES, 'l3', false)
  const loss = tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits }))
  const train = new tf.train.AdamOptimizer(1e-3).minimize(loss)
  return { x, y, loss, train, init: tf.globalVariablesInitializer() }
}

/** The median and the spread (min–max) of `values`. */
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1] }
}

const format = ({ median, min, max }) => `${median.toFixed(1)} steps/s median (${min.toFixed(1)}–${max.toFixed(1)})`

/** TensorFlow's process, driven one timed round at a time; null when it cannot run. */
async function startPeer(batchesFile) {
  const python = process.env.SESSIONFLOW_TF_PYTHON
  if (!python) {
    console.log('TensorFlow: skipped (set SESSIONFLOW_TF_PYTHON to a Python with TensorFlow)')
    return null
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'tf_train_mlp.py')
  const args = [script, batchesFile, NUM_BATCHES, TF_INTRA_OP, TF_INTER_OP].map(String)
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const nextLine = async () => {
    const { value, done } = await lines.next()
    if (done) throw new Error(`the TensorFlow peer exited (code ${child.exitCode})`)
    return value
  }
  let ready
  try {
    ready = await nextLine()
  } catch (error) {
    console.log(`TensorFlow: skipped (${error.message})`)
    return null
  }
  const version = ready.split(' ')[1]
  return {
    version,
    async round(steps) {
      child.stdin.write(`steps ${steps}\n`)
      const [word, value] = (await nextLine()).split(' ')
      if (word !== 'steps_per_s') throw new Error(`unexpected reply from the peer: ${word}`)
      return Number(value)
    },
    stop() {
      child.stdin.end()
    },
  }
}

const batches = makeBatches()
const dir = mkdtempSync(join(tmpdir(), 'sessionflow-train-'))
const batchesFile = join(dir, 'batches.f32')
const flat = new Float32Array(NUM_BATCHES * BATCH * (INPUTS + CLASSES))
batches.forEach(({ x, y }, i) => {
  flat.set(x, i * BATCH * (INPUTS + CLASSES))
  flat.set(y, i * BATCH * (INPUTS + CLASSES) + BATCH * INPUTS)
})
writeFileSync(batchesFile, flat)

const graph = new tf.Graph()
const { x, y, loss, train, init } = graph.asDefault(buildGraph)
const sess = new tf.Session({ graph })
sess.run(init)
const feeds = batches.map((b) => ({
  x: new NDArray('float32', [BATCH, INPUTS], b.x),
  y: new NDArray('float32', [BATCH, CLASSES], b.y),
}))
const step = sess.makeCallable([loss, train], [x, y])
const viaRun = (i) =>
  sess.run(
    [loss, train],
    new Map([
      [x, feeds[i].x],
      [y, feeds[i].y],
    ]),
  )

const first = step(feeds[0].x, feeds[0].y)[0].item()
for (let i = 0; i < WARMUP_STEPS; i++) {
  step(feeds[i % NUM_BATCHES].x, feeds[i % NUM_BATCHES].y)
  viaRun(i % NUM_BATCHES)
}
const last = step(feeds[0].x, feeds[0].y)[0].item()
if (!(Number.isFinite(last) && last < first)) throw new Error(`training does not reduce the loss: ${first} -> ${last}`)

/** Steps per second of `steps` calls of `fn(batch index)`. */
function timeSteps(fn, steps) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < steps; i++) fn(i % NUM_BATCHES)
  return steps / (Number(process.hrtime.bigint() - start) / 1e9)
}

const peer = await startPeer(batchesFile)
const ours = { callable: [], run: [] }
const theirs = []
for (let r = 0; r < ROUNDS; r++) {
  ours.callable.push(timeSteps((i) => step(feeds[i].x, feeds[i].y), STEPS))
  ours.run.push(timeSteps(viaRun, STEPS))
  if (peer) theirs.push(await peer.round(STEPS))
}
peer?.stop()
sess.close()
rmSync(dir, { recursive: true, force: true })

console.log(`MLP ${INPUTS}-${HIDDEN}-${HIDDEN}-${CLASSES} training, batch ${BATCH}, Adam — ${machine()}`)
console.log(`${ROUNDS} alternating rounds of ${STEPS} steps each, after ${WARMUP_STEPS} warm-up steps`)
const callable = summary(ours.callable)
console.log(`sessionflow callable (default pools: ${process.env.RAYON_NUM_THREADS ?? 'all cores'}) ${format(callable)}`)
console.log(`sessionflow Session.run                     ${format(summary(ours.run))}`)
if (peer) {
  const tfSummary = summary(theirs)
  console.log(
    `TensorFlow ${peer.version} make_callable (intra_op ${TF_INTRA_OP}, inter_op ${TF_INTER_OP}) ${format(tfSummary)}`,
  )
  console.log(`ratio (medians, callable vs make_callable): ${(callable.median / tfSummary.median).toFixed(2)}×`)
}
