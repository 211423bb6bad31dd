// GraphDef protobuf: export in TensorFlow's binary, text and JSON forms, and import of graphs
// TensorFlow wrote (fixtures made by scripts/fixtures/make_graphdef_fixtures.py with TF 2.21).
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tf, { GraphDef, NDArray, type Tensor } from 'sessionflow'

const FIXTURES = join('__test__', 'fixtures', 'graphdef')

interface Encoded {
  dtype: string
  shape: number[]
  data: string
}
interface Expected {
  inputs: Record<string, Encoded>
  outputs: Record<string, Encoded>
}

function decode(e: Encoded): NDArray {
  if (e.dtype !== 'float32') throw new Error(`fixture dtype ${e.dtype}`)
  const bytes = Buffer.from(e.data, 'base64')
  const copy = new Uint8Array(bytes) // aligned for Float32Array
  return new NDArray('float32', e.shape, new Float32Array(copy.buffer))
}

/** Largest |a − b| / max(|b|, 1e-3) over all elements. */
function maxRelativeError(a: NDArray, b: NDArray): number {
  let worst = 0
  for (let i = 0; i < b.data.length; i++) {
    const want = Number(b.data[i])
    worst = Math.max(worst, Math.abs(Number(a.data[i]) - want) / Math.max(Math.abs(want), 1e-3))
  }
  return worst
}

for (const model of ['mlp', 'conv_net']) {
  for (const form of ['pb', 'pbtxt'] as const) {
    test(`a ${model} frozen by TensorFlow imports from .${form} and gives TensorFlow's outputs`, (t) => {
      const expected = JSON.parse(readFileSync(join(FIXTURES, `${model}.expected.json`), 'utf8')) as Expected
      const file = join(FIXTURES, `${model}.${form}`)
      const graphDef = form === 'pb' ? readFileSync(file) : readFileSync(file, 'utf8')
      const graph = new tf.Graph()
      const fetchNames = Object.keys(expected.outputs)
      const fetched = graph.asDefault(() => tf.importGraphDef(graphDef, { returnElements: fetchNames }))!
      t.is(fetched.length, fetchNames.length)
      const sess = new tf.Session({ graph })
      const feeds = new Map(
        Object.entries(expected.inputs).map(([name, value]) => [`import/${name}`, decode(value)] as const),
      )
      const outputs = sess.run(fetched as Tensor[], feeds)
      fetchNames.forEach((name, i) => {
        const want = decode(expected.outputs[name])
        t.deepEqual(outputs[i].shape, want.shape, name)
        const error = maxRelativeError(outputs[i], want)
        t.true(error <= 1e-5, `${name}: relative error ${error}`)
      })
      sess.close()
    })
  }
}

test('asGraphDef gives binary, text and JSON forms that read back to the same graph', (t) => {
  const g = new tf.Graph()
  g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 2], 'x')
    tf.add(
      tf.matmul(
        x,
        tf.constant(
          [
            [1, 2],
            [3, 4],
          ],
          { name: 'w' },
        ),
      ),
      1,
      'y',
    )
  })
  const def = g.asGraphDef()
  t.true(def instanceof GraphDef)
  const bytes = def.toBytes()
  t.is(def.byteSize, bytes.byteLength)
  t.deepEqual(GraphDef.fromBytes(bytes).toBytes(), bytes)
  t.deepEqual(GraphDef.fromText(def.toText()).toBytes(), bytes)
  t.deepEqual(GraphDef.fromJSON(JSON.stringify(def)).toBytes(), bytes)
  t.deepEqual(def.SerializeToString(), bytes)
  t.regex(def.toText(), /op: "MatMul"/)
  t.deepEqual(
    def.node.map((n) => n.op),
    ['Placeholder', 'Const', 'MatMul', 'Const', 'AddV2'],
  )
})

