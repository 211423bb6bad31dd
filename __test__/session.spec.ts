// Session.run: fetch structures, feeds, and the session's own surface.
import test from 'ava'
import tf, { NDArray, type Session, type SessionConfig, type Tensor } from 'sessionflow'

/** Runs `body` with a fresh graph and a session on it, closing the session after. */
function inGraph<R>(body: (sess: Session) => R): R {
  return new tf.Graph().asDefault((graph) => {
    const sess = new tf.Session('', graph)
    try {
      return body(sess)
    } finally {
      sess.close()
    }
  })
}

function abc(): [Tensor, Tensor, Tensor] {
  const a = tf.constant(5.0, { name: 'a' })
  const b = tf.constant(6.0, { name: 'b' })
  return [a, b, tf.mul(a, b, 'c')]
}

test('sess.run(c) gives the value of c', (t) => {
  inGraph((sess) => {
    const [, , c] = abc()
    const value = sess.run(c)
    t.true(value instanceof NDArray)
    t.is(value.dtype, 'float32')
    t.deepEqual(value.shape, [])
    t.deepEqual(Array.from(value.data as Float32Array), [30])
  })
})

test('sess.run([a, b, c]) gives three values in order', (t) => {
  inGraph((sess) => {
    const [a, b, c] = abc()
    const [va, vb, vc] = sess.run([a, b, c])
    t.is(va.item(), 5)
    t.is(vb.item(), 6)
    t.is(vc.item(), 30)
  })
})

test('nested arrays and plain objects of fetches come back in the same structure', (t) => {
  inGraph((sess) => {
    const [a, b, c] = abc()
    const out = sess.run({ x: a, pair: [b, { deep: c }], list: [[a], []] })
    t.deepEqual(Object.keys(out), ['x', 'pair', 'list'])
    t.is(out.x.item(), 5)
    t.is(out.pair[0].item(), 6)
    t.is(out.pair[1].deep.item(), 30)
    t.is(out.list[0][0].item(), 5)
    t.deepEqual(out.list[1], [])
  })
})

test('fetching an Operation runs it and gives null', (t) => {
  inGraph((sess) => {
    const [, , c] = abc()
    t.is(sess.run(c.op), null)
    const noop = tf.noOp('nothing')
    t.deepEqual(
      sess.run([noop, c]).map((v) => (v === null ? null : v.item())),
      [null, 30],
    )
  })
})

test('fetches by name: "c:0" is the tensor, "c" the operation', (t) => {
  inGraph((sess) => {
    abc()
    const value = sess.run('c:0')
    t.is(value.item(), 30)
    t.is(sess.run('c'), null)
    const [x, y] = sess.run(['a:0', 'b:0'])
    t.is(x.item() as number, 5)
    t.is(y.item() as number, 6)
  })
})

test('the same tensor fetched several ways is computed once and given to each place', (t) => {
  inGraph((sess) => {
    const [, , c] = abc()
    const [v1, v2, v3] = sess.run([c, 'c:0', c])
    t.is(v1, v2)
    t.is(v2, v3)
    t.is(v1.item(), 30)
  })
})

test('a placeholder fed through a Map keyed by the tensor: matrix times fed vector', (t) => {
  inGraph((sess) => {
    const w = tf.constant([
      [1, 2],
      [3, 4],
    ])
    const x = tf.placeholder('float32', [2, 1], 'x')
    const y = tf.matmul(w, x)
    // [[1 2] [3 4]] · [[5] [6]] = [[1*5+2*6] [3*5+4*6]] = [[17] [39]]
    const value = sess.run(y, new Map([[x, [[5], [6]]]]))
    t.deepEqual(value.shape, [2, 1])
    t.deepEqual(value.toArray(), [[17], [39]])
  })
})

