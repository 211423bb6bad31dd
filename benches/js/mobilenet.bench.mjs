// Latency of the frozen MobileNetV2 fixture (alpha 0.35, 128×128, batch 1) in one sitting:
// sessionflow (Session.run and a callable, sync), TensorFlow (benches/peers/tf_mobilenet.py,
// the same GraphDef in a tf.compat.v1 Session) and onnxruntime-node (the same model converted
// by tf2onnx). Each peer: warm-up runs, then timed runs one by one; median and p90.
//
// The in-process contenders (ours and onnxruntime's) take turns in rounds of runs rather than
// one after the other: this machine's speed changes from minute to minute (other tenants of
// its host), and a contender timed whole in a slow minute would read twice as slow. Each
// round also gives a ratio of ours to onnxruntime's measured in the same minute; the median of
// those is printed, against onnxruntime on as many threads as ours. TensorFlow runs in its own
// process, before the rounds.
//
//   node benches/js/mobilenet.bench.mjs [runs]
//
// Peers are found through the environment and skipped, saying why, when absent:
//   SESSIONFLOW_TF_PYTHON   a Python with TensorFlow (and tf2onnx, to convert the model)
//   SESSIONFLOW_ORT_DIR     a folder whose node_modules has onnxruntime-node (default
//                           /tmp/ortpeer; install it there with
//                           ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node)
//   SESSIONFLOW_ONNX_MODEL  an .onnx of the fixture, instead of converting it
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import tf from 'sessionflow'
import { machine } from './machine.mjs'

const FIXTURES = join('__test__', 'fixtures', 'graphdef')
const GRAPH = join(FIXTURES, 'mobilenet_v2.pb')
const IMAGE = join(FIXTURES, 'mobilenet_v2.image.npy')
const EXPECTED = join(FIXTURES, 'mobilenet_v2.probs.npy')
const RUNS = Number(process.argv[2] ?? 500)
const WARMUP = 50
// Rounds the in-process contenders' timed runs are split into, and the pause before each
// contender's part of a round.
const ROUNDS = 10
const PAUSE_MS = 50
// The peers run with one and with two intra-op threads: on this 2-core machine TensorFlow's
// oneDNN is fastest on one.
const PEER_THREADS = [1, 2]

/** A float32 .npy file's values and shape (little-endian, C order). */
function readNpy(file) {
  const bytes = readFileSync(file)
  const headerLength = bytes.readUInt16LE(8)
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1')
  if (!header.includes("'<f4'")) throw new Error(`${file}: not float32`)
  const shape = JSON.parse(`[${/\(([^)]*)\)/.exec(header)[1].replace(/,\s*$/, '')}]`)
  const data = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length),
  )
  return { data, shape }
}

function maxRelative(got, want) {
  let worst = 0
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-3))
  }
  return worst
}

/** Median and p90 of `samples` (ms). */
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)], p90: sorted[Math.floor(sorted.length * 0.9)] }
}

/** `count` timed calls, in ms each. */
async function timed(call, count) {
  const samples = []
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint()
    await call()
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return samples
}

/**
 * Each contender's `WARMUP` untimed calls, then `ROUNDS` rounds in which each in turn makes
 * `RUNS / ROUNDS` timed calls; each keeps its samples and per-round medians.
 */
async function inRounds(contenders) {
  for (const c of contenders) for (let i = 0; i < WARMUP; i++) await c.call()
  for (const c of contenders) Object.assign(c, { samples: [], rounds: [] })
  for (let r = 0; r < ROUNDS; r++) {
    // Each round starts with the next contender, so that none always follows the same one.
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length])
    for (const c of order) {
      // A pause first: pools spin a while after their last run (onnxruntime's and ours), and
      // a contender timed while another's threads still spin finds one core taken.
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
      const samples = await timed(c.call, Math.ceil(RUNS / ROUNDS))
      c.samples.push(...samples)
      c.rounds.push(summary(samples).median)
    }
  }
}

const image = readNpy(IMAGE)
const expected = readNpy(EXPECTED)
const rows = []
// In-process contenders, timed in rounds after TensorFlow.
const contenders = []

// sessionflow.
{
  const graph = new tf.Graph()
  const [probs] = graph.asDefault(() =>
    tf.importGraphDef(readFileSync(GRAPH), { name: '', returnElements: ['Identity:0'] }),
  )
  const sess = new tf.Session({ graph })
  const input = new tf.NDArray('float32', image.shape, image.data)
  const feed = new Map([['image:0', input]])
  const error = maxRelative(sess.run(probs, feed).data, expected.data)
  if (error > 1e-5) throw new Error(`sessionflow differs from TensorFlow: ${error}`)
  const callable = sess.makeCallable(probs, ['image:0'])
  const pool = Number(process.env.RAYON_NUM_THREADS) || availableParallelism()
  const threads = `pool of ${pool}, the JS thread one of them`
  contenders.push({ peer: 'sessionflow Session.run', threads, call: () => sess.run(probs, feed), error })
  contenders.push({ peer: 'sessionflow callable', threads, call: () => callable(input), error, ours: true })
}

