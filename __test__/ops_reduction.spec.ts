// Reductions, arg-extrema, cumsum and top-k from TypeScript: values (from TensorFlow 2.21 or by
// hand), static shapes, dtypes, default names and error classes.
import test from 'ava'
import tf, { type NDArray, type Tensor, errors } from 'sessionflow'

function evalIn<T extends Tensor | Tensor[]>(build: () => T): T extends Tensor ? NDArray : NDArray[] {
  return new tf.Graph().asDefault((graph) => {
    const sess = new tf.Session('', graph)
    try {
      return sess.run(build()) as T extends Tensor ? NDArray : NDArray[]
    } finally {
      sess.close()
    }
  })
}

const X = [
  [1, 2, 3],
  [4, 5, 6],
]

test('reduceSum over one axis, all axes, negative axes and with keepDims', (t) => {
  t.deepEqual(evalIn(() => tf.reduceSum(X, 0)).toArray(), [5, 7, 9])
  t.deepEqual(evalIn(() => tf.reduceSum(X, -1)).toArray(), [6, 15])
  t.is(evalIn(() => tf.reduceSum(X)).item(), 21)
  t.deepEqual(evalIn(() => tf.reduceSum(X, [1], { keepDims: true })).toArray(), [[6], [15]])
  t.deepEqual(evalIn(() => tf.reduceSum(X, [], { keepDims: true })).toArray(), X)
  const all = evalIn(() => tf.reduceSum(X, null, { keepDims: true }))
  t.deepEqual(all.shape, [1, 1])
})

test('the reductions by name, on int32', (t) => {
  const x = () => tf.constant(X, 'int32')
  t.deepEqual(evalIn(() => tf.reduceMean(x(), 1)).toArray(), [2, 5])
  t.deepEqual(evalIn(() => tf.reduceMax(x(), 0)).toArray(), [4, 5, 6])
  t.deepEqual(evalIn(() => tf.reduceMin(x(), 0)).toArray(), [1, 2, 3])
  t.deepEqual(evalIn(() => tf.reduceProd(x(), 1)).toArray(), [6, 120])
  const v = evalIn(() => tf.reduceMean(tf.constant([1, 2, -1, -2, -3, 0], 'int32')))
  t.is(v.dtype, 'int32')
  t.is(v.item(), 0)
})

test('reduceAll and reduceAny on bools', (t) => {
  const b = [
    [true, false, true],
    [true, true, true],
  ]
  t.deepEqual(evalIn(() => tf.reduceAll(b, 1)).toArray(), [false, true])
  t.deepEqual(evalIn(() => tf.reduceAny(b, 0)).toArray(), [true, true, true])
  t.is(evalIn(() => tf.reduceAll(b)).item(), false)
})

test('reductions of nothing give the identity; NaN propagates through max', (t) => {
  t.deepEqual(evalIn(() => tf.reduceSum(tf.constant(0, { shape: [0, 3] }), 0)).toArray(), [0, 0, 0])
  t.true(Number.isNaN(evalIn(() => tf.reduceMean(tf.constant(0, { shape: [0] }))).item() as number))
  t.is(evalIn(() => tf.reduceMax(tf.constant(0, { shape: [0] }))).item(), -Infinity)
  t.true(Number.isNaN(evalIn(() => tf.reduceMax([1, NaN, 3])).item() as number))
})

test('static shapes, op types, names and axis dtypes', (t) => {
  new tf.Graph().asDefault(() => {
    const p = tf.placeholder('float32', [null, 3, 4])
    const s = tf.reduceSum(p, [1, -1])
    t.is(s.op.type, 'Sum')
    t.is(s.op.name, 'Sum')
    t.deepEqual(s.shape, [null])
    t.deepEqual(tf.reduceMean(p, 1, { keepDims: true, name: 'm' }).shape, [null, 1, 4])
    t.is(tf.reduceMean(p, 1, { name: 'm' }).op.name, 'm_1')
    t.deepEqual(tf.reduceMax(p).shape, [])
    t.is(s.op.inputs[1]?.dtype, 'int32')
    const axis64 = tf.constant([0n])
    t.is(tf.reduceMin(p, axis64).op.inputs[1]?.dtype, 'int64')
  })
})

test('Python names under tf.compat.v1', (t) => {
  const v1 = tf.compat.v1
  t.is(v1.reduce_sum, tf.reduceSum)
  t.is(v1.reduce_mean, tf.reduceMean)
  t.is(v1.reduce_max, tf.reduceMax)
  t.is(v1.reduce_min, tf.reduceMin)
  t.is(v1.reduce_prod, tf.reduceProd)
  t.is(v1.reduce_all, tf.reduceAll)
  t.is(v1.reduce_any, tf.reduceAny)
  t.is(v1.argmax, tf.argMax)
  t.is(v1.arg_max, tf.argMax)
  t.is(v1.argmin, tf.argMin)
  t.is(v1.cumsum, tf.cumsum)
  t.is(v1.nn.top_k, tf.nn.topK)
})

