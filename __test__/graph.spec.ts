// Graphs: default graph scopes, lookups by name.
import test from 'ava'
import tf, { errors } from 'sessionflow'

test.serial('asDefault makes a graph the default for the scope, returns fn result, restores on throw', (t) => {
  const outer = tf.getDefaultGraph()
  const g = new tf.Graph()
  const out = g.asDefault((graph) => {
    t.is(graph, g)
    t.is(tf.getDefaultGraph(), g)
    return tf.constant(1)
  })
  t.is(out.graph, g)
  t.is(tf.getDefaultGraph(), outer)
  t.throws(
    () =>
      g.asDefault(() => {
        throw new Error('x')
      }),
    { message: 'x' },
  )
  t.is(tf.getDefaultGraph(), outer)
  t.is(tf.compat.v1.get_default_graph(), outer)
})

test.serial('resetDefaultGraph gives a fresh default graph, and refuses inside a graph scope', (t) => {
  const before = tf.getDefaultGraph()
  tf.resetDefaultGraph()
  const after = tf.getDefaultGraph()
  t.not(after, before)
  t.deepEqual(after.getOperations(), [])
  new tf.Graph().asDefault(() => {
    t.throws(() => tf.resetDefaultGraph(), { instanceOf: errors.FailedPreconditionError })
  })
})

test('operations and tensors by name are the same objects', (t) => {
  new tf.Graph().asDefault((g) => {
    const a = tf.constant(5, { name: 'a' })
    const c = tf.mul(a, a, 'c')
    t.is(g.getOperationByName('c'), c.op)
    t.is(g.getTensorByName('c:0'), c)
    t.is(g.get_tensor_by_name('a:0'), a)
    t.is(g.get_operation_by_name('a'), a.op)
    t.deepEqual(
      g.getOperations().map((op) => op.name),
      ['a', 'c'],
    )
    t.deepEqual(c.op.inputs, [a, a])
    t.deepEqual(c.op.outputs, [c])
    t.is(c.valueIndex, 0)
    t.is(c.graph, g)
    t.is(c.op.graph, g)
  })
})

test('bad names give TF errors', (t) => {
  new tf.Graph().asDefault((g) => {
    tf.constant(5, { name: 'a' })
    t.throws(() => g.getOperationByName('b'), { instanceOf: errors.NotFoundError })
    t.throws(() => g.getOperationByName('a:0'), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => g.getTensorByName('a'), {
      instanceOf: errors.InvalidArgumentError,
      message: /refers to an Operation, not a Tensor/,
    })
    t.throws(() => g.getTensorByName('a:1'), {
      instanceOf: errors.NotFoundError,
      message: /only has 1 outputs/,
    })
    t.throws(() => g.getTensorByName('b:0'), { instanceOf: errors.NotFoundError })
    t.throws(() => g.getTensorByName('a:x'), { instanceOf: errors.InvalidArgumentError })
  })
})

test.serial('an InteractiveSession makes its graph the default graph until closed', (t) => {
  const g = new tf.Graph()
  const sess = new tf.InteractiveSession('', g)
  t.is(tf.getDefaultGraph(), g)
  const c = tf.constant(2)
  t.is(c.graph, g)
  t.is(c.eval().item(), 2)
  sess.close()
  t.not(tf.getDefaultGraph(), g)
})
