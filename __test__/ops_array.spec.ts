// Array builders end to end: values, static shapes, dtypes and errors. Expected values worked
// out by hand or with numpy (np.transpose, np.pad, slicing, …) and written here.
import test from 'ava'
import tf, { type NDArray, type Session, type Tensor } from 'sessionflow'

/** Builds in a fresh graph and runs the result(s) in a session. */
function evalIn<T extends Tensor | Tensor[]>(build: () => T): T extends Tensor ? NDArray : NDArray[] {
  return new tf.Graph().asDefault((graph) => {
    const out = build()
    const sess: Session = new tf.Session('', graph)
    try {
      return sess.run(out as Tensor) as T extends Tensor ? NDArray : NDArray[]
    } finally {
      sess.close()
    }
  })
}

const M23 = [
  [1, 2, 3],
  [4, 5, 6],
]

test('reshape infers -1 and keeps the dtype', (t) => {
  const v = evalIn(() => tf.reshape(tf.constant(M23, 'int32'), [-1]))
  t.is(v.dtype, 'int32')
  t.deepEqual(v.toArray(), [1, 2, 3, 4, 5, 6])
  new tf.Graph().asDefault(() => {
    const r = tf.reshape(tf.placeholder('float32', [null, 3]), [-1, 6], 'flat')
    t.is(r.op.type, 'Reshape')
    t.is(r.op.name, 'flat')
    t.deepEqual(r.shape, [null, 6])
  })
  const e = t.throws(() => evalIn(() => tf.reshape(tf.constant([1, 2, 3]), [2, 2])))
  t.true(e instanceof tf.errors.InvalidArgumentError)
})

test('transpose reverses the dimensions by default, or follows perm', (t) => {
  t.deepEqual(evalIn(() => tf.transpose(tf.constant(M23))).toArray(), [
    [1, 4],
    [2, 5],
    [3, 6],
  ])
  // np.transpose(np.arange(8).reshape(2, 2, 2), [0, 2, 1])
  const v = evalIn(() => tf.transpose(tf.reshape(tf.constant([0, 1, 2, 3, 4, 5, 6, 7]), [2, 2, 2]), [0, 2, 1]))
  t.deepEqual(Array.from(v.data as Float32Array), [0, 2, 1, 3, 4, 6, 5, 7])
  new tf.Graph().asDefault(() => {
    t.deepEqual(tf.transpose(tf.placeholder('float32', [null, 3, 4]), [2, 0, 1]).shape, [4, null, 3])
    t.throws(() => tf.transpose(tf.placeholder('float32')), { instanceOf: tf.errors.InvalidArgumentError })
  })
  t.throws(() => evalIn(() => tf.transpose(tf.constant(M23), [0, 0])), {
    instanceOf: tf.errors.InvalidArgumentError,
    message: /1 is missing from \{0,0\}/,
  })
})

test('expandDims and squeeze', (t) => {
  new tf.Graph().asDefault(() => {
    const x = tf.constant(M23)
    t.deepEqual(tf.expandDims(x, 0).shape, [1, 2, 3])
    t.deepEqual(tf.expandDims(x, -1).shape, [2, 3, 1])
    const y = tf.placeholder('float32', [1, null, 1, 3])
    t.deepEqual(tf.squeeze(y, [0, 2]).shape, [null, 3])
    t.deepEqual(tf.squeeze(y, -2).shape, [1, null, 3])
    t.is(tf.squeeze(y).shape, null) // unknown dimensions might be 1
  })
  t.deepEqual(evalIn(() => tf.squeeze(tf.constant([[[7], [8]]], 'int8'))).toArray(), [7, 8])
  t.throws(() => tf.squeeze(tf.constant(M23), 0), { instanceOf: tf.errors.InvalidArgumentError })
})

test('concat joins along an axis; a single value is its identity', (t) => {
  const v = evalIn(() => tf.concat([tf.constant(M23), [[7], [8]]], 1))
  t.deepEqual(v.toArray(), [
    [1, 2, 3, 7],
    [4, 5, 6, 8],
  ])
  t.deepEqual(evalIn(() => tf.concat([tf.constant([1, 2], 'int64'), tf.constant([3n], 'int64')], -1)).toArray(), [
    1n,
    2n,
    3n,
  ])
  new tf.Graph().asDefault(() => {
    const one = tf.concat([tf.constant([1, 2])], 0)
    t.is(one.op.type, 'Identity')
    t.is(tf.concat([tf.constant([1]), tf.constant([2])], 0).op.type, 'ConcatV2')
  })
  t.throws(() => tf.concat([tf.constant(M23), tf.constant([[1, 2]])], 0), {
    instanceOf: tf.errors.InvalidArgumentError,
  })
})