test('bad axes are InvalidArgumentErrors, at build time when static', (t) => {
  new tf.Graph().asDefault(() => {
    const error = t.throws(() => tf.reduceSum(X, 2), { instanceOf: errors.InvalidArgumentError })
    t.regex(error?.message ?? '', /Invalid reduction dimension 2 for input with 2 dimensions/)
    t.is(error?.code, 3)
  })
  new tf.Graph().asDefault((g) => {
    const axes = tf.placeholder('int32', [null])
    const s = tf.reduceSum(X, axes)
    const sess = new tf.Session('', g)
    const error = t.throws(() => sess.run(s, new Map([[axes, [1, -1]]])), { instanceOf: errors.InvalidArgumentError })
    t.regex(error?.message ?? '', /Axes contains duplicate dimension: 1/)
    sess.close()
  })
})

test('argMax and argMin: first index on ties, int64 by default', (t) => {
  const x = [
    [3, 1, 4, 1],
    [5, 9, 2, 6],
    [5, 3, 5, 9],
  ]
  const a = evalIn(() => tf.argMax(x, 0))
  t.is(a.dtype, 'int64')
  t.deepEqual(a.toArray(), [1n, 1n, 2n, 2n])
  t.deepEqual(evalIn(() => tf.argMax(x, 1, { outputType: 'int32' })).toArray(), [2, 1, 3])
  t.deepEqual(evalIn(() => tf.argMin(x, -1, { outputType: 'int32' })).toArray(), [1, 2, 1])
  t.is(evalIn(() => tf.argMax([1, NaN, 3])).item(), 2n)
  new tf.Graph().asDefault(() => {
    const m = tf.argMax(tf.placeholder('float32', [2, null, 4]), 1)
    t.is(m.op.type, 'ArgMax')
    t.deepEqual(m.shape, [2, 4])
  })
  new tf.Graph().asDefault((g) => {
    const p = tf.placeholder('float32')
    const m = tf.argMax(p, 0)
    const sess = new tf.Session('', g)
    const empty = new tf.NDArray('float32', [0, 3], new Float32Array(0))
    const error = t.throws(() => sess.run(m, new Map([[p, empty]])), { instanceOf: errors.InvalidArgumentError })
    t.regex(error?.message ?? '', /Reduction axis 0 is empty in shape \[0,3\]/)
    sess.close()
  })
})

test('cumsum: inclusive, exclusive, reversed', (t) => {
  t.deepEqual(evalIn(() => tf.cumsum([1, 2, 3])).toArray(), [1, 3, 6])
  t.deepEqual(evalIn(() => tf.cumsum([1, 2, 3], 0, { exclusive: true })).toArray(), [0, 1, 3])
  t.deepEqual(evalIn(() => tf.cumsum(X, 1, { exclusive: true, reverse: true })).toArray(), [
    [5, 3, 0],
    [11, 6, 0],
  ])
  const error = t.throws(() => evalIn(() => tf.cumsum(X, 2)), { instanceOf: errors.InvalidArgumentError })
  t.regex(error?.message ?? '', /ScanOp: Expected scan axis in the range \[-2, 2\), but got 2/)
})

test('topK: values and int32 indices, as a pair and by name', (t) => {
  const [values, indices] = evalIn(() => {
    const r = tf.nn.topK(
      tf.constant(
        [
          [1, 5, 3, 5, 2, 9, 0, 5],
          [4, 4, 4, 4, 4, 4, 4, 4],
        ],
        'int32',
      ),
      3,
    )
    const [v, i] = r
    t.is(r.values, v)
    t.is(r.indices, i)
    t.deepEqual(r.values.shape, [2, 3])
    t.is(r.values.op.type, 'TopKV2')
    return [r.values, r.indices]
  })
  t.deepEqual(values?.toArray(), [
    [9, 5, 5],
    [4, 4, 4],
  ])
  t.is(indices?.dtype, 'int32')
  t.deepEqual(indices?.toArray(), [
    [5, 1, 3],
    [0, 1, 2],
  ])
  const [top] = evalIn(() => [...tf.nn.topK([0.5, 2, 1])].slice(0, 1))
  t.deepEqual(top?.toArray(), [2])
  new tf.Graph().asDefault(() => {
    t.throws(() => tf.nn.topK([1, 2], 3), { instanceOf: errors.InvalidArgumentError })
  })
})
