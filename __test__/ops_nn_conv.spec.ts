// tf.nn convolutions, pooling and batch normalisation. Expected values computed with TensorFlow 2.21.
import test from 'ava'
import tf, { errors, type NDArray, type Session, type Tensor } from 'sessionflow'

/** Runs `build`'s fetches in a fresh graph and session. */
function evalIn<T extends Tensor | Tensor[]>(build: () => T): T extends Tensor ? NDArray : NDArray[] {
  return new tf.Graph().asDefault((graph) => {
    const out = build()
    const sess: Session = new tf.Session('', graph)
    try {
      return sess.run(out as Tensor) as never
    } finally {
      sess.close()
    }
  })
}

/** `((i·a) mod m − ⌊m/2⌋)·scale` for i < n, as the Rust op tests use. */
function ramp(n: number, a: number, m: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i * a) % m) - Math.floor(m / 2)) * scale)
}

type NestedNumbers = number[] | NestedNumbers[]

/** `flat` as nested arrays of `shape`. */
function nest(flat: number[], shape: number[]): NestedNumbers {
  if (shape.length === 1) return flat
  const step = flat.length / shape[0]
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)))
}

function close(t: { true: (c: boolean, m?: string) => void }, got: ArrayLike<number>, want: number[], tol = 1e-5) {
  t.true(got.length === want.length, `length ${got.length} vs ${want.length}`)
  want.forEach((w, i) => t.true(Math.abs(got[i] - w) <= tol * (1 + Math.abs(w)), `[${i}] ${got[i]} vs ${w}`))
}

test('conv2d: a scalar stride, SAME padding with the extra row after', (t) => {
  const v = evalIn(() => {
    const x = tf.constant(
      Float32Array.from({ length: 16 }, (_, i) => i - 8),
      { shape: [1, 4, 4, 1] },
    )
    const f = tf.constant(
      Float32Array.from({ length: 9 }, (_, i) => i - 4),
      { shape: [3, 3, 1, 1] },
    )
    const y = tf.nn.conv2d(x, f, 2, 'SAME')
    t.deepEqual(y.shape, [1, 2, 2, 1])
    t.is(y.op.type, 'Conv2D')
    return y
  })
  t.is(v.dtype, 'float32')
  t.deepEqual(Array.from(v.data as Float32Array), [78, 54, -5, -23])
})