test('split: a number gives equal pieces (Split), sizes give SplitV', (t) => {
  const [a, b] = evalIn(() => tf.split(tf.constant([1, 2, 3, 4, 5, 6], 'int32'), 2))
  t.deepEqual(a.toArray(), [1, 2, 3])
  t.deepEqual(b.toArray(), [4, 5, 6])
  const parts = evalIn(() => tf.split(tf.constant(M23), [1, -1], 1))
  t.deepEqual(
    parts.map((p) => p.toArray()),
    [
      [[1], [4]],
      [
        [2, 3],
        [5, 6],
      ],
    ],
  )
  new tf.Graph().asDefault(() => {
    t.is(tf.split(tf.constant([1, 2]), 2)[0].op.type, 'Split')
    t.is(tf.split(tf.constant([1, 2]), [1, 1])[0].op.type, 'SplitV')
    t.deepEqual(tf.split(tf.placeholder('float32', [null, 4]), [1, 3], 1)[1].shape, [null, 3])
  })
  t.throws(() => tf.split(tf.constant([1, 2, 3]), 2), { instanceOf: tf.errors.InvalidArgumentError })
})

test('stack and unstack are inverses', (t) => {
  const s = evalIn(() => tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], 1))
  t.deepEqual(s.toArray(), [
    [1, 3],
    [2, 4],
  ])
  const parts = evalIn(() => tf.unstack(tf.constant(M23), { axis: 1 }))
  t.deepEqual(
    parts.map((p) => p.toArray()),
    [
      [1, 4],
      [2, 5],
      [3, 6],
    ],
  )
  new tf.Graph().asDefault(() => {
    t.is(tf.unstack(tf.placeholder('float32', [null, 2]), { axis: -1 }).length, 2)
    t.throws(() => tf.unstack(tf.placeholder('float32', [null, 2])), {
      instanceOf: tf.errors.InvalidArgumentError,
      message: /Cannot infer argument `num`/,
    })
    t.is(tf.unstack(tf.placeholder('float32', [null, 2]), { num: 3 }).length, 3)
  })
  t.throws(() => tf.stack([tf.constant([1]), tf.constant([1, 2])]), { instanceOf: tf.errors.InvalidArgumentError })
})

test('tile and broadcastTo repeat values', (t) => {
  t.deepEqual(evalIn(() => tf.tile(tf.constant([[1, 2]], 'uint8'), [2, 2])).toArray(), [
    [1, 2, 1, 2],
    [1, 2, 1, 2],
  ])
  t.deepEqual(evalIn(() => tf.broadcastTo(tf.constant([[1], [2]]), [2, 3])).toArray(), [
    [1, 1, 1],
    [2, 2, 2],
  ])
  t.deepEqual(evalIn(() => tf.broadcastTo(tf.constant(true), [2])).toArray(), [true, true])
  t.throws(() => evalIn(() => tf.broadcastTo(tf.constant([1, 2, 3]), [2, 2])), {
    instanceOf: tf.errors.InvalidArgumentError,
  })
})

test('pad chooses Pad, PadV2 or MirrorPad as tf.pad does', (t) => {
  // np.pad([[1,2,3],[4,5,6]], [[1,0],[0,1]])
  t.deepEqual(
    evalIn(() =>
      tf.pad(tf.constant(M23), [
        [1, 0],
        [0, 1],
      ]),
    ).toArray(),
    [
      [0, 0, 0, 0],
      [1, 2, 3, 0],
      [4, 5, 6, 0],
    ],
  )
  t.deepEqual(
    evalIn(() => tf.pad(tf.constant([1, 2], 'int32'), [[1, 1]], { constantValues: 9 })).toArray(),
    [9, 1, 2, 9],
  )
  // np.pad([1, 2, 3], 2, mode='reflect') and mode='symmetric'
  t.deepEqual(
    evalIn(() => tf.pad(tf.constant([1, 2, 3]), [[2, 2]], { mode: 'REFLECT' })).toArray(),
    [3, 2, 1, 2, 3, 2, 1],
  )
  t.deepEqual(
    evalIn(() => tf.pad(tf.constant([1, 2, 3]), [[2, 2]], { mode: 'symmetric' })).toArray(),
    [2, 1, 1, 2, 3, 3, 2],
  )
  new tf.Graph().asDefault(() => {
    const x = tf.constant([1])
    t.is(tf.pad(x, [[1, 1]]).op.type, 'Pad')
    t.is(tf.pad(x, [[1, 1]], { constantValues: 2 }).op.type, 'PadV2')
    t.is(tf.pad(x, [[0, 0]], { mode: 'reflect' }).op.type, 'MirrorPad')
    t.throws(() => tf.pad(x, [[1, 1]], { mode: 'EDGE' }), { instanceOf: tf.errors.InvalidArgumentError })
  })
  t.throws(() => evalIn(() => tf.pad(tf.constant([1, 2, 3]), [[3, 0]], { mode: 'REFLECT' })), {
    instanceOf: tf.errors.InvalidArgumentError,
    message: /paddings must be less than the dimension size/,
  })
})

