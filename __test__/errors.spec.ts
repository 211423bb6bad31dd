// Errors: TF's classes and codes, from the engine's statuses and from the facade's own checks.
import test from 'ava'
import tf, { errors, OpError } from 'sessionflow'

const CLASSES: [string, number][] = [
  ['CancelledError', 1],
  ['UnknownError', 2],
  ['InvalidArgumentError', 3],
  ['DeadlineExceededError', 4],
  ['NotFoundError', 5],
  ['AlreadyExistsError', 6],
  ['PermissionDeniedError', 7],
  ['ResourceExhaustedError', 8],
  ['FailedPreconditionError', 9],
  ['AbortedError', 10],
  ['OutOfRangeError', 11],
  ['UnimplementedError', 12],
  ['InternalError', 13],
  ['UnavailableError', 14],
  ['DataLossError', 15],
  ['UnauthenticatedError', 16],
]

test('one OpError subclass per TF code, with its name and code', (t) => {
  for (const [name, code] of CLASSES) {
    const ErrorClass = (errors as unknown as Record<string, new (m: string) => OpError>)[name]
    const error = new ErrorClass('msg')
    t.true(error instanceof OpError, name)
    t.true(error instanceof Error, name)
    t.is(error.name, name)
    t.is(error.code, code)
    t.is(error.message, 'msg')
    t.is(error.node, null)
    t.is(errors.exceptionTypeFromErrorCode(code), ErrorClass)
  }
  t.is(errors.OK, 0)
  t.is(errors.CANCELLED, 1)
  t.is(errors.INVALID_ARGUMENT, 3)
  t.is(errors.FAILED_PRECONDITION, 9)
  t.is(errors.UNAUTHENTICATED, 16)
  t.is(tf.errors.OpError, OpError)
})

test.serial('eval() with no default session is a FailedPreconditionError in TF words', (t) => {
  t.is(tf.getDefaultSession(), null)
  const c = new tf.Graph().asDefault(() => tf.constant(1))
  const error = t.throws(() => c.eval(), { instanceOf: errors.FailedPreconditionError })
  t.is(error?.code, 9)
  t.is(
    error?.message,
    'Cannot evaluate tensor using `eval()`: No default session is registered. ' +
      'Use `sess.asDefault()` or pass an explicit session to `eval(feedDict, sess)`',
  )
  t.throws(() => c.op.run(), { instanceOf: errors.FailedPreconditionError })
})

test('a run on a closed session is a CancelledError with code 1', (t) => {
  const g = new tf.Graph()
  const c = g.asDefault(() => tf.constant(1))
  const sess = new tf.Session('', g)
  sess.close()
  const error = t.throws(() => sess.run(c), { instanceOf: errors.CancelledError })
  t.true(error instanceof OpError)
  t.is(error?.code, 1)
  t.is(error?.name, 'CancelledError')
})

test('matmul of [2,3] and [4,5] fails at build time naming the node and both shapes', (t) => {
  new tf.Graph().asDefault(() => {
    const a = tf.constant(0, { shape: [2, 3] })
    const b = tf.constant(0, { shape: [4, 5] })
    const error = t.throws(() => tf.matmul(a, b, { name: 'bad' }), {
      instanceOf: errors.InvalidArgumentError,
    })
    t.is(error?.code, 3)
    t.is(error?.node, 'bad')
    t.is(error?.op, 'MatMul')
    t.regex(error?.message ?? '', /bad/)
    t.regex(error?.message ?? '', /\[2,\s*3\]/)
    t.regex(error?.message ?? '', /\[4,\s*5\]/)
  })
})

test('a missing feed for a placeholder is an InvalidArgumentError naming it', (t) => {
  new tf.Graph().asDefault((g) => {
    const x = tf.placeholder('float32', [2], 'my_input')
    const y = tf.mul(x, 2)
    const sess = new tf.Session('', g)
    const error = t.throws(() => sess.run(y), { instanceOf: errors.InvalidArgumentError })
    t.regex(error?.message ?? '', /my_input/)
    t.is(error?.node, 'my_input')
    t.is(error?.op, 'Placeholder')
    sess.close()
  })
})

