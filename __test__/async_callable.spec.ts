// runAsync, makeCallable, run options (timeouts, tracing) and RunMetadata.
import test from 'ava'
import tf, { type Session, type Tensor } from 'sessionflow'

/** A fresh graph and a session on it, closed after `body`. */
async function inGraph<R>(body: (sess: Session) => R | Promise<R>): Promise<R> {
  const g = new tf.Graph()
  const sess = new tf.Session('', g)
  try {
    return await g.asDefault(() => body(sess))
  } finally {
    sess.close()
  }
}

/** x → (x·W)·W… `depth` times with W the n×n all-ones matrix / n: keeps values equal to x's row sums. */
function heavyChain(n: number, depth: number): { x: Tensor; y: Tensor } {
  const x = tf.placeholder('float32', [null, n], 'x')
  const w = tf.constant(new Float32Array(n * n).fill(1 / n), { shape: [n, n] })
  let y = x
  for (let i = 0; i < depth; i++) y = tf.matmul(y, w)
  return { x, y }
}

test('runAsync resolves with the same values as run', async (t) => {
  await inGraph(async (sess) => {
    const x = tf.placeholder('int32', [null], 'x')
    const y = tf.add(tf.mul(x, x), 1)
    const feed = new Map([[x, [1, 2, 3]]])
    const value = await sess.runAsync(y, feed)
    t.deepEqual(value.toArray(), [2, 5, 10])
    t.deepEqual(sess.run(y, feed).toArray(), [2, 5, 10])
  })
})

test('many runAsync calls in flight on one session each get their own result', async (t) => {
  await inGraph(async (sess) => {
    const x = tf.placeholder('float64', [], 'x')
    const y = tf.mul(x, 3)
    const inputs = Array.from({ length: 32 }, (_, i) => i - 5)
    const results = await Promise.all(inputs.map((v) => sess.runAsync(y, { 'x:0': v })))
    t.deepEqual(
      results.map((r) => r.item()),
      inputs.map((v) => v * 3),
    )
  })
})

test('the event loop keeps turning while runAsync computes', async (t) => {
  await inGraph(async (sess) => {
    const n = 384
    const { x, y } = heavyChain(n, 24)
    const rows = 256
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const started = Date.now()
    const value = await sess.runAsync(
      y,
      new Map([[x, new tf.NDArray('float32', [rows, n], new Float32Array(rows * n).fill(2))]]),
    )
    const elapsed = Date.now() - started
    clearInterval(timer)
    // Every entry stays 2: each product averages a row of 2s.
    t.true(Math.abs((value.data as Float32Array)[0] - 2) < 1e-3)
    t.true(ticks >= 1, `no timer tick in ${elapsed} ms of running`)
  })
})

test('runAsync rejects with the OpError of a failing run', async (t) => {
  await inGraph(async (sess) => {
    const x = tf.placeholder('float32', [2], 'x')
    const error = await t.throwsAsync(sess.runAsync(tf.identity(x)))
    t.true(error instanceof tf.errors.InvalidArgumentError)
    t.is((error as InstanceType<typeof tf.errors.OpError>).node, 'x')
    const bad = await t.throwsAsync(sess.runAsync(x, { 'x:0': [1, 2, 3] }))
    t.true(bad instanceof tf.errors.InvalidArgumentError)
  })
})

test('makeCallable runs its step with positional feeds, sync and async', async (t) => {
  await inGraph(async (sess) => {
    const a = tf.placeholder('float32', [null], 'a')
    const b = tf.placeholder('float32', [null], 'b')
    const sum = tf.add(a, b)
    const prod = tf.mul(a, b)
    const noop = tf.noOp()
    const f = sess.makeCallable({ sum, prod }, [a, 'b:0'])
    const out = f([1, 2], [3, 4])
    t.deepEqual(out.sum.toArray(), [4, 6])
    t.deepEqual(out.prod.toArray(), [3, 8])
    const later = await f.async([10], [0.5])
    t.deepEqual(later.prod.toArray(), [5])
    t.is(sess.make_callable(noop)(), null, 'an operation fetch gives null')
    const arity = t.throws(() => f([1]))
    t.true(arity instanceof tf.errors.InvalidArgumentError)
    const shape = t.throws(() => f([[1]], [[2]]))
    t.true(shape instanceof tf.errors.InvalidArgumentError)
    const dup = t.throws(() => sess.makeCallable(sum, [a, a]))
    t.true(dup instanceof tf.errors.InvalidArgumentError)
  })
})

test('a callable made with acceptOptions takes options and fills run metadata', async (t) => {
  await inGraph((sess) => {
    const x = tf.placeholder('float32', [], 'x')
    const y = tf.mul(x, 2, 'double')
    const f = sess.makeCallable(y, [x], true)
    const metadata = new tf.RunMetadata()
    t.is(f(21, { options: { traceLevel: 'FULL_TRACE' }, runMetadata: metadata }).item(), 42)
    t.true(metadata.stepStats.some((s) => s.node === 'double' && s.op === 'Mul'))
    t.is(f(1).item(), 2, 'the options argument is optional')
  })
})