test('reverse flips the given axes', (t) => {
  t.deepEqual(evalIn(() => tf.reverse(tf.constant(M23), [-1])).toArray(), [
    [3, 2, 1],
    [6, 5, 4],
  ])
  t.deepEqual(evalIn(() => tf.reverse(tf.constant(M23), [0, 1])).toArray(), [
    [6, 5, 4],
    [3, 2, 1],
  ])
  t.throws(() => tf.reverse(tf.constant(M23), [2]), { instanceOf: tf.errors.InvalidArgumentError })
})

test('slice takes a box; -1 runs to the end', (t) => {
  t.deepEqual(evalIn(() => tf.slice(tf.constant(M23), [0, 1], [-1, 2])).toArray(), [
    [2, 3],
    [5, 6],
  ])
  t.deepEqual(evalIn(() => tf.slice(tf.constant([1, 2, 3]), [1n], [1n])).toArray(), [2])
  t.throws(() => evalIn(() => tf.slice(tf.constant([1, 2, 3]), [1], [3])), {
    instanceOf: tf.errors.InvalidArgumentError,
  })
})

test('stridedSlice follows numpy with every mask', (t) => {
  const x = () => tf.reshape(tf.constant([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'int32'), [3, 4])
  // x[1:, ::-1]
  t.deepEqual(evalIn(() => tf.stridedSlice(x(), [1, 0], [0, 0], [1, -1], { beginMask: 2, endMask: 3 })).toArray(), [
    [7, 6, 5, 4],
    [11, 10, 9, 8],
  ])
  // x[..., 2] and x[-1]
  t.deepEqual(
    evalIn(() => tf.stridedSlice(x(), [0, 2], [0, 3], [1, 1], { ellipsisMask: 1, shrinkAxisMask: 2 })).toArray(),
    [2, 6, 10],
  )
  t.deepEqual(evalIn(() => tf.stridedSlice(x(), [-1], [0], undefined, { shrinkAxisMask: 1 })).toArray(), [8, 9, 10, 11])
  new tf.Graph().asDefault(() => {
    // x[None, :, 1:3] on [?, 4] → [1, ?, 2]
    const p = tf.placeholder('float32', [null, 4])
    const s = tf.stridedSlice(p, [0, 0, 1], [0, 0, 3], [1, 1, 1], { newAxisMask: 1, beginMask: 2, endMask: 2 })
    t.deepEqual(s.shape, [1, null, 2])
    t.is(s.op.type, 'StridedSlice')
    t.is(tf.compat.v1.strided_slice, tf.stridedSlice)
  })
  t.throws(() => evalIn(() => tf.stridedSlice(x(), [5], [6], [1], { shrinkAxisMask: 1 })), {
    instanceOf: tf.errors.InvalidArgumentError,
    message: /slice index 5 of dimension 0 out of bounds/,
  })
})

test('the Python names are in tf.compat.v1', (t) => {
  const v1 = tf.compat.v1 as unknown as Record<string, unknown>
  const names: [string, unknown][] = [
    ['reshape', tf.reshape],
    ['transpose', tf.transpose],
    ['expand_dims', tf.expandDims],
    ['squeeze', tf.squeeze],
    ['concat', tf.concat],
    ['split', tf.split],
    ['stack', tf.stack],
    ['unstack', tf.unstack],
    ['tile', tf.tile],
    ['pad', tf.pad],
    ['broadcast_to', tf.broadcastTo],
    ['reverse', tf.reverse],
    ['slice', tf.slice],
    ['strided_slice', tf.stridedSlice],
  ]
  for (const [name, fn] of names) t.is(v1[name], fn, name)
})
