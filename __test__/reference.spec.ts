// The two examples of the tf.compat.v1.InteractiveSession reference page, ported.
import test from 'ava'
import tf, { type Session } from 'sessionflow'

test.serial('InteractiveSession: c.eval() without passing the session gives 30 (tf.mul)', (t) => {
  const sess = new tf.compat.v1.InteractiveSession()
  try {
    const a = tf.constant(5.0)
    const b = tf.constant(6.0)
    const c = tf.mul(a, b)
    const value = c.eval()
    t.is(value.dtype, 'float32')
    t.deepEqual(value.shape, [])
    t.is(value.item(), 30)
    t.is(String(value), '30')
  } finally {
    sess.close()
  }
})

test.serial('InteractiveSession: the method form a.mul(b) gives 30 too', (t) => {
  const sess = new tf.compat.v1.InteractiveSession()
  try {
    const c = tf.constant(5.0).mul(tf.constant(6.0))
    t.is(c.eval().item(), 30)
  } finally {
    sess.close()
  }
})

test.serial('InteractiveSession is the default session until closed, then stops being it', (t) => {
  t.is(tf.getDefaultSession(), null)
  const sess = new tf.InteractiveSession()
  t.is(tf.getDefaultSession(), sess)
  t.is(tf.compat.v1.get_default_session(), sess)
  sess.close()
  t.true(sess.closed)
  t.is(tf.getDefaultSession(), null)
  sess.close() // idempotent
  t.is(tf.getDefaultSession(), null)
})

test.serial('withSession: c.eval() inside the scope gives 30, and the session is closed after', (t) => {
  const a = tf.constant(5.0)
  const b = tf.constant(6.0)
  const c = tf.mul(a, b)
  let inside: Session | undefined
  const result = tf.withSession((sess) => {
    inside = sess
    t.is(tf.getDefaultSession(), sess)
    return c.eval().item()
  })
  t.is(result, 30)
  t.true(inside?.closed)
  t.is(tf.getDefaultSession(), null)
})

test.serial('withSession closes the session and restores the default when the body throws', (t) => {
  let inside: Session | undefined
  const error = t.throws(() =>
    tf.withSession((sess) => {
      inside = sess
      throw new Error('boom')
    }),
  )
  t.is(error?.message, 'boom')
  t.true(inside?.closed)
  t.is(tf.getDefaultSession(), null)
})

test.serial('withSession with an async body: default while pending, closed once it settles', async (t) => {
  const c = tf.mul(tf.constant(5.0), tf.constant(6.0))
  let inside: Session | undefined
  const pending = tf.withSession(async (sess) => {
    inside = sess
    await new Promise((resolve) => setTimeout(resolve, 10))
    t.is(tf.getDefaultSession(), sess)
    return c.eval().item()
  })
  t.false(inside?.closed)
  t.is(await pending, 30)
  t.true(inside?.closed)
  t.is(tf.getDefaultSession(), null)
})

test.serial('withSession with an async body that rejects still closes the session', async (t) => {
  let inside: Session | undefined
  await t.throwsAsync(
    tf.withSession(async (sess) => {
      inside = sess
      await Promise.resolve()
      throw new Error('late boom')
    }),
    { message: 'late boom' },
  )
  t.true(inside?.closed)
  t.is(tf.getDefaultSession(), null)
})

test.serial('sess.asDefault(fn): default for the scope, restored after, session stays open', (t) => {
  const c = tf.mul(tf.constant(5.0), tf.constant(6.0))
  const sess = new tf.Session()
  try {
    const value = sess.asDefault(() => {
      t.is(tf.getDefaultSession(), sess)
      return c.eval()
    })
    t.is(value.item(), 30)
    t.is(tf.getDefaultSession(), null)
    t.false(sess.closed)
    t.is(
      sess.as_default(() => c.eval().item()),
      30,
    )
    t.throws(
      () =>
        sess.asDefault(() => {
          throw new Error('inner')
        }),
      { message: 'inner' },
    )
    t.is(tf.getDefaultSession(), null)
  } finally {
    sess.close()
  }
})

test.serial('nested default sessions: the innermost wins and the outer one comes back', (t) => {
  const outer = new tf.Session()
  const inner = new tf.Session()
  outer.asDefault(() => {
    inner.asDefault(() => t.is(tf.getDefaultSession(), inner))
    t.is(tf.getDefaultSession(), outer)
  })
  t.is(tf.getDefaultSession(), null)
  outer.close()
  inner.close()
})

test('the default session follows async context: kept across awaits, never shared by concurrent scopes', async (t) => {
  const g = new tf.Graph()
  const [one, two] = [new tf.Session('', g), new tf.Session('', g)]
  const c = g.asDefault(() => tf.constant(3))
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5))
  const seen = await Promise.all(
    [one, two].map((sess) =>
      sess.asDefault(async () => {
        const before = tf.getDefaultSession()
        await tick()
        const after = tf.getDefaultSession()
        await tick()
        return [before === sess, after === sess, c.eval().item()]
      }),
    ),
  )
  t.deepEqual(seen, [
    [true, true, 3],
    [true, true, 3],
  ])
  t.is(tf.getDefaultSession(), null)
  one.close()
  two.close()
})

test('the default graph follows async context too', async (t) => {
  const [g1, g2] = [new tf.Graph(), new tf.Graph()]
  const names = await Promise.all(
    [g1, g2].map((g, i) =>
      g.asDefault(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5 * (2 - i)))
        return tf.getDefaultGraph() === g
      }),
    ),
  )
  t.deepEqual(names, [true, true])
})

test('`using` closes a session and ends an asDefault() scope at the end of the block', (t) => {
  const g = new tf.Graph()
  const c = g.asDefault(() => tf.constant(4))
  let outer: InstanceType<typeof tf.Session> | undefined
  {
    using sess = new tf.Session('', g)
    outer = sess
    {
      using _scope = sess.asDefault()
      t.is(tf.getDefaultSession(), sess)
      t.is(c.eval().item(), 4)
    }
    t.is(tf.getDefaultSession(), null)
    t.false(sess.closed)
  }
  t.true(outer?.closed)
})

test.serial('a second open InteractiveSession warns as TensorFlow does', async (t) => {
  const warnings: string[] = []
  const listen = (w: Error) => warnings.push(w.message)
  process.on('warning', listen)
  const first = new tf.InteractiveSession('', new tf.Graph())
  const second = new tf.InteractiveSession('', new tf.Graph())
  await new Promise((resolve) => setImmediate(resolve))
  second.close()
  first.close()
  const third = new tf.InteractiveSession('', new tf.Graph())
  third.close()
  await new Promise((resolve) => setImmediate(resolve))
  process.off('warning', listen)
  t.is(warnings.filter((w) => w.startsWith('An interactive session is already active')).length, 1)
})
