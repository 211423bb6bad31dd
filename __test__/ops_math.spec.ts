// Elementwise math from TypeScript: builders, Tensor methods, dtypes, shapes and errors.
// Expected values were computed with TensorFlow 2.21 and written out.
import test from 'ava'
import tf, { type NDArray, type Operation, type Session, type Tensor, errors } from 'sessionflow'

function evalIn(build: () => Tensor): NDArray {
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

function assertClose(
  t: { true: (v: boolean, m?: string) => void },
  got: ArrayLike<number>,
  want: number[],
  tol = 1e-6,
): void {
  const g = Array.from(got)
  t.true(g.length === want.length, `length ${g.length} vs ${want.length}`)
  want.forEach((w, i) => {
    const ok = Number.isNaN(w) ? Number.isNaN(g[i]) : Math.abs(g[i] - w) <= tol * (1 + Math.abs(w))
    t.true(ok, `element ${i}: got ${g[i]}, expected ${w}`)
  })
}

const MATRIX = [
  [1, 2],
  [3, 4],
]

test('binary arithmetic broadcasts a row over a matrix', (t) => {
  const cases: [(a: Tensor, b: Tensor) => Tensor, string, number[][]][] = [
    [
      tf.add,
      'AddV2',
      [
        [11, 0],
        [13, 2],
      ],
    ],
    [
      tf.sub,
      'Sub',
      [
        [-9, 4],
        [-7, 6],
      ],
    ],
    [
      tf.mul,
      'Mul',
      [
        [10, -4],
        [30, -8],
      ],
    ],
    [
      tf.realdiv,
      'RealDiv',
      [
        [0.10000000149011612, -1],
        [0.30000001192092896, -2],
      ],
    ],
    [
      tf.pow,
      'Pow',
      [
        [1, 0.25],
        [59049, 0.0625],
      ],
    ],
    [
      tf.maximum,
      'Maximum',
      [
        [10, 2],
        [10, 4],
      ],
    ],
    [
      tf.minimum,
      'Minimum',
      [
        [1, -2],
        [3, -2],
      ],
    ],
    [
      tf.squaredDifference,
      'SquaredDifference',
      [
        [81, 16],
        [49, 36],
      ],
    ],
  ]
  for (const [fn, op, want] of cases) {
    const v = evalIn(() => {
      const out = fn(tf.constant(MATRIX), tf.constant([10, -2]))
      t.is(out.op.type, op)
      t.deepEqual(out.shape, [2, 2])
      return out
    })
    t.is(v.dtype, 'float32')
    t.deepEqual(v.toArray(), want, op)
  }
})

test('Tensor methods add, sub, mul, div and neg use the builders', (t) => {
  const v = evalIn(() => {
    const x = tf.constant([6, -3])
    return x.sub(1).mul(x).add(tf.constant(0.5)).neg()
  })
  // -(((6-1)*6) + 0.5), -(((-3-1)*-3) + 0.5)
  t.deepEqual(v.toArray(), [-30.5, -12.5])
  const d = evalIn(() => tf.constant([7, -7], 'int32').div(2))
  t.is(d.dtype, 'int32')
  t.deepEqual(d.toArray(), [3, -4])
  new tf.Graph().asDefault(() => {
    const x = tf.constant([1, 2])
    t.is(x.neg().op.type, 'Neg')
    t.is(x.sub(x).op.type, 'Sub')
    t.is(x.div(x).op.type, 'RealDiv')
  })
})

test('div follows tf.compat.v1.div: RealDiv for floats, FloorDiv for integers', (t) => {
  new tf.Graph().asDefault(() => {
    const f = tf.div(tf.constant([7, -7]), 2)
    t.is(f.op.type, 'RealDiv')
    t.is(f.op.name, 'div')
    const i = tf.div(tf.constant([7, -7], 'int32'), 2)
    t.is(i.op.type, 'FloorDiv')
    t.is(i.dtype, 'int32')
    t.is(tf.realdiv(1, 2).op.type, 'RealDiv')
  })
  t.deepEqual(evalIn(() => tf.div(tf.constant([7, -7]), 2)).toArray(), [3.5, -3.5])
  t.deepEqual(evalIn(() => tf.div(tf.constant([7, -7], 'int32'), 2)).toArray(), [3, -4])
})

test('divide is true division: RealDiv for floats, integers cast to float first', (t) => {
  const f = evalIn(() => {
    const out = tf.divide(tf.constant([7, -7], 'float64'), 2)
    t.is(out.op.type, 'RealDiv')
    t.is(out.op.name, 'truediv')
    return out
  })
  t.is(f.dtype, 'float64')
  t.deepEqual(f.toArray(), [3.5, -3.5])
  // Integers go through `Cast` (int32 → float64) first, as tf.divide does.
  const out = evalIn(() => tf.divide(tf.constant([7, -7], 'int32'), tf.constant([2, 2], 'int32')))
  t.is(out.dtype, 'float64')
  t.deepEqual(out.toArray(), [3.5, -3.5])
  t.throws(() => new tf.Graph().asDefault(() => tf.divide(tf.constant([true]), tf.constant([true]))), {
    instanceOf: errors.InvalidArgumentError,
  })
})

test('floordiv and floormod round toward -inf; the remainder has the divisor sign', (t) => {
  const x = tf.constant
  t.deepEqual(
    evalIn(() => tf.floordiv(x([7, -7, 7, -7], 'int32'), x([2, 2, -2, -2], 'int32'))).toArray(),
    [3, -4, -4, 3],
  )
  t.deepEqual(
    evalIn(() => tf.floormod(x([7, -7, 7, -7], 'int32'), x([3, 3, -3, -3], 'int32'))).toArray(),
    [1, 2, -2, -1],
  )
  t.deepEqual(evalIn(() => tf.floordiv(x([7.5, -7.5]), 2)).toArray(), [3, -4])
  t.deepEqual(evalIn(() => tf.mod(x([7.5, -7.5]), x([2, -2]))).toArray(), [1.5, -1.5])
  t.is(tf.compat.v1.floor_div, tf.floordiv)
  t.is(tf.compat.v1.mod, tf.floormod)
})

test('integer division by zero and negative integer powers are InvalidArgumentErrors at run time', (t) => {
  for (const build of [
    () => tf.floordiv(tf.constant([1, 2], 'int32'), tf.constant([1, 0], 'int32')),
    () => tf.floormod(tf.constant([1, 2], 'int64'), tf.constant([0n, 1n], 'int64')),
    () => tf.pow(tf.constant([2], 'int32'), tf.constant([-1], 'int32')),
  ]) {
    const error = t.throws(() => evalIn(build), { instanceOf: errors.InvalidArgumentError })
    t.is(error?.code, 3)
    t.regex(error?.message ?? '', /Integer division by zero|Integers to negative integer powers are not allowed/)
  }
})

test('the Div op truncates integers toward zero', (t) => {
  // No TF Python function emits `Div` (imported GraphDefs do), so the node is added directly
  // through the graph's internal addOperation.
  type AddOperation = { addOperation(spec: { op: string; name: string; inputs: Tensor[] }): Operation }
  const v = new tf.Graph().asDefault((g) => {
    const x = tf.constant([7, -7], 'int32')
    const y = tf.constant([2, 2], 'int32')
    const op = (g as unknown as AddOperation).addOperation({ op: 'Div', name: 'Div', inputs: [x, y] })
    const sess = new tf.Session('', g)
    try {
      return sess.run(op.outputs[0])
    } finally {
      sess.close()
    }
  })
  t.deepEqual(v.toArray(), [3, -3])
})

test('integers wrap on overflow; int64 values are bigints', (t) => {
  t.deepEqual(
    evalIn(() => tf.add(tf.constant([127, -128], 'int8'), tf.constant([1, -1], 'int8'))).toArray(),
    [-128, 127],
  )
  t.deepEqual(evalIn(() => tf.neg(tf.constant([-128], 'int8'))).toArray(), [-128])
  t.deepEqual(evalIn(() => tf.sub(tf.constant([0], 'uint8'), 1)).toArray(), [255])
  const big = evalIn(() => tf.add(tf.constant([2n ** 40n]), tf.constant([-(2n ** 41n)])))
  t.is(big.dtype, 'int64')
  t.deepEqual(big.toArray(), [-1099511627776n])
})

test('comparisons give bools with broadcasting', (t) => {
  const x = [1, 2, 3]
  const cases: [(a: Tensor, b: number) => Tensor, boolean[]][] = [
    [tf.equal, [false, true, false]],
    [tf.notEqual, [true, false, true]],
    [tf.less, [true, false, false]],
    [tf.lessEqual, [true, true, false]],
    [tf.greater, [false, false, true]],
    [tf.greaterEqual, [false, true, true]],
  ]
  for (const [fn, want] of cases) {
    const v = evalIn(() => fn(tf.constant(x, 'int32'), 2))
    t.is(v.dtype, 'bool')
    t.deepEqual(v.toArray(), want)
  }
  t.deepEqual(evalIn(() => tf.equal(tf.constant([NaN, 0]), tf.constant([NaN, -0]))).toArray(), [false, true])
  const m = evalIn(() => tf.less(tf.constant([[1], [3]]), tf.constant([2, 4])))
  t.deepEqual(m.shape, [2, 2])
  t.deepEqual(m.toArray(), [
    [true, true],
    [false, true],
  ])
})

test('logical ops on bools', (t) => {
  const a = [true, true, false, false]
  const b = [true, false, true, false]
  t.deepEqual(evalIn(() => tf.logicalAnd(tf.constant(a), tf.constant(b))).toArray(), [true, false, false, false])
  t.deepEqual(evalIn(() => tf.logicalOr(tf.constant(a), tf.constant(b))).toArray(), [true, true, true, false])
  t.deepEqual(evalIn(() => tf.logicalNot(tf.constant(a))).toArray(), [false, false, true, true])
  t.throws(() => new tf.Graph().asDefault(() => tf.logicalAnd(tf.constant([1]), tf.constant([0]))), {
    instanceOf: errors.InvalidArgumentError,
  })
})

test('unary functions of float32 match TensorFlow', (t) => {
  const x = [0.5, -1.5, 2.5, 4]
  const cases: [(v: Tensor) => Tensor, number[]][] = [
    [tf.neg, [-0.5, 1.5, -2.5, -4]],
    [tf.abs, [0.5, 1.5, 2.5, 4]],
    [tf.sign, [1, -1, 1, 1]],
    [tf.square, [0.25, 2.25, 6.25, 16]],
    [tf.sqrt, [0.7071067690849304, NaN, 1.5811388492584229, 2]],
    [tf.rsqrt, [1.4142135381698608, NaN, 0.6324555277824402, 0.5]],
    [tf.reciprocal, [2, -0.6666666865348816, 0.4000000059604645, 0.25]],
    [tf.exp, [1.6487212181091309, 0.22313016653060913, 12.182494163513184, 54.598148345947266]],
    [tf.expm1, [0.6487212777137756, -0.7768698334693909, 11.182494163513184, 53.59815216064453]],
    [tf.log, [-0.6931471824645996, NaN, 0.9162907600402832, 1.3862943649291992]],
    [tf.log1p, [0.40546509623527527, NaN, 1.252763032913208, 1.6094379425048828]],
    [tf.sin, [0.4794255495071411, -0.9974949955940247, 0.5984721183776855, -0.756802499294281]],
    [tf.cos, [0.8775825500488281, 0.07073719799518585, -0.8011435866355896, -0.6536436080932617]],
    [tf.tan, [0.5463024973869324, -14.101420402526855, -0.7470223307609558, 1.1578212976455688]],
    [tf.tanh, [0.46211713552474976, -0.9051483273506165, 0.9866143465042114, 0.9993292689323425]],
    [tf.sigmoid, [0.622459352016449, 0.18242551386356354, 0.9241418242454529, 0.9820137619972229]],
    [tf.erf, [0.5204998850822449, -0.9661051034927368, 0.9995929598808289, 1]],
    [tf.floor, [0, -2, 2, 4]],
    [tf.ceil, [1, -1, 3, 4]],
    [tf.round, [0, -2, 2, 4]],
  ]
  for (const [fn, want] of cases) {
    const v = evalIn(() => fn(tf.constant(x)))
    t.is(v.dtype, 'float32')
    t.deepEqual(v.shape, [4])
    assertClose(t, v.data as Float32Array, want)
  }
})

test('unary functions keep the dtype; float16 is computed through float32', (t) => {
  const h = evalIn(() => tf.sigmoid(tf.constant([0, 1, -1], 'float16')))
  t.is(h.dtype, 'float16')
  // TensorFlow gives 0.268798828125 for sigmoid(-1) (it rounds intermediate steps to float16);
  // the correctly rounded float16 of 0.26894… is 0.26904296875, which is what we give.
  assertClose(t, h.toArray() as number[], [0.5, 0.73095703125, 0.268798828125], 1e-3)
  const d = evalIn(() => tf.exp(tf.constant([1], 'float64')))
  t.is(d.dtype, 'float64')
  t.is(d.item(), 2.718281828459045)
  // Round halves to even; integers are returned as they are.
  t.deepEqual(evalIn(() => tf.round(tf.constant([0.5, 1.5, 2.5, -2.5]))).toArray(), [0, 2, 2, -2])
  new tf.Graph().asDefault(() => {
    const i = tf.constant([1, 2], 'int32')
    t.is(tf.round(i), i)
  })
})

test('dtypes without a kernel are rejected when the node is built', (t) => {
  new tf.Graph().asDefault(() => {
    const ints = tf.constant([4], 'int32')
    for (const build of [
      () => tf.sqrt(ints),
      () => tf.exp(ints),
      () => tf.realdiv(ints, ints),
      () => tf.neg(tf.constant([1], 'uint8')),
      () => tf.add(tf.constant([true]), tf.constant([false])),
    ]) {
      const error = t.throws(build, { instanceOf: errors.InvalidArgumentError })
      t.regex(error?.message ?? '', /not in the list of allowed values/)
    }
  })
})

test('addN sums same-shaped tensors', (t) => {
  const v = evalIn(() => tf.addN([tf.constant([1, 2], 'int32'), tf.constant([3, 4], 'int32'), [10, 20]]))
  t.is(v.dtype, 'int32')
  t.deepEqual(v.toArray(), [14, 26])
  new tf.Graph().asDefault(() => {
    const x = tf.constant([1, 2])
    t.is(tf.addN([x]), x)
    t.is(tf.addN([x], 'named').op.type, 'Identity')
    t.is(tf.addN([x, x]).op.type, 'AddN')
    t.throws(() => tf.addN([]), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.addN([x, tf.constant([1, 2, 3])]), { instanceOf: errors.InvalidArgumentError })
  })
})

test('static shapes broadcast, incompatible shapes fail at build time', (t) => {
  new tf.Graph().asDefault(() => {
    const p = tf.placeholder('float32', [null, 3])
    t.deepEqual(tf.add(p, tf.constant([[1], [2], [3], [4]])).shape, [4, 3])
    t.deepEqual(tf.greater(p, 0).shape, [null, 3])
    t.deepEqual(tf.exp(p).shape, [null, 3])
    const error = t.throws(() => tf.mul(tf.constant([[1, 2, 3]]), tf.constant([1, 2])), {
      instanceOf: errors.InvalidArgumentError,
    })
    t.regex(error?.message ?? '', /Dimensions must be equal, but are 3 and 2/)
  })
})

test('the TF1 names are in tf.compat.v1', (t) => {
  const v1 = tf.compat.v1
  t.is(v1.subtract, tf.sub)
  t.is(v1.multiply, tf.mul)
  t.is(v1.negative, tf.neg)
  t.is(v1.div, tf.div)
  t.is(v1.divide, tf.divide)
  t.is(v1.realdiv, tf.realdiv)
  t.is(v1.floordiv, tf.floordiv)
  t.is(v1.floormod, tf.floormod)
  t.is(v1.squared_difference, tf.squaredDifference)
  t.is(v1.add_n, tf.addN)
  t.is(v1.not_equal, tf.notEqual)
  t.is(v1.less_equal, tf.lessEqual)
  t.is(v1.greater_equal, tf.greaterEqual)
  t.is(v1.logical_and, tf.logicalAnd)
  t.is(v1.logical_or, tf.logicalOr)
  t.is(v1.logical_not, tf.logicalNot)
  t.is(v1.reciprocal, tf.reciprocal)
})
