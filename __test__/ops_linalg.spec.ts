// matmul from TypeScript: rank-2 MatMul and batched BatchMatMulV2 (values from TensorFlow 2.21).
import test from 'ava'
import tf, { type NDArray, type Tensor, errors } from 'sessionflow'

function evalIn(build: () => Tensor): NDArray {
  return new tf.Graph().asDefault((graph) => {
    const sess = new tf.Session('', graph)
    try {
      return sess.run(build())
    } finally {
      sess.close()
    }
  })
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

test('rank > 2 operands use BatchMatMulV2 and broadcast the batch', (t) => {
  const v = evalIn(() => {
    const x = tf.constant(range(12), { shape: [2, 2, 3] })
    const m = tf.matmul(x, tf.constant(range(6), { shape: [3, 2] }))
    t.is(m.op.type, 'BatchMatMulV2')
    t.is(m.op.name, 'MatMul')
    t.deepEqual(m.shape, [2, 2, 2])
    return m
  })
  t.deepEqual(v.toArray(), [
    [
      [10, 13],
      [28, 40],
    ],
    [
      [46, 67],
      [64, 94],
    ],
  ])
  const b = evalIn(() =>
    tf.matmul(tf.constant(range(6), { shape: [2, 1, 1, 3] }), tf.constant(range(18), { shape: [3, 3, 2] })),
  )
  t.deepEqual(b.shape, [2, 3, 1, 2])
  t.deepEqual(Array.from(b.data as Float32Array), [10, 13, 28, 31, 46, 49, 28, 40, 100, 112, 172, 184])
})

test('transposes and adjoints become adj_x / adj_y', (t) => {
  const v = evalIn(() => {
    const m = tf.matmul(tf.constant(range(6), { shape: [1, 3, 2] }), tf.constant(range(6), { shape: [1, 2, 3] }), {
      transposeA: true,
      adjointB: true,
    })
    t.is(m.op.type, 'BatchMatMulV2')
    return m
  })
  t.deepEqual(v.toArray(), [
    [
      [10, 28],
      [13, 40],
    ],
  ])
  // On matrices adjoint is transpose: A · Aᵀ.
  const a = [
    [1, 2],
    [3, 4],
    [5, 6],
  ]
  t.deepEqual(evalIn(() => tf.matmul(a, a, { adjointB: true })).toArray(), [
    [5, 11, 17],
    [11, 25, 39],
    [17, 39, 61],
  ])
  t.throws(() => tf.matmul(a, a, { transposeA: true, adjointA: true }), { instanceOf: errors.InvalidArgumentError })
})

test('unknown ranks use BatchMatMulV2; rank 2 keeps MatMul', (t) => {
  new tf.Graph().asDefault(() => {
    const p = tf.placeholder('float32')
    const m = tf.matmul(p, tf.constant([[1], [2]]))
    t.is(m.op.type, 'BatchMatMulV2')
    t.is(m.shape, null)
    t.is(tf.matmul([[1, 2]], [[3], [4]]).op.type, 'MatMul')
  })
})

test('incompatible shapes are InvalidArgumentErrors', (t) => {
  new tf.Graph().asDefault(() => {
    const x = tf.constant(0, { shape: [2, 2, 3] })
    const error = t.throws(() => tf.matmul(x, tf.constant(0, { shape: [3, 3, 2] })), {
      instanceOf: errors.InvalidArgumentError,
    })
    t.regex(error?.message ?? '', /Dimensions must be equal, but are 2 and 3/)
    t.throws(() => tf.matmul(x, tf.constant(0, { shape: [2, 2] })), { instanceOf: errors.InvalidArgumentError })
  })
})
