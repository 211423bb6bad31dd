// Random builders: TF's seeds and values (computed with TensorFlow 2.21's tf.compat.v1 in a
// graph session), sequences that continue across runs and restart in a new session, bounds.
import test from 'ava'
import tf, { type Graph, type NDArray, type Tensor, errors } from 'sessionflow'

const f32 = (values: number[]): number[] => values.map(Math.fround)

/** Runs `t` twice in one session, then once in a second session. */
function runs(graph: Graph, t: Tensor): [NDArray, NDArray, NDArray] {
  const s1 = new tf.Session('', graph)
  const a = s1.run(t)
  const b = s1.run(t)
  s1.close()
  const s2 = new tf.Session('', graph)
  const c = s2.run(t)
  s2.close()
  return [a, b, c]
}

test('a graph seed alone: op seeds count the seedless random ops (TF values)', (t) => {
  new tf.Graph().asDefault((g) => {
    tf.setRandomSeed(5)
    const u = tf.randomUniform([3])
    const v = tf.randomUniform([2])
    t.is(u.op.type, 'RandomUniform')
    t.is(u.op.name, 'random_uniform/RandomUniform')
    t.is(v.op.name, 'random_uniform_1/RandomUniform')
    const [a, b, c] = runs(g, u)
    t.deepEqual(Array.from(a.data as Float32Array), f32([0.18286478519439697, 0.6899895668029785, 0.6732248067855835]))
    // The second run continues the sequence; a new session starts it again.
    t.deepEqual(Array.from(b.data as Float32Array), f32([0.3876405954360962, 0.6976070404052734, 0.817644476890564]))
    t.deepEqual(c.toArray(), a.toArray())
    // TF: the second op gets seeds (5, 1).
    const [w] = runs(g, v)
    t.deepEqual(Array.from(w.data as Float32Array), f32([0.38751840591430664, 0.7485455274581909]))
  })
})

test('an op seed alone pairs with graph seed 87654321 (TF values)', (t) => {
  new tf.Graph().asDefault((g) => {
    const [a] = runs(g, tf.randomUniform([3], { seed: 7 }))
    t.deepEqual(Array.from(a.data as Float32Array), f32([0.4839409589767456, 0.5062030553817749, 0.25514376163482666]))
    const x = tf.randomUniform([2], { maxval: 4, seed: 9 })
    t.is(x.op.type, 'Mul')
    const [m] = runs(g, x)
    t.deepEqual(Array.from(m.data as Float32Array), f32([1.81962251663208, 1.2559094429016113]))
  })
})

test('bounds, mean and stddev are applied with Mul and AddV2 (TF values)', (t) => {
  new tf.Graph().asDefault((g) => {
    tf.setRandomSeed(5)
    const u = tf.randomUniform([4], { minval: -1, maxval: 1, seed: 3 })
    t.is(u.op.type, 'AddV2')
    t.is(u.op.name, 'random_uniform')
    const [a] = runs(g, u)
    const want = [-0.42264318466186523, 0.37784838676452637, 0.37988805770874023, -0.8061590194702148]
    t.deepEqual(Array.from(a.data as Float32Array), f32(want))
  })
  new tf.Graph().asDefault((g) => {
    tf.setRandomSeed(5)
    const n = tf.randomNormal([3], { mean: 2, stddev: 3 })
    t.is(n.op.name, 'random_normal')
    const [a] = runs(g, n)
    t.deepEqual(Array.from(a.data as Float32Array), f32([-3.1416354179382324, -0.03610682487487793, 2.789142608642578]))
  })
  new tf.Graph().asDefault((g) => {
    const n = tf.truncatedNormal([3], { seed: 1, stddev: 0.5 })
    const [a, b] = runs(g, n)
    t.deepEqual(
      Array.from(a.data as Float32Array),
      f32([-0.40565910935401917, 0.7422993779182434, 0.03266468644142151]),
    )
    t.deepEqual(
      Array.from(b.data as Float32Array),
      f32([0.27585622668266296, -0.06553775817155838, -0.022406931966543198]),
    )
  })
})

test('integer dtypes use RandomUniformInt and need maxval (TF values)', (t) => {
  new tf.Graph().asDefault((g) => {
    const i = tf.randomUniform([5], { minval: 0, maxval: 10, dtype: 'int32', seed: 3 })
    t.is(i.op.type, 'RandomUniformInt')
    t.is(i.dtype, 'int32')
    const [a, b] = runs(g, i)
    t.deepEqual(a.toArray(), [7, 3, 0, 0, 7])
    t.deepEqual(b.toArray(), [2, 3, 9, 9, 2])
    const big = tf.randomUniform([1000], { minval: -3, maxval: 4, dtype: 'int64', seed: 1 })
    const [v] = runs(g, big)
    t.true((v.toArray() as bigint[]).every((x) => x >= -3n && x < 4n))
  })
  t.throws(() => new tf.Graph().asDefault(() => tf.randomUniform([2], { dtype: 'int32' })), {
    instanceOf: errors.InvalidArgumentError,
  })
})

test('without seeds every session differs', (t) => {
  new tf.Graph().asDefault((g) => {
    const u = tf.randomNormal([4], { dtype: 'float64' })
    t.is(u.dtype, 'float64')
    const [a, b, c] = runs(g, u)
    t.notDeepEqual(a.toArray(), b.toArray())
    t.notDeepEqual(a.toArray(), c.toArray())
  })
})

test('shapes: static from arrays, dynamic from tensors; bounds hold', (t) => {
  new tf.Graph().asDefault((g) => {
    const u = tf.randomUniform([2, 3], { dtype: 'float16', seed: 1 })
    t.deepEqual(u.shape, [2, 3])
    t.is(u.dtype, 'float16')
    const p = tf.placeholder('int32', [2])
    const n = tf.truncatedNormal(p, { seed: 2 })
    t.deepEqual(n.shape, [null, null])
    const sess = new tf.Session('', g)
    const v = sess.run(n, new Map([[p, [100, 10]]]))
    t.deepEqual(v.shape, [100, 10])
    t.true(Array.from(v.data as Float32Array).every((x) => Math.abs(x) < 2))
    const w = sess.run(u)
    t.true((w.toArray() as number[][]).flat().every((x) => x >= 0 && x < 1))
    sess.close()
  })
})

test('python names are random_uniform, random_normal and truncated_normal', (t) => {
  t.is(tf.compat.v1.random_uniform, tf.randomUniform)
  t.is(tf.compat.v1.random_normal, tf.randomNormal)
  t.is(tf.compat.v1.truncated_normal, tf.truncatedNormal)
})

test('a random op keeps one generator per session across different fetch signatures', (t) => {
  const g = new tf.Graph()
  const [r, doubled] = g.asDefault(() => {
    tf.setRandomSeed(7)
    const r = tf.randomUniform([4], { seed: 3 })
    return [r, tf.mul(r, 2)] as const
  })
  const first = new tf.Session('', g)
  const a = first.run(r).toArray() as number[]
  // Another signature reuses the same kernel: the sequence continues instead of restarting.
  const [b, b2] = first.run([r, doubled]) as NDArray[]
  t.notDeepEqual(b.toArray(), a)
  t.deepEqual(
    (b.toArray() as number[]).map((v) => v * 2),
    b2.toArray(),
  )
  first.close()
  const second = new tf.Session('', g)
  t.deepEqual(second.run(r).toArray(), a, 'a new session restarts the sequence')
  second.close()
})
