// Op builders: constants of each dtype, arithmetic, matmul, placeholders. Values worked out by hand.
import test from 'ava'
import tf, { type DType, type Session, type Tensor } from 'sessionflow'

function evalIn(build: () => Tensor): ReturnType<Tensor['eval']> {
  return new tf.Graph().asDefault((graph) => {
    const out = build()
    const sess: Session = new tf.Session('', graph)
    try {
      return sess.run(out)
    } finally {
      sess.close()
    }
  })
}

test('numbers make float32 constants; nested arrays give the shape', (t) => {
  const v = evalIn(() =>
    tf.constant([
      [1, 2, 3],
      [4, 5, 6],
    ]),
  )
  t.is(v.dtype, 'float32')
  t.deepEqual(v.shape, [2, 3])
  t.true(v.data instanceof Float32Array)
  t.deepEqual(Array.from(v.data as Float32Array), [1, 2, 3, 4, 5, 6])
})

test('constants keep their static dtype and shape on the tensor', (t) => {
  new tf.Graph().asDefault(() => {
    const c = tf.constant([[1, 2]], { dtype: 'int32', name: 'k' })
    t.is(c.dtype, 'int32')
    t.deepEqual(c.shape, [1, 2])
    t.is(c.name, 'k:0')
    t.is(c.op.type, 'Const')
    t.is(c.op.name, 'k')
    t.is(String(c), 'Tensor("k:0", shape=(1, 2), dtype=int32)')
  })
})

test('booleans make bool constants', (t) => {
  const v = evalIn(() => tf.constant([true, false, true]))
  t.is(v.dtype, 'bool')
  t.true(v.data instanceof Uint8Array)
  t.deepEqual(Array.from(v.data as Uint8Array), [1, 0, 1])
  t.deepEqual(v.toArray(), [true, false, true])
})

test('TypedArrays give their own dtype', (t) => {
  const cases: [ArrayLike<number | bigint>, DType, string][] = [
    [new Float32Array([1.5]), 'float32', 'Float32Array'],
    [new Float64Array([1.5]), 'float64', 'Float64Array'],
    [new Int32Array([-7]), 'int32', 'Int32Array'],
    [new Int16Array([-7]), 'int16', 'Int16Array'],
    [new Int8Array([-7]), 'int8', 'Int8Array'],
    [new Uint8Array([200]), 'uint8', 'Uint8Array'],
    [new BigInt64Array([-(2n ** 40n)]), 'int64', 'BigInt64Array'],
  ]
  for (const [array, dtype, arrayType] of cases) {
    const v = evalIn(() => tf.constant(array as Parameters<typeof tf.constant>[0]))
    t.is(v.dtype, dtype)
    t.deepEqual(v.shape, [1])
    t.is(v.data.constructor.name, arrayType)
    t.is(v.data[0], array[0])
  }
})

test('int64 elements are bigints', (t) => {
  const v = evalIn(() => tf.constant([1n, -2n]))
  t.is(v.dtype, 'int64')
  t.deepEqual(v.toArray(), [1n, -2n])
  t.is(String(v), '[ 1 -2]')
})

test('float16 constants hold raw bits and decode to numbers', (t) => {
  const v = evalIn(() => tf.constant([1.5, -2, 65504], 'float16'))
  t.is(v.dtype, 'float16')
  t.true(v.data instanceof Uint16Array)
  // 1.5 = 0 01111 1000000000; -2 = 1 10000 0000000000; 65504 = 0 11110 1111111111
  t.deepEqual(Array.from(v.data as Uint16Array), [0x3e00, 0xc000, 0x7bff])
  t.deepEqual(v.toArray(), [1.5, -2, 65504])
})

test('float16 conversion rounds to nearest, ties to even, and overflows to infinity', (t) => {
  // 1/3: mantissa 1/3·4 = 1.3333 → 341.33/1024 → 341 (0x155), exponent -2 (biased 13): 0x3555
  // 2049: between 2048 (0x6800) and 2050 (0x6801), a tie → even mantissa → 2048
  // 2051: between 2050 and 2052 (0x6802), a tie → even → 2052; 65520 rounds past 65504 → inf
  const v = evalIn(() => tf.constant([1 / 3, 2049, 2051, 65520, -0], 'float16'))
  t.deepEqual(Array.from(v.data as Uint16Array), [0x3555, 0x6800, 0x6802, 0x7c00, 0x8000])
})

test('bfloat16 constants hold the top half of the float32 bits', (t) => {
  const v = evalIn(() => tf.constant([1, -0.5], { dtype: 'bfloat16' }))
  // 1.0f = 0x3f800000, -0.5f = 0xbf000000
  t.deepEqual(Array.from(v.data as Uint16Array), [0x3f80, 0xbf00])
  t.deepEqual(v.toArray(), [1, -0.5])
})

test('shape reshapes a value of the same size, or fills with a single value', (t) => {
  const reshaped = evalIn(() => tf.constant([1, 2, 3, 4, 5, 6], { shape: [3, 2] }))
  t.deepEqual(reshaped.toArray(), [
    [1, 2],
    [3, 4],
    [5, 6],
  ])
  const filled = evalIn(() => tf.constant(7, { shape: [2, 3], dtype: 'int32' }))
  t.deepEqual(filled.shape, [2, 3])
  t.deepEqual(Array.from(filled.data as Int32Array), [7, 7, 7, 7, 7, 7])
})

