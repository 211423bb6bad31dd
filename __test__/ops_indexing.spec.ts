// Indexing and construction builders end to end: values, static shapes, dtypes and errors.
// Expected values worked out by hand or with TensorFlow 2.21 (noted).
import test from 'ava'
import tf, { type NDArray, type Tensor, errors } from 'sessionflow'

/** Builds in a fresh graph and runs the result(s) in a fresh session. */
function run<T extends Tensor | Tensor[]>(build: () => T): T extends Tensor ? NDArray : NDArray[] {
  return new tf.Graph().asDefault((graph) => {
    const out = build()
    const sess = new tf.Session('', graph)
    try {
      return sess.run(out as Tensor) as T extends Tensor ? NDArray : NDArray[]
    } finally {
      sess.close()
    }
  })
}

test('gather picks rows, along an axis, with batch dims', (t) => {
  const v = run(() =>
    tf.gather(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [2, 0],
    ),
  )
  t.is(v.dtype, 'float32')
  t.deepEqual(v.toArray(), [
    [5, 6],
    [1, 2],
  ])
  const cols = run(() =>
    tf.gather(
      tf.constant(
        [
          [0, 1, 2],
          [3, 4, 5],
        ],
        'int32',
      ),
      [[2], [0]],
      { axis: 1 },
    ),
  )
  t.deepEqual(cols.shape, [2, 2, 1])
  t.deepEqual(cols.toArray(), [
    [[2], [0]],
    [[5], [3]],
  ])
  // TF: gather(reshape(range(12), [2,3,2]), [[2,0],[1,1]], axis=1, batch_dims=1).
  const params = [
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
    [
      [6, 7],
      [8, 9],
      [10, 11],
    ],
  ]
  const batched = run(() =>
    tf.gather(
      params,
      [
        [2, 0],
        [1, 1],
      ],
      { axis: 1, batchDims: 1 },
    ),
  )
  t.deepEqual(batched.toArray(), [
    [
      [4, 5],
      [0, 1],
    ],
    [
      [8, 9],
      [8, 9],
    ],
  ])
  new tf.Graph().asDefault(() => {
    const g = tf.gather(tf.placeholder('float32', [null, 3]), [0, 1, 1, 0], { axis: 1, name: 'cols' })
    t.is(g.op.type, 'GatherV2')
    t.is(g.op.name, 'cols')
    t.deepEqual(g.shape, [null, 4])
  })
})

test('gather reports an out-of-range index as InvalidArgumentError', (t) => {
  const error = t.throws(() => run(() => tf.gather([1, 2, 3], [0, 5])), { instanceOf: errors.InvalidArgumentError })
  t.is(error?.code, 3)
  t.regex(error?.message ?? '', /indices\[1\] = 5 is not in \[0, 3\)/)
})