test('conv2d: explicit padding, a stride pair, NCHW equal to NHWC transposed', (t) => {
  const x = ramp(24, 7, 11, 0.5)
  const f = ramp(24, 3, 5, 0.5)
  const nhwc = [2.0, -0.25, 3.5, -4.25, 0.75, 1.0, -2.25, 1.0, 3.0, -5.0, 1.5, -2.5, -3.0, 2.0, -0.5, -1.5, -1.25, 0.0]
  const v = evalIn(() =>
    tf.nn.conv2d(
      tf.constant(x, { shape: [1, 3, 4, 2] }),
      tf.constant(f, { shape: [2, 3, 2, 2] }),
      [1, 2],
      [
        [0, 0],
        [1, 0],
        [2, 1],
        [0, 0],
      ],
    ),
  )
  t.deepEqual(v.shape, [1, 3, 3, 2])
  close(t, v.data as Float32Array, nhwc)
  const w = evalIn(() => {
    // Transpose by hand: NHWC [1,3,4,2] → NCHW [1,2,3,4].
    const data = new Float32Array(24)
    for (let c = 0; c < 2; c++) for (let p = 0; p < 12; p++) data[c * 12 + p] = x[p * 2 + c]
    const padding = [
      [0, 0],
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const
    return tf.nn.conv2d(
      tf.constant(data, { shape: [1, 2, 3, 4] }),
      tf.constant(f, { shape: [2, 3, 2, 2] }),
      [1, 2],
      padding,
      {
        dataFormat: 'NCHW',
      },
    )
  })
  t.deepEqual(w.shape, [1, 2, 3, 3])
  const want: number[] = []
  for (let c = 0; c < 2; c++) for (let p = 0; p < 9; p++) want.push(nhwc[p * 2 + c])
  close(t, w.data as Float32Array, want)
})

test('conv2d: dilations, a plain-array filter of the input dtype, and the Python name', (t) => {
  const v = evalIn(() => {
    const x = tf.constant(ramp(72, 5, 17, 0.25), { shape: [1, 6, 6, 2], dtype: 'float64' })
    const y = tf.compat.v1.nn.conv2d(x, nest(Array.from(ramp(16, 3, 7, 0.5)), [2, 2, 2, 2]), 1, 'VALID', {
      dilations: 2,
    })
    return y
  })
  t.is(v.dtype, 'float64')
  t.deepEqual(v.shape, [1, 4, 4, 2])
  close(
    t,
    v.data as Float64Array,
    [
      1.5, -2.0, 2.0, 4.375, 0.375, -2.0, 0.875, 0.125, 2.375, 4.375, 0.75, -2.0, -3.0, 2.25, -0.375, -2.0, 1.125, -2.0,
      3.75, 0.125, 0.0, -2.0, -3.75, 4.375, 2.0, 4.375, 0.375, -2.0, 0.875, 0.125, -0.75, -2.0,
    ],
  )
})

test('depthwiseConv2d: channel multiplier 2, under both Python names', (t) => {
  t.is(tf.compat.v1.nn.depthwise_conv2d, tf.nn.depthwiseConv2d)
  t.is(tf.compat.v1.nn.depthwise_conv2d_native, tf.nn.depthwiseConv2d)
  const v = evalIn(() => {
    const x = tf.constant(ramp(32, 7, 11, 0.25), { shape: [1, 4, 4, 2] })
    const f = tf.constant(ramp(36, 5, 7, 0.5), { shape: [3, 3, 2, 2] })
    const y = tf.nn.depthwiseConv2d(x, f, [1, 2, 2, 1], 'SAME')
    t.is(y.op.type, 'DepthwiseConv2dNative')
    t.deepEqual(y.shape, [1, 2, 2, 4])
    return y
  })
  close(
    t,
    v.data as Float32Array,
    [2.5, -2.25, -2.75, -2.5, 2.5, -0.875, 1.0, 0.0, 1.125, -2.25, -2.25, 1.0, -2.5, 0.625, 0.875, -0.125],
  )
})

test('maxPool and avgPool: SAME windows; the average counts only real elements', (t) => {
  const [max, avg] = evalIn(() => {
    const x = tf.constant(ramp(32, 7, 11, 0.25), { shape: [1, 4, 4, 2] })
    return [tf.nn.maxPool(x, 3, 2, 'SAME'), tf.nn.avgPool(x, [3, 3], [2, 2], 'SAME')]
  })
  t.deepEqual(max.shape, [1, 2, 2, 2])
  t.deepEqual(Array.from(max.data as Float32Array), [0.75, 1.25, 1.25, 0.5, 1.0, 1.25, 1.0, 0.75])
  close(
    t,
    avg.data as Float32Array,
    [-0.25, -0.027777777777777776, 0.4166666666666667, -0.125, 0.125, 0.041666666666666664, -0.125, 0.25],
  )
  t.is(tf.compat.v1.nn.max_pool, tf.nn.maxPool)
  t.is(tf.compat.v1.nn.avg_pool, tf.nn.avgPool)
})

test('maxPool keeps integer dtypes', (t) => {
  const v = evalIn(() =>
    tf.nn.maxPool(
      tf.constant(
        [
          [
            [[1], [5]],
            [[-3], [2]],
          ],
        ],
        'int32',
      ),
      2,
      1,
      'VALID',
    ),
  )
  t.is(v.dtype, 'int32')
  t.deepEqual(v.shape, [1, 1, 1, 1])
  t.deepEqual(Array.from(v.data as Int32Array), [5])
})

test('fusedBatchNorm: training returns y with the batch mean and unbiased variance', (t) => {
  const [y, mean, variance] = evalIn(() => {
    const x = tf.constant(ramp(24, 7, 11, 0.5), { shape: [2, 2, 2, 3] })
    const outs = tf.nn.fusedBatchNorm(x, [0.5, 1, 2], [0, 1, -1])
    t.deepEqual(outs[0].shape, [2, 2, 2, 3])
    t.deepEqual(outs[1].shape, [3])
    return outs
  })
  close(
    t,
    y.data as Float32Array,
    [
      -1.0286710262298584, 2.5269436836242676, -2.0885009765625, 0.6507918834686279, 2.0906739234924316,
      -2.632751226425171, 0.48284560441970825, 1.6544044017791748, -3.177001714706421, 0.3148992955684662,
      1.2181347608566284, -3.721252202987671, 0.14695300161838531, 0.7818651795387268, 1.721252202987671,
      -0.02099328674376011, 0.3455955982208252, 1.177001714706421, -0.18893958628177643, -0.09067404270172119,
      0.6327512264251709, -0.3568858802318573, -0.5269436836242676, 0.08850085735321045,
    ],
  )
  close(t, mean.data as Float32Array, [0.5625, -0.75, 0])
  close(t, variance.data as Float32Array, [2.53125, 1.5000001192092896, 3.857142925262451])
  t.is(tf.compat.v1.nn.fused_batch_norm, tf.nn.fusedBatchNorm)
})

test('fusedBatchNorm: inference with given statistics, NCHW', (t) => {
  const [y] = evalIn(() => {
    const x = tf.constant(Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]), { shape: [1, 2, 2, 2] })
    return tf.nn.fusedBatchNorm(x, [1, 2], [0, 1], {
      mean: [2, 20],
      variance: [4, 100],
      epsilon: 0,
      isTraining: false,
      dataFormat: 'NCHW',
    })
  })
  // Channel 0: (x − 2)/2; channel 1: 2·(x − 20)/10 + 1. ε is raised to 1.001e-5.
  close(t, y.data as Float32Array, [-0.5, 0, 0.5, 1, -1, 1, 3, 5], 1e-4)
})