test('a graph exported here and imported again computes the same', (t) => {
  const g = new tf.Graph()
  const y = g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 2], 'x')
    return tf.nn.relu(
      tf.sub(
        tf.matmul(
          x,
          tf.constant([
            [1, -2],
            [3, 4],
          ]),
        ),
        2,
      ),
      'y',
    )
  })
  const copy = new tf.Graph()
  const [y2] = copy.asDefault(() => tf.importGraphDef(g.asGraphDef(), { name: 'copy', returnElements: ['y:0'] })!)
  const x = [
    [1, 1],
    [-1, 2],
  ]
  const s1 = new tf.Session({ graph: g })
  const s2 = new tf.Session({ graph: copy })
  t.deepEqual(s2.run(y2 as Tensor, { 'copy/x:0': x }).toArray(), s1.run(y, { 'x:0': x }).toArray())
  t.deepEqual(s1.run(y, { 'x:0': x }).toArray(), [
    [2, 0],
    [3, 8],
  ])
  s1.close()
  s2.close()
})

test('inputMap replaces a placeholder with a tensor of the importing graph', (t) => {
  const def = new tf.Graph().asDefault((g) => {
    tf.mul(tf.placeholder('float32', [], 'x'), 3, 'y')
    return g.asGraphDef()
  })
  const g = new tf.Graph()
  const [y] = g.asDefault(() => {
    const five = tf.constant(5)
    return tf.importGraphDef(def, { inputMap: { x: five }, returnElements: ['y:0'], name: '' })!
  })
  const sess = new tf.Session({ graph: g })
  t.is(sess.run(y as Tensor).item(), 15)
  sess.close()
  const missing = t.throws(() =>
    new tf.Graph().asDefault(() => tf.importGraphDef(def, { inputMap: { 'nope:0': tf.constant(1) } })),
  )
  t.true(missing instanceof tf.errors.InvalidArgumentError)
  t.regex(missing.message, /nope:0/)
})

test('unknown ops, corrupt bytes and bad text are typed errors, and the graph is left as it was', (t) => {
  const g = new tf.Graph()
  g.asDefault(() => tf.constant(1, { name: 'kept' }))
  const text =
    'node { name: "a" op: "Frobnicate" } node { name: "b" op: "Wibble" input: "a" } versions { producer: 1994 }'
  const unknown = t.throws(() => g.asDefault(() => tf.importGraphDef(text)))
  t.true(unknown instanceof tf.errors.NotFoundError, String(unknown))
  t.regex(unknown.message, /Frobnicate \(node 'a'\), Wibble \(node 'b'\)/)
  const corrupt = t.throws(() => GraphDef.fromBytes(new Uint8Array([0x0a, 0xff, 0xff])))
  t.true(corrupt instanceof tf.errors.DataLossError, String(corrupt))
  const syntax = t.throws(() => GraphDef.fromText('node { name: '))
  t.true(syntax instanceof tf.errors.InvalidArgumentError, String(syntax))
  t.deepEqual(
    g.getOperations().map((o) => o.name),
    ['kept'],
  )
})

/** A Python with TensorFlow: `SESSIONFLOW_TF_PYTHON`, else `python3` if it has TensorFlow. */
function tensorflowPython(): string | null {
  for (const python of [process.env.SESSIONFLOW_TF_PYTHON, 'python3']) {
    if (!python) continue
    const probe = spawnSync(python, ['-c', 'import tensorflow'], { stdio: 'ignore', timeout: 120_000 })
    if (probe.status === 0) return python
  }
  return null
}

test('TensorFlow imports a graph exported here and computes the same outputs', (t) => {
  const python = tensorflowPython()
  if (python === null) {
    t.log('skipped: no Python with TensorFlow (set SESSIONFLOW_TF_PYTHON to one)')
    t.pass()
    return
  }
  const g = new tf.Graph()
  const y = g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 3], 'x')
    const w = tf.constant(
      [
        [1, -1],
        [0.5, 2],
        [-3, 0.25],
      ],
      { name: 'w' },
    )
    const h = tf.nn.relu(tf.nn.biasAdd(tf.matmul(x, w), tf.constant([0.5, -0.5])), 'h')
    return tf.nn.softmax(tf.concat([h, tf.square(h)], 1), undefined, 'y')
  })
  const feed = [
    [1, 2, 3],
    [-1, 0.5, 2],
  ]
  const sess = new tf.Session({ graph: g })
  const ours = sess.run(y, { 'x:0': feed })
  sess.close()
  const request = JSON.stringify({
    graph_def: Buffer.from(g.asGraphDef().toBytes()).toString('base64'),
    feeds: { 'x:0': feed },
    fetches: ['y:0'],
  })
  const run = spawnSync(python, [join('scripts', 'fixtures', 'run_graphdef_in_tf.py')], {
    input: request,
    encoding: 'utf8',
    timeout: 120_000,
  })
  t.is(run.status, 0, run.stderr)
  const theirs = (JSON.parse(run.stdout) as { outputs: number[][][] }).outputs[0]
  const flat = theirs.flat()
  flat.forEach((v, i) => t.true(Math.abs(Number(ours.data[i]) - v) <= 1e-6 * Math.max(1, Math.abs(v)), `element ${i}`))
})