test('a feed of the wrong shape is an InvalidArgumentError naming tensor, expected and given', (t) => {
  new tf.Graph().asDefault((g) => {
    const x = tf.placeholder('float32', [null, 2], 'x')
    const sess = new tf.Session('', g)
    const error = t.throws(() => sess.run(x, { 'x:0': [1, 2, 3] }), {
      instanceOf: errors.InvalidArgumentError,
    })
    t.is(error?.message, "Cannot feed value of shape (3,) for Tensor 'x:0', which has shape '(?, 2)'")
    t.throws(() => sess.run(x, { 'x:0': [[1, 2, 3]] }), { instanceOf: errors.InvalidArgumentError })
    sess.close()
  })
})

test('a feed of the wrong dtype is an InvalidArgumentError', (t) => {
  new tf.Graph().asDefault((g) => {
    const f = tf.placeholder('float32', [], 'f')
    const i = tf.placeholder('int32', [], 'i')
    const sess = new tf.Session('', g)
    const e1 = t.throws(() => sess.run(f, { 'f:0': true }), { instanceOf: errors.InvalidArgumentError })
    t.regex(e1?.message ?? '', /'f:0'.*float32/)
    t.throws(() => sess.run(i, { 'i:0': 1.5 }), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => sess.run(i, { 'i:0': 2 ** 40 }), { instanceOf: errors.InvalidArgumentError })
    sess.close()
  })
})

test('an unknown target is an InvalidArgumentError', (t) => {
  t.throws(() => new tf.Session('grpc://localhost:2222', new tf.Graph()), {
    instanceOf: errors.InvalidArgumentError,
  })
  t.throws(() => new tf.Session({ target: 'local', graph: new tf.Graph() }), {
    instanceOf: errors.InvalidArgumentError,
  })
})

test('a tensor of another graph cannot be evaluated or fetched by a session', (t) => {
  const g1 = new tf.Graph()
  const g2 = new tf.Graph()
  const c = g1.asDefault(() => tf.constant(1))
  const sess = new tf.Session('', g2)
  const e1 = t.throws(() => c.eval(undefined, sess), { instanceOf: errors.InvalidArgumentError })
  t.regex(e1?.message ?? '', /graph is different/)
  const e2 = t.throws(() => sess.run(c), { instanceOf: errors.InvalidArgumentError })
  t.regex(e2?.message ?? '', /not an element of this graph/)
  sess.close()
})

test('binary ops of tensors from two graphs are refused', (t) => {
  const a = new tf.Graph().asDefault(() => tf.constant(1))
  const b = new tf.Graph().asDefault(() => tf.constant(2))
  t.throws(() => tf.add(a, b), { instanceOf: errors.InvalidArgumentError })
})

test('bad fetches and bad values are InvalidArgumentErrors', (t) => {
  new tf.Graph().asDefault((g) => {
    const sess = new tf.Session('', g)
    t.throws(() => sess.run('nope:0'), { instanceOf: errors.NotFoundError })
    t.throws(() => sess.run(42 as unknown as string), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant([[1, 2], [3]]), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant([1, true]), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant(1.5, 'int32'), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant(300, 'uint8'), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant([1, 2, 3], { shape: [2, 2] }), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.placeholder('float33' as 'float32'), { instanceOf: errors.InvalidArgumentError })
    sess.close()
  })
})

test('a finalized graph refuses new operations', (t) => {
  const g = new tf.Graph()
  g.finalize()
  t.true(g.finalized)
  const error = t.throws(() => g.asDefault(() => tf.constant(1)))
  t.true(error instanceof OpError)
})

test('a tensor larger than memory is a ResourceExhaustedError, and the session stays usable', (t) => {
  const g = new tf.Graph()
  const [huge, small] = g.asDefault(() => [tf.fill([1 << 20, 1 << 20], 1), tf.fill([2], 3)])
  const sess = new tf.Session('', g)
  const error = t.throws(() => sess.run(huge))
  t.true(error instanceof tf.errors.ResourceExhaustedError, String(error))
  t.deepEqual(sess.run(small).toArray(), [3, 3])
  sess.close()
})
