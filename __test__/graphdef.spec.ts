// GraphDef protobuf: export in TensorFlow's binary, text and JSON forms, and import of graphs
// TensorFlow wrote (fixtures made by scripts/fixtures/make_graphdef_fixtures.py with TF 2.21).
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tf, { GraphDef, NDArray, type Tensor } from 'sessionflow'
import { maxRelativeError, tensorflowPython } from './helpers/tensorflow.js'

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
  const bytes = Buffer.from(e.data, 'base64')
  const copy = new Uint8Array(bytes) // aligned for the typed array
  if (e.dtype === 'float32') return new NDArray('float32', e.shape, new Float32Array(copy.buffer))
  if (e.dtype === 'int32') return new NDArray('int32', e.shape, new Int32Array(copy.buffer))
  throw new Error(`fixture dtype ${e.dtype}`)
}

// The text classifier: int32 token ids through an embedding lookup (GatherV2), a masked mean
// and two dense layers.
for (const model of ['mlp', 'conv_net', 'text_classifier']) {
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

// TF1 control flow (tf.compat.v1.cond and tf.compat.v1.while_loop under control flow v1):
// Switch, Merge, Enter, Exit, NextIteration and LoopCond, with a loop's back edges. The TF2
// fixtures are a tf.function with a tf.cond inside a tf.while_loop: as the function's graph
// (StatelessWhile and StatelessIf calling functions of the library, inlined at import), and
// frozen by TensorFlow, which lowers them to the TF1 ops itself.

const CONTROL_FLOW_MODELS = {
  control_flow: 'a TF1 graph with nested while loops and conds',
  tf2_functional: "a TF2 function's graph with StatelessWhile and StatelessIf",
  tf2_control_flow: 'a frozen TF2 function with a while loop and a cond',
}

for (const [model, what] of Object.entries(CONTROL_FLOW_MODELS)) {
  for (const form of ['pb', 'pbtxt'] as const) {
    test(`${what} imports from .${form} and gives TensorFlow's outputs`, (t) => {
      const expected = JSON.parse(readFileSync(join(FIXTURES, `${model}.expected.json`), 'utf8')) as Expected
      const file = join(FIXTURES, `${model}.${form}`)
      const graphDef = form === 'pb' ? readFileSync(file) : readFileSync(file, 'utf8')
      const graph = new tf.Graph()
      const fetchNames = Object.keys(expected.outputs)
      const fetched = graph.asDefault(() => tf.importGraphDef(graphDef, { returnElements: fetchNames }))!
      const types = new Set(graph.getOperations().map((o) => o.type))
      for (const op of ['Enter', 'Exit', 'NextIteration', 'LoopCond', 'Switch', 'Merge']) t.true(types.has(op), op)
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

test('TensorFlow imports our tf.cond and tf.whileLoop graph and computes the same outputs', (t) => {
  const python = tensorflowPython()
  if (python === null) {
    t.log('skipped: no Python with TensorFlow (set SESSIONFLOW_TF_PYTHON to one)')
    t.pass()
    return
  }
  const g = new tf.Graph()
  const [h, total] = g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 3], 'x')
    const w = tf.constant(
      [
        [0.5, -1, 0.25],
        [1, 0.5, -0.5],
        [-0.25, 0.75, 1],
      ],
      { name: 'w' },
    )
    const [, hOut, totalOut] = tf.whileLoop(
      (i, _h, _total) => tf.less(i, 4),
      (i, hIn, totalIn) => {
        const next = tf.add(tf.tanh(tf.matmul(hIn, w)), x)
        const summed = tf.cond(
          tf.equal(tf.floormod(i, 2), 0),
          () => tf.add(totalIn, tf.reduceSum(next)),
          () => tf.sub(totalIn, tf.reduceMean(next)),
        )
        return [tf.add(i, 1), next, summed]
      },
      [tf.constant(0, 'int32'), x, tf.constant(0)],
    )
    const out = tf.cond(
      tf.greater(tf.reduceSum(hOut), 0),
      () => tf.nn.softmax(hOut),
      () => tf.nn.relu(hOut),
    )
    return [tf.identity(out, 'h'), tf.identity(totalOut, 'total')]
  })
  const feed = [
    [1, 2, 3],
    [-1, 0.5, 2],
  ]
  const sess = new tf.Session({ graph: g })
  const [ourH, ourTotal] = sess.run([h, total], { 'x:0': feed })
  sess.close()
  const request = JSON.stringify({
    graph_def: Buffer.from(g.asGraphDef().toBytes()).toString('base64'),
    feeds: { 'x:0': feed },
    fetches: ['h:0', 'total:0'],
  })
  const run = spawnSync(python, [join('scripts', 'fixtures', 'run_graphdef_in_tf.py')], {
    input: request,
    encoding: 'utf8',
    timeout: 120_000,
  })
  t.is(run.status, 0, run.stderr)
  const [theirH, theirTotal] = (JSON.parse(run.stdout) as { outputs: [number[][], number] }).outputs
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b))
  theirH.flat().forEach((v, i) => t.true(close(Number(ourH.data[i]), v), `h element ${i}`))
  t.true(close(Number(ourTotal.item()), theirTotal), `total ${String(ourTotal.item())} vs ${theirTotal}`)
})
