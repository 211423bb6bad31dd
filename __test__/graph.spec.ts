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

test('name scopes prefix op names, nest, are made unique, and can be reset or re-entered', (t) => {
  new tf.Graph().asDefault(() => {
    const names: string[] = []
    tf.nameScope('outer', (scope) => {
      t.is(scope, 'outer/')
      names.push(tf.constant(1, { name: 'c' }).op.name)
      tf.nameScope('inner', (inner) => {
        t.is(inner, 'outer/inner/')
        names.push(tf.add(tf.constant(1), tf.constant(2)).op.name)
      })
      tf.nameScope(null, () => names.push(tf.constant(1, { name: 'root' }).op.name))
    })
    tf.nameScope('outer', (scope) => {
      t.is(scope, 'outer_1/')
      names.push(tf.constant(1, { name: 'c' }).op.name)
    })
    tf.nameScope('outer/', () => names.push(tf.constant(1, { name: 'c' }).op.name))
    t.deepEqual(names, ['outer/c', 'outer/inner/add', 'root', 'outer_1/c', 'outer/c_1'])
    t.is(tf.getDefaultGraph().getTensorByName('outer/inner/add:0').op.type, 'AddV2')
  })
})

test('control dependencies attach to ops built in the scope, accumulate, clear with null, and run first', (t) => {
  const g = new tf.Graph()
  g.asDefault(() => {
    const p = tf.placeholder('float32', [], 'p')
    const gate = tf.identity(p, 'gate')
    const other = tf.noOp('other')
    const [guarded, both, cleared] = tf.controlDependencies([gate], () => {
      const guarded = tf.constant(7, { name: 'guarded' })
      const [both, cleared] = tf.controlDependencies([other], () => [
        tf.constant(8, { name: 'both' }),
        tf.controlDependencies(null, () => tf.constant(9, { name: 'cleared' })),
      ])
      return [guarded, both, cleared]
    })
    t.deepEqual(
      guarded.op.controlInputs.map((o) => o.name),
      ['gate'],
    )
    t.deepEqual(
      both.op.controlInputs.map((o) => o.name),
      ['gate', 'other'],
    )
    t.deepEqual(cleared.op.controlInputs, [])
    tf.withSession(
      (sess) => {
        // The control input pulls in the unfed placeholder…
        const error = t.throws(() => sess.run(guarded))
        t.true(error instanceof tf.errors.InvalidArgumentError)
        t.is((error as InstanceType<typeof tf.errors.OpError>).node, 'p')
        // …and is satisfied once it is fed.
        t.is(sess.run(guarded, { 'p:0': 1 }).item(), 7)
        t.is(sess.run(cleared).item(), 9)
      },
      { graph: g },
    )
  })
})

test('device scopes are recorded on ops, merged TF-style, in string and function form', (t) => {
  new tf.Graph().asDefault(() => {
    const a = tf.device('/job:localhost/replica:0', () =>
      tf.device('/device:CPU:0', () => tf.constant(1, { name: 'a' })),
    )
    t.is(a.op.device, '/job:localhost/replica:0/device:CPU:0')
    const b = tf.device('/cpu:0', () => tf.device(null, () => tf.constant(1, { name: 'b' })))
    t.is(b.op.device, '')
    const c = tf.device(
      (op) => (op.type === 'MatMul' ? '/device:CPU:0' : ''),
      () => [tf.constant([[1]], { name: 'm' }), tf.matmul([[1]], [[2]])],
    )
    t.deepEqual(
      c.map((x) => x.op.device),
      ['', '/device:CPU:0'],
    )
    t.is(tf.constant(1).op.device, '', 'outside the scope nothing is requested')
    const error = t.throws(() => tf.device('/device:CPU:zero', () => 0))
    t.true(error instanceof tf.errors.InvalidArgumentError)
    t.is(tf.compat.v1.name_scope, tf.nameScope)
    t.is(tf.compat.v1.control_dependencies, tf.controlDependencies)
  })
})

test('operations found by name know their inputs and control inputs', (t) => {
  const g = new tf.Graph()
  g.asDefault(() => {
    const a = tf.constant(1, { name: 'a' })
    const gate = tf.noOp('gate')
    tf.controlDependencies([gate], () => tf.add(a, a, 'sum'))
  })
  const sum = g.getOperationByName('sum')
  t.deepEqual(
    sum.inputs.map((x) => x.name),
    ['a:0', 'a:0'],
  )
  t.is(sum.inputs[0].op, g.getOperationByName('a'))
  t.deepEqual(
    sum.controlInputs.map((o) => o.name),
    ['gate'],
  )
})

test('asGraphDef / sess.graphDef give a serialisable GraphDef in protobuf JSON form', (t) => {
  const g = new tf.Graph()
  g.asDefault(() => {
    const a = tf.constant([1.5, 2], { name: 'a' })
    const x = tf.placeholder('int32', [null, 3], 'x')
    const gate = tf.noOp('gate')
    tf.controlDependencies([gate, a], () => tf.mul(a, a, 'sq'))
    tf.device('/device:CPU:0', () => tf.identity(x, 'ix'))
  })
  const sess = new tf.Session('', g)
  const def = JSON.parse(JSON.stringify(sess.graphDef)) as typeof sess.graphDef
  sess.close()
  t.deepEqual(
    def.node.map((n) => [n.name, n.op]),
    [
      ['a', 'Const'],
      ['x', 'Placeholder'],
      ['gate', 'NoOp'],
      ['sq', 'Mul'],
      ['ix', 'Identity'],
    ],
  )
  const byName = Object.fromEntries(def.node.map((n) => [n.name, n]))
  // 1.5 and 2 as little-endian float32: 0x3fc00000, 0x40000000.
  t.deepEqual(byName.a.attr?.value.tensor, {
    dtype: 'DT_FLOAT',
    tensorShape: { dim: [{ size: '2' }] },
    tensorContent: Buffer.from([0, 0, 0xc0, 0x3f, 0, 0, 0, 0x40]).toString('base64'),
  })
  t.deepEqual(byName.x.attr?.shape.shape, { dim: [{ size: '-1' }, { size: '3' }] })
  t.deepEqual(byName.sq.input, ['a', 'a', '^gate'], 'a control input that is also a data input is dropped')
  t.is(byName.sq.attr?.T.type, 'DT_FLOAT')
  t.is(byName.ix.device, '/device:CPU:0')
  t.true(def.versions.producer > 0)
  t.deepEqual(g.as_graph_def(), g.asGraphDef())
})
