// tf.nn activations, softmax, bias_add and losses from TypeScript (values from TensorFlow 2.21).
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

function close(t: { true: (v: boolean, m?: string) => void }, got: NDArray, want: number[], tol = 1e-6): void {
  const g = Array.from(got.data as Float32Array | Float64Array)
  t.true(
    g.length === want.length && g.every((v, i) => Math.abs(v - want[i]!) <= tol * (1 + Math.abs(want[i]!))),
    `${g} vs ${want}`,
  )
}

const XS = [-3, -1, -0.5, 0, 0.5, 1, 6, 7]

test('relu, relu6 and leakyRelu', (t) => {
  t.deepEqual(Array.from(evalIn(() => tf.nn.relu(XS)).data as Float32Array), [0, 0, 0, 0, 0.5, 1, 6, 7])
  t.deepEqual(Array.from(evalIn(() => tf.nn.relu6(XS)).data as Float32Array), [0, 0, 0, 0, 0.5, 1, 6, 6])
  const ints = evalIn(() => tf.nn.relu6(tf.constant([-3, 0, 3, 6, 9], 'int32')))
  t.is(ints.dtype, 'int32')
  t.deepEqual(ints.toArray(), [0, 0, 3, 6, 6])
  close(
    t,
    evalIn(() => tf.nn.leakyRelu([-1, 1])),
    [-0.2, 1],
  )
  close(
    t,
    evalIn(() => tf.nn.leakyRelu(tf.constant([-3, 2], 'float64'), 0.1)),
    [-0.30000000447034836, 2],
    1e-15,
  )
  new tf.Graph().asDefault(() => {
    const r = tf.nn.relu(tf.placeholder('float32', [null, 3]))
    t.is(r.op.type, 'Relu')
    t.is(r.op.name, 'Relu')
    t.deepEqual(r.shape, [null, 3])
    t.is(tf.nn.leakyRelu(r, 0.3, 'leaky').op.name, 'leaky')
  })
})

test('elu, selu and softplus', (t) => {
  const x = () => tf.constant([-3, -1, -0.5, 0, 0.5, 1], 'float64')
  close(
    t,
    evalIn(() => tf.nn.elu(x())),
    [-0.950212931632136, -0.6321205588285577, -0.3934693402873666, 0, 0.5, 1],
    1e-15,
  )
  close(
    t,
    evalIn(() => tf.nn.selu(x())),
    [-1.670568728767112, -1.1113307378125628, -0.6917581878028713, 0, 0.5253504936777402, 1.0507009873554805],
    1e-15,
  )
  close(
    t,
    evalIn(() => tf.nn.softplus(tf.constant([-100, -30, 0, 30, 1000], 'float64'))),
    [3.7200759760208356e-44, 9.357622968839737e-14, 0.6931471805599453, 30.00000000000009, 1000],
    1e-15,
  )
})

test('softmax and logSoftmax along the last axis', (t) => {
  const logits = () =>
    tf.constant(
      [
        [1, 2, 3],
        [1000, 1000, -1000],
      ],
      'float64',
    )
  close(
    t,
    evalIn(() => tf.nn.softmax(logits())),
    [0.09003057317038046, 0.2447284710547976, 0.6652409557748219, 0.5, 0.5, 0],
    1e-15,
  )
  close(
    t,
    evalIn(() => tf.nn.logSoftmax(logits(), -1)),
    [
      -2.4076059644443806, -1.4076059644443804, -0.4076059644443804, -0.6931471805599453, -0.6931471805599453,
      -2000.6931471805599,
    ],
    1e-15,
  )
  new tf.Graph().asDefault(() => {
    const s = tf.nn.softmax(tf.placeholder('float32', [null, 10]), 1)
    t.is(s.op.type, 'Softmax')
    t.deepEqual(s.shape, [null, 10])
    t.throws(() => tf.nn.softmax(tf.constant(1)), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.nn.softmax(tf.placeholder('float32'), 0), { instanceOf: errors.InvalidArgumentError })
  })
})