test('errors: build-time shape checks, unsupported windows, bad arguments', (t) => {
  new tf.Graph().asDefault(() => {
    const x = tf.placeholder('float32', [1, 4, 4, 4])
    const depth = t.throws(() => tf.nn.conv2d(x, tf.constant(0, { shape: [2, 2, 3, 1] }), 1, 'VALID'), {
      instanceOf: errors.InvalidArgumentError,
    })
    t.is(depth?.code, 3)
    t.regex(depth?.message ?? '', /not a multiple of input depth of filter/)
    const batch = t.throws(() => tf.nn.maxPool(x, [2, 2, 2, 1], 1, 'VALID'), { instanceOf: errors.UnimplementedError })
    t.is(batch?.code, 12)
    t.throws(() => tf.nn.conv2d(x, tf.constant(0, { shape: [2, 2, 4, 1] }), [1, 1, 1], 'VALID'), {
      instanceOf: errors.InvalidArgumentError,
      message: /length 1, 2 or 4/,
    })
    t.throws(() => tf.nn.conv2d(x, tf.constant(0, { shape: [2, 2, 4, 1] }), [2, 1, 1, 1], 'VALID'), {
      instanceOf: errors.UnimplementedError,
    })
    t.throws(() => tf.nn.maxPool(x, 2, 1, 'FULL' as 'SAME'), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.nn.fusedBatchNorm(x, [1, 1, 1, 1], [0, 0, 0, 0], { isTraining: false }), {
      instanceOf: errors.InvalidArgumentError,
      message: /mean.*variance/,
    })
  })
})
