// Plan-time graph rewrites seen from TypeScript: Identity removal, constant folding and fusion
// run by default, keep fetched nodes answering with the right values, and show in step stats
// as fewer (or fused) nodes; `graphOptions` turns them off.
import test from 'ava'
import tf, { NDArray, type Graph, type SessionConfig, type Tensor } from 'sessionflow'

const OFF: SessionConfig = {
  graphOptions: { optimizerOptions: { optLevel: 'L0' }, rewriteOptions: { disableMetaOptimizer: true } },
}

/** Runs `fetches` traced; returns the values and the executed nodes' (name → op). */
function traced(
  graph: Graph,
  config: SessionConfig | undefined,
  fetches: Tensor[],
  feeds: Map<Tensor, number[] | NDArray>,
) {
  const sess = new tf.Session({ graph, config })
  const metadata = new tf.RunMetadata()
  const values = sess.run(fetches, feeds, { traceLevel: 'FULL_TRACE' }, metadata)
  sess.close()
  return { values: values.map((v) => v.toArray()), ops: new Map(metadata.stepStats.map((s) => [s.node, s.op])) }
}

test('a fetched Identity and a constant-folded node give the right values, and fewer nodes run', (t) => {
  const g = new tf.Graph()
  const { x, folded, out, a } = g.asDefault(() => {
    const x = tf.placeholder('float32', [2], 'x')
    const c = tf.add(tf.constant([1, 2], { name: 'c1' }), tf.constant([3, 4], { name: 'c2' }), 'c')
    const folded = tf.square(c, 'sq')
    const a = tf.identity(x, 'a')
    const b = tf.identity(a, 'b')
    const out = tf.identity(tf.mul(b, folded, 'y'), 'out')
    return { x, folded, out, a }
  })
  const feeds = new Map([[x, [0.5, -1]]])
  const on = traced(g, undefined, [out, a], feeds)
  const off = traced(g, OFF, [out, a], feeds)
  // sq = (1+3)², (2+4)² = 16, 36; y = x·sq.
  t.deepEqual(on.values, [
    [8, -36],
    [0.5, -1],
  ])
  t.deepEqual(on.values, off.values)
  t.is(on.ops.get('sq'), 'Const', 'folded into a constant where it meets the fed part')
  t.false(on.ops.has('c') || on.ops.has('c1'), 'what it was folded from does not run')
  t.false(on.ops.has('b'), 'an unfetched Identity is bypassed')
  t.is(on.ops.get('out'), 'Identity', 'a fetched Identity still runs and answers')
  t.is(off.ops.get('sq'), 'Square')
  t.true(on.ops.size < off.ops.size, `${on.ops.size} nodes ran with rewrites, ${off.ops.size} without`)
  // Fetching the folded node itself still gives its value.
  t.deepEqual(traced(g, undefined, [folded], new Map()).values, [[16, 36]])
})

test('a convolution, its bias and Relu6 run as one fused op with the same result', (t) => {
  const g = new tf.Graph()
  const { x, y } = g.asDefault(() => {
    const x = tf.placeholder('float32', [1, 5, 5, 2], 'x')
    const w = tf.constant(
      Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => ((i * 5) % 9) / 4 - 1),
      { shape: [3, 3, 2, 3], name: 'w' },
    )
    const h = tf.nn.biasAdd(tf.nn.conv2d(x, w, 1, 'SAME'), tf.constant([0.5, 6, -1], { name: 'b' }), { name: 'bias' })
    return { x, y: tf.nn.relu6(h, 'act') }
  })
  const image = new NDArray(
    'float32',
    [1, 5, 5, 2],
    Float32Array.from({ length: 50 }, (_, i) => ((i * 7) % 11) / 4 - 1),
  )
  const on = traced(g, undefined, [y], new Map([[x, image]]))
  const off = traced(g, OFF, [y], new Map([[x, image]]))
  t.is(on.ops.get('act'), '_FusedConv2D')
  t.is(off.ops.get('act'), 'Relu6')
  const nested = (v: unknown) => (v as number[][][][]).flat(3)
  const [got, want] = [nested(on.values[0]), nested(off.values[0])]
  got.forEach((v, i) => t.true(Math.abs(v - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `element ${i}`))
})

test('a batch of 128 rows through MatMul, BiasAdd and Relu runs fused, split by columns, with the right values', (t) => {
  // 128×96 by 96×160: enough work to split, and the two column stripes (0–79, 80–159) each add
  // their own part of the bias (which differs along all its length).
  const [rows, depth, cols] = [128, 96, 160]
  const xs = Float32Array.from({ length: rows * depth }, (_, i) => ((i * 13) % 17) / 8 - 1)
  const ws = Float32Array.from({ length: depth * cols }, (_, i) => ((i * 7) % 19) / 9 - 1)
  const bias = Float32Array.from({ length: cols }, (_, j) => j / 40 - 2)
  const g = new tf.Graph()
  const { x, y } = g.asDefault(() => {
    const x = tf.placeholder('float32', [rows, depth], 'x')
    const w = tf.constant(new NDArray('float32', [depth, cols], ws), { name: 'w' })
    const h = tf.nn.biasAdd(tf.matmul(x, w), tf.constant(new NDArray('float32', [cols], bias)), { name: 'bias' })
    return { x, y: tf.nn.relu(h, 'act') }
  })
  const on = traced(g, undefined, [y], new Map([[x, new NDArray('float32', [rows, depth], xs)]]))
  t.is(on.ops.get('act'), '_FusedMatMul')
  const got = (on.values[0] as number[][]).flat()
  t.is(got.length, rows * cols)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let sum = bias[j]
      for (let p = 0; p < depth; p++) sum += xs[i * depth + p] * ws[p * cols + j]
      const want = Math.max(0, sum)
      const v = got[i * cols + j]
      if (Math.abs(v - want) > 1e-5 * Math.max(1, Math.abs(want))) {
        t.fail(`(${i}, ${j}): ${v} vs ${want}`)
        return
      }
    }
  }
  t.pass()
})

test('graphOptions are validated, and unknown fields are refused rather than ignored', (t) => {
  const g = new tf.Graph()
  const bad = (config: SessionConfig) => t.throws(() => new tf.Session({ graph: g, config }))
  t.true(
    bad({ graphOptions: { optimizerOptions: { optLevel: 'L2' as 'L1' } } }) instanceof tf.errors.InvalidArgumentError,
  )
  t.true(
    bad({ graphOptions: { rewriteOptions: { remapping: 'on' as 'ON' } } }) instanceof tf.errors.InvalidArgumentError,
  )
  const unknown = bad({ graphOptions: { rewriteOptions: { arithmeticOptimization: 'OFF' } as never } })
  t.regex(String(unknown), /graphOptions\.rewriteOptions\.arithmeticOptimization/)
  t.notThrows(() =>
    new tf.Session({ graph: g, config: { graphOptions: { rewriteOptions: { remapping: 'OFF' } } } }).close(),
  )
})