test('biasAdd in NHWC and NCHW', (t) => {
  t.deepEqual(
    evalIn(() =>
      tf.nn.biasAdd(
        tf.constant(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          'int32',
        ),
        [10, 20, 30],
      ),
    ).toArray(),
    [
      [11, 22, 33],
      [14, 25, 36],
    ],
  )
  const nchw = evalIn(() =>
    tf.nn.biasAdd(tf.constant([0, 1, 2, 3, 4, 5, 6, 7], { shape: [1, 2, 2, 2] }), [10, 20], { dataFormat: 'NCHW' }),
  )
  t.deepEqual(Array.from(nchw.data as Float32Array), [10, 11, 12, 13, 24, 25, 26, 27])
  const ncw = evalIn(() =>
    tf.nn.biasAdd(tf.constant([0, 1, 2, 3, 4, 5, 6, 7], { shape: [2, 2, 2] }), [10, 20], { dataFormat: 'NCW' }),
  )
  t.deepEqual(Array.from(ncw.data as Float32Array), [10, 11, 22, 23, 14, 15, 26, 27])
  new tf.Graph().asDefault(() => {
    const error = t.throws(() => tf.nn.biasAdd([[1, 2]], [1, 2, 3]), { instanceOf: errors.InvalidArgumentError })
    t.regex(error?.message ?? '', /Dimensions must be equal, but are 2 and 3/)
    t.throws(() => tf.nn.biasAdd([[1, 2]], [1, 2], { dataFormat: 'HWCN' }), { instanceOf: errors.InvalidArgumentError })
  })
})

test('softmaxCrossEntropyWithLogits returns the loss per row', (t) => {
  const loss = evalIn(() =>
    tf.nn.softmaxCrossEntropyWithLogits({
      labels: tf.constant(
        [
          [0, 0, 1],
          [0.5, 0.5, 0],
        ],
        'float64',
      ),
      logits: tf.constant(
        [
          [1, 2, 3],
          [1, 1, 1],
        ],
        'float64',
      ),
    }),
  )
  t.deepEqual(loss.shape, [2])
  close(t, loss, [0.4076059644443804, 1.0986122886681098], 1e-15)
  t.is(tf.compat.v1.nn.softmax_cross_entropy_with_logits, tf.nn.softmaxCrossEntropyWithLogits)
})

test('sparseSoftmaxCrossEntropyWithLogits, and its out-of-range labels', (t) => {
  const logits = () =>
    tf.constant(
      [
        [1, 2, 3],
        [1, 1, 1],
      ],
      'float64',
    )
  close(
    t,
    evalIn(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [2, 0], logits: logits() })),
    [0.4076059644443804, 1.0986122886681098],
    1e-15,
  )
  const error = t.throws(
    () => evalIn(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [3, 0], logits: logits() })),
    {
      instanceOf: errors.InvalidArgumentError,
    },
  )
  t.is(error?.code, 3)
  t.regex(error?.message ?? '', /Received a label value of 3 which is outside the valid range of \[0, 3\)/)
  new tf.Graph().asDefault(() => {
    t.throws(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [[0], [1]], logits: logits() }), {
      instanceOf: errors.InvalidArgumentError,
    })
  })
})

test('l2Loss and the Python names', (t) => {
  t.is(
    evalIn(() =>
      tf.nn.l2Loss([
        [1, 2],
        [3, 4],
      ]),
    ).item(),
    15,
  )
  const nn = tf.compat.v1.nn
  t.is(nn.relu, tf.nn.relu)
  t.is(nn.relu6, tf.nn.relu6)
  t.is(nn.elu, tf.nn.elu)
  t.is(nn.selu, tf.nn.selu)
  t.is(nn.leaky_relu, tf.nn.leakyRelu)
  t.is(nn.softplus, tf.nn.softplus)
  t.is(nn.softmax, tf.nn.softmax)
  t.is(nn.log_softmax, tf.nn.logSoftmax)
  t.is(nn.bias_add, tf.nn.biasAdd)
  t.is(nn.sparse_softmax_cross_entropy_with_logits, tf.nn.sparseSoftmaxCrossEntropyWithLogits)
  t.is(nn.l2_loss, tf.nn.l2Loss)
  t.is(nn.top_k, tf.nn.topK)
})