test('int32 add stays int32', (t) => {
  const v = evalIn(() => tf.add(tf.constant([1, 2, 3], 'int32'), tf.constant([10, 20, 30], 'int32')))
  t.is(v.dtype, 'int32')
  t.deepEqual(Array.from(v.data as Int32Array), [11, 22, 33])
})

test('add broadcasts a scalar over a matrix', (t) => {
  const v = evalIn(() =>
    tf.add(
      tf.constant(10),
      tf.constant([
        [1, 2],
        [3, 4],
      ]),
    ),
  )
  t.deepEqual(v.shape, [2, 2])
  t.deepEqual(v.toArray(), [
    [11, 12],
    [13, 14],
  ])
})

test('add broadcasts a row against a column', (t) => {
  const v = evalIn(() => tf.constant([1, 2]).add(tf.constant([[10], [20]])))
  t.deepEqual(v.toArray(), [
    [11, 12],
    [21, 22],
  ])
})

test('plain numbers and arrays in binary ops become constants of the other dtype', (t) => {
  new tf.Graph().asDefault(() => {
    const x = tf.constant([1, 2], 'int32')
    const y = tf.mul(x, 3)
    t.is(y.dtype, 'int32')
    const z = tf.add([100, 200], x)
    t.is(z.dtype, 'int32')
    t.is(y.op.type, 'Mul')
    t.is(z.op.type, 'AddV2')
    t.is(y.op.inputs[0], x)
    t.is(y.op.inputs[1]?.dtype, 'int32')
  })
  t.deepEqual(evalIn(() => tf.mul(tf.constant([1, 2], 'int32'), 3)).toArray(), [3, 6])
  t.deepEqual(evalIn(() => tf.add([100, 200], tf.constant([1, 2], 'int32'))).toArray(), [101, 202])
})

test('matmul with and without transposes', (t) => {
  const A = [
    [1, 2, 3],
    [4, 5, 6],
  ]
  const B = [
    [7, 8, 9],
    [10, 11, 12],
  ]
  const C = [
    [1, 0],
    [0, 1],
    [1, 1],
  ]
  // A · C = [[1+3, 2+3], [4+6, 5+6]]
  t.deepEqual(evalIn(() => tf.matmul(tf.constant(A), tf.constant(C))).toArray(), [
    [4, 5],
    [10, 11],
  ])
  // A · Bᵀ = [[1*7+2*8+3*9, 1*10+2*11+3*12], [4*7+5*8+6*9, 4*10+5*11+6*12]]
  const abt = evalIn(() => tf.matmul(tf.constant(A), tf.constant(B), { transposeB: true }))
  t.deepEqual(abt.shape, [2, 2])
  t.deepEqual(abt.toArray(), [
    [50, 68],
    [122, 167],
  ])
  // Aᵀ · B: rows of Aᵀ are [1,4], [2,5], [3,6]
  t.deepEqual(evalIn(() => tf.matmul(tf.constant(A), tf.constant(B), { transposeA: true })).toArray(), [
    [47, 52, 57],
    [64, 71, 78],
    [81, 90, 99],
  ])
  // Aᵀ · Cᵀ with Cᵀ = [[1,0,1],[0,1,1]]
  const both = evalIn(() => tf.constant(A).matmul(tf.constant(C), { transposeA: true, transposeB: true }))
  t.deepEqual(both.toArray(), [
    [1, 4, 5],
    [2, 5, 7],
    [3, 6, 9],
  ])
})

test('matmul sets TF attrs and infers the static shape', (t) => {
  new tf.Graph().asDefault(() => {
    const p = tf.placeholder('float32', [null, 3])
    const m = tf.matmul(p, tf.constant([[1], [2], [3]]), { name: 'proj' })
    t.is(m.op.type, 'MatMul')
    t.is(m.op.name, 'proj')
    t.deepEqual(m.shape, [null, 1])
  })
})

test('identity passes its input through; names are made unique TF-style', (t) => {
  new tf.Graph().asDefault((g) => {
    const a = tf.constant(1, { name: 'a' })
    const b = tf.constant(2, { name: 'a' })
    t.is(a.op.name, 'a')
    t.is(b.op.name, 'a_1')
    const i = tf.identity(a)
    t.is(i.op.type, 'Identity')
    const sess = new tf.Session('', g)
    t.is(sess.run(i).item(), 1)
    sess.close()
  })
})

test('noOp is an Operation with no outputs', (t) => {
  new tf.Graph().asDefault(() => {
    const op = tf.noOp('group')
    t.is(op.type, 'NoOp')
    t.is(op.name, 'group')
    t.deepEqual(op.outputs, [])
    t.is(String(op), "<tf.Operation 'group' type=NoOp>")
  })
})

test('identityN passes a list of tensors of different dtypes through one node', (t) => {
  new tf.Graph().asDefault((g) => {
    const [a, b] = tf.identityN([tf.constant([1, 2]), tf.constant(true)], 'both')
    t.is(a.op, b.op)
    t.is(a.op.type, 'IdentityN')
    t.deepEqual([a.dtype, b.dtype], ['float32', 'bool'])
    tf.withSession(
      (sess) => {
        const [va, vb] = sess.run([a, b])
        t.deepEqual(va.toArray(), [1, 2])
        t.is(vb.item(), true)
      },
      { graph: g },
    )
    t.is(tf.compat.v1.identity_n, tf.identityN)
  })
})