test('gatherNd and scatterNd', (t) => {
  t.deepEqual(
    run(() =>
      tf.gatherNd(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).toArray(),
    [3, 2],
  )
  const s = run(() => tf.scatterNd([[1], [1], [3]], [1, 2, 3], [5]))
  t.deepEqual(s.toArray(), [0, 3, 0, 3, 0])
  const i64 = run(() => tf.scatterNd(tf.constant([[0], [2]], 'int64'), tf.constant([7, 8], 'int32'), [3]))
  t.is(i64.dtype, 'int32')
  t.deepEqual(i64.toArray(), [7, 0, 8])
  t.throws(() => run(() => tf.scatterNd([[1], [7]], [1, 2], [5])), { instanceOf: errors.InvalidArgumentError })
})

test('oneHot: values, axis and dtype', (t) => {
  const v = run(() => tf.oneHot([0, 2, -1], 3))
  t.is(v.dtype, 'float32')
  t.deepEqual(v.toArray(), [
    [1, 0, 0],
    [0, 0, 1],
    [0, 0, 0],
  ])
  const w = run(() => tf.oneHot([0, 2], 3, { onValue: 5, offValue: -1, axis: 0, dtype: 'int32' }))
  t.deepEqual(w.toArray(), [
    [5, -1],
    [-1, -1],
    [-1, 5],
  ])
  const b = run(() => tf.oneHot([1], 2, { dtype: 'bool' }))
  t.deepEqual(b.toArray(), [[false, true]])
  t.throws(() => run(() => tf.oneHot([0], -1)), { instanceOf: errors.InvalidArgumentError })
})

test('where: coordinates with one argument, broadcasting selection with three', (t) => {
  const c = run(() =>
    tf.where([
      [true, false],
      [false, true],
    ]),
  )
  t.is(c.dtype, 'int64')
  t.deepEqual(c.toArray(), [
    [0n, 0n],
    [1n, 1n],
  ])
  // TF: where_v2([[True],[False]], [1,2,3], 0) = [[1,2,3],[0,0,0]].
  const s = run(() => tf.where([[true], [false]], tf.constant([1, 2, 3], 'int32'), 0))
  t.is(s.dtype, 'int32')
  t.deepEqual(s.toArray(), [
    [1, 2, 3],
    [0, 0, 0],
  ])
  new tf.Graph().asDefault(() => {
    t.is(tf.where([true], [1], [2]).op.type, 'SelectV2')
    t.is(tf.compat.v1.where([true], [1], [2]).op.type, 'Select')
    t.is(tf.compat.v1.where_v2([true], [1], [2]).op.type, 'SelectV2')
  })
  t.throws(() => tf.where([true], [1]), { instanceOf: errors.InvalidArgumentError })
})

test('select follows TF1 rules: a vector condition picks rows', (t) => {
  const v = run(() =>
    tf.select(
      [true, false],
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ),
  )
  t.deepEqual(v.toArray(), [
    [1, 2],
    [7, 8],
  ])
  t.throws(
    () =>
      run(() =>
        tf.select(
          [true, false, true],
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ),
      ),
    {
      instanceOf: errors.InvalidArgumentError,
    },
  )
})

test('fill, zeros, ones and the -like builders', (t) => {
  const f = run(() => tf.fill([2, 3], 7))
  t.deepEqual(f.shape, [2, 3])
  t.deepEqual(Array.from(f.data as Float32Array), [7, 7, 7, 7, 7, 7])
  new tf.Graph().asDefault(() => {
    const z = tf.zeros([2, 2], 'int32')
    t.is(z.op.type, 'Fill')
    t.is(z.dtype, 'int32')
    t.deepEqual(z.shape, [2, 2])
    t.is(tf.zerosLike(tf.placeholder('float32', [3])).op.type, 'ZerosLike')
  })
  t.deepEqual(run(() => tf.ones([3], 'bool')).toArray(), [true, true, true])
  t.deepEqual(run(() => tf.zeros([2], 'string')).toArray(), ['', ''])
  t.deepEqual(run(() => tf.onesLike(tf.constant([[1, 2]], 'int8'))).toArray(), [[1, 1]])
  t.deepEqual(run(() => tf.zerosLike(tf.constant([1.5, 2]), 'int64')).toArray(), [0n, 0n])
  const error = t.throws(() => run(() => tf.fill(tf.placeholderWithDefault(tf.constant([2, -3], 'int32'), [2]), 1)), {
    instanceOf: errors.InvalidArgumentError,
  })
  t.regex(error?.message ?? '', /Dimension -3 must be >= 0/)
})

test('shape, shapeN, size and rank', (t) => {
  new tf.Graph().asDefault((g) => {
    const p = tf.placeholder('float32', [null, 3])
    const s = tf.shape(p)
    t.is(s.dtype, 'int32')
    t.deepEqual(s.shape, [2])
    const [a, b] = tf.shapeN([p, tf.constant([1, 2])], { outType: 'int64' })
    t.is(a.dtype, 'int64')
    const sess = new tf.Session('', g)
    const feed = new Map([
      [
        p,
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
    ])
    t.deepEqual(sess.run(s, feed).toArray(), [2, 3])
    t.deepEqual(
      sess.run([a, b], feed).map((v) => v.toArray()),
      [[2n, 3n], [2n]],
    )
    t.is(sess.run(tf.size(p), feed).item(), 6)
    t.is(sess.run(tf.size(p, { outType: 'int64' }), feed).item(), 6n)
    t.is(sess.run(tf.rank(p), feed).item(), 2)
    sess.close()
  })
})

test('cast converts as TF does, and returns a tensor of the same dtype itself', (t) => {
  t.deepEqual(run(() => tf.cast([1.7, -1.7, 300], 'int8')).toArray(), [1, -1, 127])
  t.deepEqual(run(() => tf.cast([0, 0.5, Number.NaN], 'bool')).toArray(), [false, true, true])
  t.deepEqual(run(() => tf.cast(tf.constant([300, -129], 'int32'), 'int8')).toArray(), [44, 127])
  new tf.Graph().asDefault(() => {
    const x = tf.constant([1, 2])
    t.is(tf.cast(x, 'float32'), x)
    t.is(tf.cast(x, 'float16').op.type, 'Cast')
  })
  const error = t.throws(() => run(() => tf.cast(tf.constant(['a']), 'float32')), {
    instanceOf: errors.UnimplementedError,
  })
  t.is(error?.code, 12)
})

test('range infers its dtype and shuffles a lone argument into the limit', (t) => {
  const a = run(() => tf.range(5))
  t.is(a.dtype, 'int32')
  t.deepEqual(a.toArray(), [0, 1, 2, 3, 4])
  // TF: range(1., 2., 0.3) is [1, 1.3, 1.6, 1.9000001] in float32.
  const b = run(() => tf.range(1, 2, 0.3))
  t.is(b.dtype, 'float32')
  t.deepEqual(Array.from(b.data as Float32Array), [1, 1.3, 1.6, 1.9000001].map(Math.fround))
  t.deepEqual(run(() => tf.range(10, 1, -3, { dtype: 'int64' })).toArray(), [10n, 7n, 4n])
  t.is(run(() => tf.range(tf.constant(3, 'int64'))).dtype, 'int64')
  new tf.Graph().asDefault(() => {
    t.is(tf.range(3).op.name, 'range')
    t.deepEqual(tf.range(0, 10, 2).shape, [5])
  })
  const error = t.throws(() => run(() => tf.range(1, 10, tf.placeholderWithDefault(tf.constant(0, 'int32'), []))), {
    instanceOf: errors.InvalidArgumentError,
  })
  t.regex(error?.message ?? '', /Requires delta != 0/)
})

test('stopGradient and placeholderWithDefault', (t) => {
  t.deepEqual(run(() => tf.stopGradient([1, 2])).toArray(), [1, 2])
  new tf.Graph().asDefault((g) => {
    const p = tf.placeholderWithDefault(tf.constant([1, 2], 'int32'), [null])
    t.is(p.op.type, 'PlaceholderWithDefault')
    t.deepEqual(p.shape, [null])
    const sess = new tf.Session('', g)
    t.deepEqual(sess.run(p).toArray(), [1, 2])
    t.deepEqual(sess.run(p, new Map([[p, [7, 8, 9]]])).toArray(), [7, 8, 9])
    sess.close()
    t.is(tf.placeholderWithDefault(1, null).shape, null)
    t.throws(() => tf.placeholderWithDefault(tf.constant([1, 2, 3]), [2]), { instanceOf: errors.InvalidArgumentError })
  })
})

test('the builders are in tf.compat.v1 under their Python names', (t) => {
  const v1 = tf.compat.v1 as unknown as Record<string, unknown>
  for (const name of ['gather', 'gather_nd', 'scatter_nd', 'one_hot', 'fill', 'zeros_like', 'shape_n', 'cast']) {
    t.is(typeof v1[name], 'function', name)
  }
  t.is(v1.stop_gradient, tf.stopGradient)
  t.is(v1.placeholder_with_default, tf.placeholderWithDefault)
})