test('feeds keyed by name, with unknown dimensions accepting any size', (t) => {
  inGraph((sess) => {
    const x = tf.placeholder('float32', [null, 2], 'x')
    const y = tf.add(x, tf.constant([10, 20]))
    t.deepEqual(x.shape, [null, 2])
    t.deepEqual(sess.run(y, { 'x:0': [[1, 2]] }).toArray(), [[11, 22]])
    t.deepEqual(
      sess
        .run(y, {
          'x:0': [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        })
        .toArray(),
      [
        [11, 22],
        [13, 24],
        [15, 26],
      ],
    )
  })
})

test('feeds accept TypedArrays and NDArrays, converted to the placeholder dtype', (t) => {
  inGraph((sess) => {
    const x = tf.placeholder('int32', [3], 'x')
    const y = tf.add(x, 1)
    t.deepEqual(Array.from(sess.run(y, new Map([[x, new Int32Array([1, 2, 3])]])).data as Int32Array), [2, 3, 4])
    t.deepEqual(sess.run(y, new Map([[x, new Float64Array([4, 5, 6])]])).toArray(), [5, 6, 7])
    const fed = new NDArray('int32', [3], new Int32Array([7, 8, 9]))
    const out = sess.run(y, new Map([[x, fed]]))
    t.is(out.dtype, 'int32')
    t.deepEqual(out.toArray(), [8, 9, 10])
  })
})

test('a placeholder of unknown rank accepts any shape', (t) => {
  inGraph((sess) => {
    const x = tf.placeholder('float32')
    t.is(x.shape, null)
    const y = tf.mul(x, 2)
    t.deepEqual(sess.run(y, new Map([[x, 4]])).toArray(), 8)
    t.deepEqual(sess.run(y, new Map([[x, [[1], [2]]]])).toArray(), [[2], [4]])
  })
})

test('a fed value can be fetched back', (t) => {
  inGraph((sess) => {
    const x = tf.placeholder('float32', [2], 'x')
    t.deepEqual(sess.run(x, { 'x:0': [1.5, 2.5] }).toArray(), [1.5, 2.5])
  })
})

test('Session options-object form, graph and sessStr', (t) => {
  const g = new tf.Graph()
  const c = g.asDefault(() => tf.constant(3))
  const sess = new tf.Session({ graph: g, config: { intraOpParallelismThreads: 1 } })
  t.is(sess.graph, g)
  t.is(sess.sessStr, '')
  t.is(sess.sess_str, '')
  t.is(sess.run(c).item(), 3)
  sess.close()
})

test('inter-op settings (caller thread, dedicated pool) give the same results; bad counts are rejected', (t) => {
  const g = new tf.Graph()
  // (x + 1) · 2 and (x · 3) computed in independent branches, then added: 5x + 2.
  const [x, y] = g.asDefault(() => {
    const x = tf.placeholder('float64', [null], 'x')
    return [x, tf.add(tf.mul(tf.add(x, 1), 2), tf.mul(x, 3))] as const
  })
  for (const interOpParallelismThreads of [0, 1, 3]) {
    const sess = new tf.Session({ graph: g, config: { interOpParallelismThreads } })
    t.deepEqual(sess.run(y, new Map([[x, [0, 1, -2]]])).toArray(), [2, 7, -8])
    sess.close()
  }
  const error = t.throws(() => new tf.Session({ graph: g, config: { interOpParallelismThreads: -2 } }))
  t.true(error instanceof tf.errors.InvalidArgumentError)
  t.regex(error?.message ?? '', /interOpParallelismThreads/)
})

test('a dedicated intra-op pool computes the same matmul; a negative thread count is rejected', (t) => {
  const g = new tf.Graph()
  // [[1 2] [3 4]] · [[5 6] [7 8]] = [[19 22] [43 50]]
  const p = g.asDefault(() =>
    tf.matmul(
      tf.constant([
        [1, 2],
        [3, 4],
      ]),
      tf.constant([
        [5, 6],
        [7, 8],
      ]),
    ),
  )
  const sess = new tf.Session({ graph: g, config: { intraOpParallelismThreads: 2 } })
  t.deepEqual(sess.run(p).toArray(), [
    [19, 22],
    [43, 50],
  ])
  sess.close()
  const error = t.throws(() => new tf.Session({ graph: g, config: { intraOpParallelismThreads: -1 } }))
  t.true(error instanceof tf.errors.InvalidArgumentError)
  t.regex(error?.message ?? '', /intraOpParallelismThreads/)
  const fractional = t.throws(() => new tf.Session({ graph: g, config: { intraOpParallelismThreads: 1.5 } }))
  t.true(fractional instanceof tf.errors.InvalidArgumentError)
})

test('a session launches the default graph when none is given', (t) => {
  const g = new tf.Graph()
  g.asDefault(() => {
    const sess = new tf.Session()
    t.is(sess.graph, g)
    sess.close()
  })
})

test('close() is idempotent and closed reflects it', (t) => {
  const sess = new tf.Session('', new tf.Graph())
  t.false(sess.closed)
  sess.close()
  t.true(sess.closed)
  t.notThrows(() => sess.close())
  t.true(sess.closed)
})

test('listDevices has the CPU device with a positive memory limit', (t) => {
  const sess = new tf.Session('', new tf.Graph())
  const devices = sess.listDevices()
  const cpu = devices.find((d) => d.name === '/job:localhost/replica:0/task:0/device:CPU:0')
  t.truthy(cpu)
  t.is(cpu?.deviceType, 'CPU')
  t.is(cpu?.device_type, 'CPU')
  t.true((cpu?.memoryLimit ?? 0) > 0)
  t.is(sess.list_devices().length, devices.length)
  sess.close()
})

test('tensor.eval(feedDict, sess) and op.run(feedDict, sess) with an explicit session', (t) => {
  inGraph((sess) => {
    const x = tf.placeholder('float32', [], 'x')
    const y = tf.mul(x, 3)
    t.is(y.eval({ 'x:0': 2 }, sess).item(), 6)
    t.notThrows(() => y.op.run({ 'x:0': 2 }, sess))
  })
})

test('tf.compat.v1 has the same classes as tf', (t) => {
  t.is(tf.compat.v1.Session, tf.Session)
  t.is(tf.compat.v1.InteractiveSession, tf.InteractiveSession)
  t.is(tf.compat.v1.Graph, tf.Graph)
  t.is(tf.compat.v1.errors, tf.errors)
  t.is(tf.compat.v1.get_default_graph, tf.getDefaultGraph)
  t.is(tf.compat.v1.reset_default_graph, tf.resetDefaultGraph)
  t.is(tf.compat.v1.get_default_session, tf.getDefaultSession)
  t.is(tf.compat.v1.multiply, tf.mul)
  t.is(tf.compat.v1.no_op, tf.noOp)
  t.is(tf.compat.v1.placeholder, tf.placeholder)
  t.is(tf.compat.v1.float32, 'float32')
  t.true(new tf.compat.v1.Session('', new tf.Graph()) instanceof tf.Session)
})

test('partial runs: TF semantics of partial_run_setup / partial_run', (t) => {
  inGraph((sess) => {
    const a = tf.placeholder('float32', [], 'a')
    const b = tf.placeholder('float32', [], 'b')
    const c = tf.placeholder('float32', [], 'c')
    const r1 = tf.add(a, b, 'r1')
    const r2 = tf.mul(r1, c, 'r2')
    const h = sess.partialRunSetup([r1, r2], [a, b, c])
    const v1 = sess.partialRun(
      h,
      r1,
      new Map([
        [a, 1],
        [b, 2],
      ]),
    )
    t.is(v1.item(), 3)
    const again = t.throws(() => sess.partialRun(h, r2, new Map([[a, 5]])))
    t.true(again instanceof tf.errors.InvalidArgumentError)
    t.regex(again?.message ?? '', /a:0 has already been fed/)
    const undeclared = t.throws(() => sess.partial_run(h, tf.identity(a)))
    t.true(undeclared instanceof tf.errors.InvalidArgumentError)
    const early = t.throws(() => sess.partialRun(h, r2))
    t.regex(early?.message ?? '', /c:0, which has not been fed/)
    t.is(sess.partialRun(h, r2, { 'c:0': 17 }).item(), 51)
    t.throws(() => sess.partialRun(h, r1), { instanceOf: tf.errors.InvalidArgumentError })
    const h2 = sess.partial_run_setup({ out: r2 }, ['a:0', 'b:0', 'c:0'])
    t.is(sess.partialRun(h2, { out: r2 }, { 'a:0': 2, 'b:0': 2, 'c:0': 0.5 }).out.item(), 2)
  })
})

test('a ConfigProto field the engine does not honour yet is refused, not ignored', (t) => {
  const config = { graphOptions: { placePrunedGraph: true } } as unknown as SessionConfig
  const error = t.throws(() => new tf.Session({ graph: new tf.Graph(), config }))
  t.true(error instanceof tf.errors.InvalidArgumentError)
  t.regex(error?.message ?? '', /graphOptions/)
})

test('deviceCount, tf.device pins, soft placement and logDevicePlacement', async (t) => {
  const g = new tf.Graph()
  const [onOne, onGpu] = g.asDefault(() => {
    const a = tf.constant(3, { name: 'a' })
    return [
      tf.device('/device:CPU:1', () => tf.mul(a, a, 'on_one')),
      tf.device('/device:GPU:0', () => tf.mul(a, a, 'on_gpu')),
    ]
  })
  const two = new tf.Session({ graph: g, config: { deviceCount: { CPU: 2 } } })
  t.deepEqual(
    two
      .listDevices()
      .filter((d) => d.deviceType === 'CPU')
      .map((d) => d.name),
    ['/job:localhost/replica:0/task:0/device:CPU:0', '/job:localhost/replica:0/task:0/device:CPU:1'],
  )
  const meta = new tf.RunMetadata()
  t.is(two.run(onOne, undefined, { traceLevel: 'FULL_TRACE' }, meta).item(), 9)
  t.is(meta.stepStats.find((s) => s.node === 'on_one')?.device, '/job:localhost/replica:0/task:0/device:CPU:1')
  const hard = t.throws(() => two.run(onGpu))
  t.true(hard instanceof tf.errors.InvalidArgumentError)
  t.regex(hard?.message ?? '', /Cannot assign a device for operation on_gpu/)
  two.close()
  const soft = new tf.Session({ graph: g, config: { allowSoftPlacement: true } })
  t.is(soft.run(onGpu).item(), 9)
  t.is(soft.run(onOne).item(), 9, 'CPU:1 does not exist here: soft placement falls back to CPU:0')
  soft.close()

  // logDevicePlacement prints "name: (Op): device" for each op, in TF's format, to stderr.
  const script = `
    const tf = require('sessionflow')
    const x = tf.constant(2, { name: 'x' })
    const s = new tf.Session({ config: { logDevicePlacement: true } })
    s.run(tf.mul(x, x, 'sq'))
    s.close()`
  const { spawnSync } = await import('node:child_process')
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  t.is(out.status, 0, out.stderr)
  t.regex(out.stderr, /^sq: \(Mul\): \/job:localhost\/replica:0\/task:0\/device:CPU:0$/m)
})