test('a callable of a closed session fails with CancelledError', async (t) => {
  const g = new tf.Graph()
  const sess = new tf.Session('', g)
  const y = g.asDefault(() => tf.constant(1))
  const f = sess.makeCallable(y)
  t.is(f().item(), 1)
  sess.close()
  t.true(t.throws(() => f()) instanceof tf.errors.CancelledError)
  t.true((await t.throwsAsync(f.async())) instanceof tf.errors.CancelledError)
})

test('a run past options.timeoutInMs fails with DeadlineExceededError; the session stays usable', async (t) => {
  await inGraph(async (sess) => {
    const n = 256
    const { x, y } = heavyChain(n, 40)
    const feed = new Map([[x, new tf.NDArray('float32', [64, n], new Float32Array(64 * n).fill(1))]])
    const error = t.throws(() => sess.run(y, feed, { timeoutInMs: 0.001 }))
    t.true(error instanceof tf.errors.DeadlineExceededError)
    t.is((error as InstanceType<typeof tf.errors.OpError>).code, 4)
    const asyncError = await t.throwsAsync(sess.runAsync(y, feed, { timeoutInMs: 0.001 }))
    t.true(asyncError instanceof tf.errors.DeadlineExceededError)
    const value = sess.run(y, feed, { timeoutInMs: 60_000 })
    t.true(Math.abs((value.data as Float32Array)[0] - 1) < 1e-3)
    t.true(t.throws(() => sess.run(y, feed, { timeoutInMs: -1 })) instanceof tf.errors.InvalidArgumentError)
  })
})

test('FULL_TRACE fills runMetadata.stepStats, which becomes a Chrome trace', async (t) => {
  await inGraph((sess) => {
    const a = tf.constant([1, 2], { name: 'a' })
    const b = tf.mul(a, a, 'b')
    const metadata = new tf.RunMetadata()
    t.deepEqual(sess.run(b, undefined, { traceLevel: tf.TraceLevel.FULL_TRACE }, metadata).toArray(), [1, 4])
    const byNode = Object.fromEntries(metadata.stepStats.map((s) => [s.node, s]))
    t.deepEqual(Object.keys(byNode).sort(), ['a', 'b'])
    t.is(byNode.b.op, 'Mul')
    t.is(byNode.b.outputBytes, 8)
    t.is(byNode.b.device, '/job:localhost/replica:0/task:0/device:CPU:0')
    t.true(byNode.b.startMicros >= 0 && byNode.b.durationMicros >= 0)
    const trace = metadata.toChromeTrace()
    const complete = trace.traceEvents.filter((e) => (e as { ph: string }).ph === 'X')
    t.is(complete.length, 2)
    t.notThrows(() => JSON.parse(JSON.stringify(trace)))
    const quiet = new tf.RunMetadata()
    sess.run(b, undefined, {}, quiet)
    t.deepEqual(quiet.stepStats, [])
    t.true(
      t.throws(() => sess.run(b, undefined, { traceLevel: 'LOUD' as never })) instanceof tf.errors.InvalidArgumentError,
    )
  })
})

test('config.operationTimeoutInMs bounds every run that sets no timeout of its own', (t) => {
  const g = new tf.Graph()
  const { x, y } = g.asDefault(() => heavyChain(256, 40))
  const feed = new Map([[x, new tf.NDArray('float32', [64, 256], new Float32Array(64 * 256).fill(1))]])
  const sess = new tf.Session({ graph: g, config: { operationTimeoutInMs: 0.001 } })
  t.true(t.throws(() => sess.run(y, feed)) instanceof tf.errors.DeadlineExceededError)
  t.true(Math.abs((sess.run(y, feed, { timeoutInMs: 60_000 }).data as Float32Array)[0] - 1) < 1e-3)
  sess.close()
  const bad = t.throws(() => new tf.Session({ graph: g, config: { operationTimeoutInMs: -5 } }))
  t.true(bad instanceof tf.errors.InvalidArgumentError)
})

test('closing a session while runs are in flight lets them finish or cancel cleanly', async (t) => {
  const g = new tf.Graph()
  const { x, y } = g.asDefault(() => heavyChain(256, 20))
  const feed = new Map([[x, new tf.NDArray('float32', [32, 256], new Float32Array(32 * 256).fill(3))]])
  const sess = new tf.Session('', g)
  const runs = Array.from({ length: 4 }, () => sess.runAsync(y, feed))
  sess.close()
  const outcomes = await Promise.allSettled(runs)
  for (const o of outcomes) {
    if (o.status === 'fulfilled') t.true(Math.abs((o.value.data as Float32Array)[0] - 3) < 1e-3)
    else t.true(o.reason instanceof tf.errors.CancelledError, String(o.reason))
  }
  t.true(t.throws(() => sess.run(y, feed)) instanceof tf.errors.CancelledError)
})