// MobileNet fixtures (scripts/fixtures/make_mobilenet_fixture.py, TF 2.21): a frozen Keras
// MobileNetV2 and a small MobileNet-v1-style network, as written and as TensorFlow's grappler
// rewrote it (with _FusedConv2D and _FusedMatMul). The bound is TF's own 1e-5 relative: the
// script measures 2e-7 between TensorFlow with and without its optimizer on the same graph,
// the spread that summation order alone causes. (Imports are hoisted: these sit with the tests
// that use them.)
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { readNpy } from '../ts/cli/npy.js'

const MOBILENETS: ReadonlyArray<readonly [string, string, string]> = [
  ['mobilenet_v2', 'mobilenet_v2', 'Identity:0'],
  ['mobilenet_v1_tiny', 'mobilenet_v1_tiny', 'probs:0'],
  ['mobilenet_v1_tiny_grappler', 'mobilenet_v1_tiny', 'probs:0'],
]

/** A float32 .npy file as the package's NDArray (the CLI's reader makes its own class's). */
function npy(file: string): NDArray {
  const a = readNpy(readFileSync(file), file)
  return new NDArray('float32', a.shape, a.data as Float32Array)
}

/** Runs a frozen graph on `image` and returns its output, with graph rewrites on or off. */
function runFrozen(graphDef: Uint8Array, image: NDArray, output: string, rewrites: boolean): NDArray {
  const graph = new tf.Graph()
  const [y] = graph.asDefault(() => tf.importGraphDef(graphDef, { name: '', returnElements: [output] }))! as Tensor[]
  const config = rewrites
    ? undefined
    : {
        graphOptions: { optimizerOptions: { optLevel: 'L0' as const }, rewriteOptions: { disableMetaOptimizer: true } },
      }
  const sess = new tf.Session({ graph, config })
  try {
    return sess.run(y, { 'image:0': image })
  } finally {
    sess.close()
  }
}

test('MobileNet graphs frozen by TensorFlow give its outputs within 1e-5, rewritten or not', (t) => {
  for (const [model, arrays, output] of MOBILENETS) {
    const graphDef = readFileSync(join(FIXTURES, `${model}.pb`))
    const image = npy(join(FIXTURES, `${arrays}.image.npy`))
    const want = npy(join(FIXTURES, `${arrays}.probs.npy`))
    for (const rewrites of [true, false]) {
      const got = runFrozen(graphDef, image, output, rewrites)
      t.deepEqual(got.shape, want.shape, model)
      const error = maxRelativeError(got, want)
      t.true(error <= 1e-5, `${model} (rewrites ${rewrites ? 'on' : 'off'}): relative error ${error}`)
    }
  }
})

test('MobileNet regenerated by TensorFlow here gives its outputs (skipped without TensorFlow)', (t) => {
  const python = tensorflowPython()
  if (python === null) {
    t.log('skipped: no Python with TensorFlow (set SESSIONFLOW_TF_PYTHON to one)')
    t.pass()
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'sessionflow-mobilenet-'))
  const made = spawnSync(python, [join('scripts', 'fixtures', 'make_mobilenet_fixture.py'), '--out', dir], {
    encoding: 'utf8',
    timeout: 110_000,
  })
  t.is(made.status, 0, made.stderr)
  for (const [model, arrays, output] of MOBILENETS) {
    const image = npy(join(dir, `${arrays}.image.npy`))
    const want = npy(join(dir, `${arrays}.probs.npy`))
    const got = runFrozen(readFileSync(join(dir, `${model}.pb`)), image, output, true)
    const error = maxRelativeError(got, want)
    t.true(error <= 1e-5, `${model}: relative error ${error}`)
  }
})