// TensorFlow, launched from here so that it runs in the same sitting.
const python = process.env.SESSIONFLOW_TF_PYTHON
if (!python) {
  rows.push({ peer: 'TensorFlow', skipped: 'SESSIONFLOW_TF_PYTHON is not set' })
} else {
  for (const threads of PEER_THREADS) {
    const args = ['benches/peers/tf_mobilenet.py', '--graph', GRAPH, '--image', IMAGE, '--threads', String(threads)]
    const run = spawnSync(python, [...args, '--runs', String(RUNS), '--warmup', String(WARMUP)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    })
    if (run.status !== 0) {
      rows.push({ peer: 'TensorFlow', skipped: `peer failed: ${run.stderr.trim().split('\n').pop()}` })
      break
    }
    const r = JSON.parse(run.stdout.trim().split('\n').pop())
    const error = maxRelative(r.output, expected.data)
    rows.push({ peer: r.peer, threads: r.threads, median: r.median_ms, p90: r.p90_ms, error })
  }
}

// onnxruntime-node on the tf2onnx conversion of the same graph.
function onnxModel() {
  if (process.env.SESSIONFLOW_ONNX_MODEL) return { path: process.env.SESSIONFLOW_ONNX_MODEL }
  if (!python) return { skipped: 'no SESSIONFLOW_ONNX_MODEL, and no SESSIONFLOW_TF_PYTHON to convert with tf2onnx' }
  const hash = createHash('sha256').update(readFileSync(GRAPH)).digest('hex').slice(0, 16)
  const dir = join(tmpdir(), 'sessionflow-bench')
  const path = join(dir, `mobilenet_v2-${hash}.onnx`)
  if (existsSync(path)) return { path }
  mkdirSync(dir, { recursive: true })
  const convert = ['-m', 'tf2onnx.convert', '--graphdef', GRAPH, '--inputs', 'image:0', '--outputs', 'Identity:0']
  const run = spawnSync(python, [...convert, '--opset', '17', '--output', path], { encoding: 'utf8' })
  if (run.status !== 0) return { skipped: `tf2onnx failed: ${run.stderr.trim().split('\n').pop()}` }
  return { path }
}

const ortDir = process.env.SESSIONFLOW_ORT_DIR ?? '/tmp/ortpeer'
let ort = null
try {
  ort = createRequire(join(ortDir, 'package.json'))('onnxruntime-node')
} catch {
  rows.push({ peer: 'onnxruntime-node', skipped: `not found under ${ortDir} (see the header)` })
}
if (ort) {
  const model = onnxModel()
  if (model.skipped) {
    rows.push({ peer: 'onnxruntime-node', skipped: model.skipped })
  } else {
    const version = createRequire(join(ortDir, 'package.json'))('onnxruntime-node/package.json').version
    for (const threads of PEER_THREADS) {
      const session = await ort.InferenceSession.create(model.path, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      })
      const feeds = { 'image:0': new ort.Tensor('float32', image.data, image.shape) }
      const out = await session.run(feeds)
      const error = maxRelative(out['Identity:0'].data, expected.data)
      contenders.push({
        peer: `onnxruntime-node ${version}`,
        threads: `intra-op ${threads}, inter-op 1`,
        call: () => session.run(feeds),
        error,
        onnxruntime: threads,
      })
    }
  }
}

await inRounds(contenders)
for (const c of contenders) rows.push({ ...c, ...summary(c.samples) })
const ours = contenders.find((c) => c.ours)
// Compared with onnxruntime on as many threads as ours (all cores, as the pool's default).
const peer = contenders.filter((c) => c.onnxruntime).at(-1)
const ratios = ours && peer ? ours.rounds.map((m, r) => m / peer.rounds[r]) : []

console.log(
  `MobileNetV2 0.35 128×128 batch 1, ${RUNS} runs after ${WARMUP} warm-up (in-process ones in ${ROUNDS} alternating rounds) — ${machine()}`,
)
for (const r of rows) {
  if (r.skipped) {
    console.log(`${r.peer.padEnd(28)} skipped: ${r.skipped}`)
    continue
  }
  const error = r.error === undefined ? '' : `   max rel. diff from fixture ${r.error.toExponential(1)}`
  console.log(
    `${r.peer.padEnd(28)} median ${r.median.toFixed(3)} ms   p90 ${r.p90.toFixed(3)} ms   (${r.threads})${error}`,
  )
}
if (ratios.length > 0) {
  const sorted = [...ratios].sort((a, b) => a - b)
  console.log(
    `callable / onnxruntime (${peer.threads}), per round: ${ratios.map((r) => r.toFixed(2)).join(' ')} — median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}×`,
  )
}
