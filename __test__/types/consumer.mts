// A user's ES module touching every public API of sessionflow, with the types it must get.
// Type-checked only, never run: by `tsc --noEmit -p tsconfig.json` here (resolving 'sessionflow'
// to this package's dist/*.d.ts through its "exports"), and by __test__/packaging/install.spec.ts
// inside a fresh project where the package is installed from its npm tarball, with a plain
// user tsconfig (strict, no extra libs). Any `any` in what it reads would fail NoAny below.
import tf, {
  type ArrayElement,
  type ArrayValue,
  type AttrValueJson,
  type Callable,
  type CallOptions,
  type ConstantOptions,
  type DType,
  type DeviceScope,
  type FeedDict,
  type FeedValue,
  type Fetch,
  type FetchObject,
  type FetchResult,
  type GraphDefJson,
  type GpuOptions,
  type ImportGraphDefOptions,
  type MemoryStats,
  type NodeDefJson,
  type NodeStats,
  type OperationDescription,
  type RunOptions,
  type Scalar,
  type SessionConfig,
  type SessionOptions,
  type Shape,
  type TensorJson,
  type TensorLike,
  type TensorShapeJson,
  type TopKResult,
  type TraceLevelName,
  type TypedArray,
  type Value,
  DTYPES,
  DeviceAttributes,
  Graph,
  GraphDef,
  InteractiveSession,
  NDArray,
  OpError,
  Operation,
  RunMetadata,
  Session,
  Tensor,
  TraceLevel,
  compat,
  errors,
  nn,
} from 'sessionflow'

/** `true` when T is `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false
/** Compiles only when T is exactly `false`. */
function assertFalse<T extends false>(): void {}
/** `true` when X and Y are the same type (`any` equals only `any`). */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false
/** Compiles only when `value` has exactly type T. */
function exactly<T>() {
  return <V,>(value: V, ..._exact: Equal<V, T> extends true ? [] : [never]): V => value
}

export async function everyPublicApi(): Promise<void> {
  // The reference page's two examples.
  const interactive: InteractiveSession = new tf.compat.v1.InteractiveSession()
  const five: Tensor = tf.constant(5.0)
  const thirty: Tensor = tf.mul(five, tf.constant(6.0))
  const value: NDArray = thirty.eval()
  interactive.close()
  tf.withSession((s: Session) => exactly<NDArray>()(thirty.eval(undefined, s)))

  // Sessions: constructors, getters, run forms, async, callables, partial runs, devices, defaults.
  const config: SessionConfig = {
    intraOpParallelismThreads: 1,
    interOpParallelismThreads: 1,
    operationTimeoutInMs: 1000,
    deviceCount: { CPU: 1 },
    allowSoftPlacement: true,
    logDevicePlacement: false,
  }
  const options: SessionOptions = { target: '', graph: tf.getDefaultGraph(), config }
  const sess = new Session(options)
  const sess2 = new tf.Session('', null, config)
  exactly<string>()(sess.sessStr)
  exactly<string>()(sess.sess_str)
  exactly<GraphDef>()(sess.graphDef)
  exactly<GraphDef>()(sess.graph_def)
  exactly<boolean>()(sess.closed)
  exactly<Graph>()(sess.graph)

  const x: Tensor = tf.placeholder(tf.float32, [null, 2], 'x')
  const w = tf.constant([
    [1, 2],
    [3, 4],
  ])
  const y = tf.matmul(x, w)
  const feeds: FeedDict = new Map<Tensor | string, FeedValue>([[x, [[1, 1]]]])
  const byName: FeedDict = { 'x:0': new Float32Array([1, 1]) }
  exactly<NDArray>()(sess.run(y, feeds))
  exactly<null>()(sess.run(y.op, feeds))
  exactly<[NDArray, NDArray, null]>()(sess.run([y, 'y:0', y.op], byName))
  exactly<{ a: NDArray; b: [NDArray] }>()(sess.run({ a: y, b: [w] }, feeds))
  exactly<NDArray | null>()(sess.run('y:0' as string, feeds))
  const fetch: Fetch = [y, { w }]
  const fetchObject: FetchObject = { y }
  const result: FetchResult<typeof fetchObject> = sess.run(fetchObject, feeds)
  const runOptions: RunOptions = { timeoutInMs: 100, traceLevel: 'FULL_TRACE' }
  const level: TraceLevelName = 'SOFTWARE_TRACE'
  const meta = new RunMetadata()
  sess.run(fetch, feeds, runOptions, meta)
  exactly<NodeStats[]>()(meta.stepStats)
  exactly<{ traceEvents: object[]; displayTimeUnit: 'ms' }>()(meta.toChromeTrace())
  exactly<3>()(TraceLevel.FULL_TRACE)
  exactly<NDArray>()(await sess.runAsync(y, feeds, { traceLevel: TraceLevel.NO_TRACE }, meta))

  const f: Callable<Tensor> = sess.makeCallable(y, [x])
  exactly<NDArray>()(f([[1, 1]]))
  exactly<NDArray>()(await f.async([[2, 2]]))
  const withOptions = sess.make_callable([y], ['x:0'], true)
  const callOptions: CallOptions = { options: runOptions, runMetadata: meta }
  const called = withOptions([[1, 0]], callOptions)
  const calledTyped: [NDArray] = called

  const handle: string = sess.partialRunSetup([y], [x])
  exactly<NDArray>()(sess.partialRun(handle, y, feeds))
  const handle2 = sess.partial_run_setup([y], [x])
  exactly<NDArray>()(sess.partial_run(handle2, y, feeds, runOptions))

  const devices: DeviceAttributes[] = sess.listDevices()
  const memory: MemoryStats[] = sess.memoryStats()
  for (const m of memory) {
    exactly<string>()(m.device)
    exactly<number>()(m.peakBytesInUse)
    exactly<number | null>()(m.bytesLimit)
    exactly<number>()(m.fragmentation)
  }
  const gpu: GpuOptions = { allowGrowth: true, perProcessGpuMemoryFraction: 0.5 }
  void new Session({ config: { memoryLimit: 1 << 30, gpuOptions: gpu } })
  for (const d of sess.list_devices()) {
    exactly<string>()(d.name)
    exactly<string>()(d.deviceType)
    exactly<string>()(d.device_type)
    exactly<number>()(d.memoryLimit)
    exactly<number>()(d.memory_limit)
  }
  exactly<number>()(sess.asDefault(() => 1))
  exactly<string>()(sess.as_default((s) => s.sessStr))
  {
    using _default = sess.asDefault()
    using _default2 = sess.as_default()
    exactly<Session | null>()(tf.getDefaultSession())
    exactly<Session | null>()(compat.v1.get_default_session())
  }
  {
    using scoped = new Session()
    exactly<boolean>()(scoped.closed)
  }
  sess.close()
  sess2.close()

  // Graphs, scopes, devices, control dependencies, lookups, GraphDef.
  const g = new Graph()
  g.seed = 7
  exactly<Tensor>()(g.asDefault((graph) => tf.constant(1, { dtype: 'int32', name: 'one' })))
  g.as_default(() => tf.noOp('nothing'))
  exactly<string>()(g.nameScope('outer', (scope) => scope))
  g.name_scope(null, () => undefined)
  g.controlDependencies([five], () => tf.noOp())
  g.control_dependencies(null, () => tf.noOp())
  const scope: DeviceScope = (op: OperationDescription) => (op.type === 'MatMul' ? '/device:CPU:0' : '')
  g.device(scope, () => tf.identity(five))
  const graphDef: GraphDef = g.asGraphDef()
  exactly<Uint8Array>()(graphDef.toBytes())
  exactly<Uint8Array>()(graphDef.SerializeToString())
  exactly<string>()(graphDef.toText())
  exactly<number>()(graphDef.byteSize)
  exactly<number>()(graphDef.versions.producer)
  void [GraphDef.fromBytes(graphDef.toBytes()), GraphDef.fromText(''), GraphDef.fromJSON('{}')]
  const def: GraphDefJson = graphDef.toJSON()
  const nodes: NodeDefJson[] = [...graphDef.node, ...(def.node ?? [])]
  const importOptions: ImportGraphDefOptions = { name: 'imported', inputMap: { 'x:0': five }, returnElements: ['y:0'] }
  exactly<(Tensor | Operation)[] | null>()(tf.importGraphDef(graphDef, importOptions))
  exactly<(Tensor | Operation)[] | null>()(tf.compat.v1.import_graph_def(graphDef.toBytes()))
  const attr: AttrValueJson | undefined = nodes[0]?.attr?.['value']
  const tensorJson: TensorJson | undefined = attr?.tensor
  const shapeJson: TensorShapeJson | undefined = tensorJson?.tensorShape
  void [g.as_graph_def(), shapeJson]
  exactly<boolean>()(g.finalized)
  exactly<Operation[]>()(g.getOperations())
  exactly<Operation>()(g.getOperationByName('nothing'))
  exactly<Operation>()(g.get_operation_by_name('nothing'))
  exactly<Tensor>()(g.getTensorByName('one:0'))
  exactly<Tensor>()(g.get_tensor_by_name('one:0'))
  g.finalize()
  tf.nameScope('s', (s) => exactly<string>()(s))
  tf.controlDependencies([], () => null)
  tf.device('/device:CPU:0', () => null)
  tf.setRandomSeed(1)
  tf.resetDefaultGraph()

  // Tensors, operations, NDArrays.
  const t = tf.constant(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] } satisfies ConstantOptions)
  exactly<string>()(t.name)
  exactly<DType>()(t.dtype)
  exactly<Shape>()(t.shape)
  exactly<Graph>()(t.graph)
  exactly<number>()(t.valueIndex)
  exactly<number>()(t.value_index)
  exactly<Operation>()(t.op)
  exactly<Tensor>()(t.add(1).sub(1).mul(2).div(2).neg().matmul(t, { transposeA: true }))
  const op: Operation = t.op
  exactly<string>()(op.name)
  exactly<string>()(op.type)
  exactly<string>()(op.device)
  exactly<readonly Tensor[]>()(op.outputs)
  exactly<readonly Tensor[]>()(op.inputs)
  exactly<readonly Operation[]>()(op.controlInputs)
  exactly<void>()(tf.noOp().run())
  const arr = new NDArray('float32', [2], new Float32Array([1, 2]))
  exactly<DType>()(arr.dtype)
  exactly<readonly number[]>()(arr.shape)
  exactly<TypedArray | string[]>()(arr.data)
  exactly<number>()(arr.size)
  exactly<number>()(arr.rank)
  exactly<ArrayValue>()(arr.toArray())
  exactly<ArrayElement>()(arr.item())
  exactly<string>()(String(value))

  // Dtypes and values.
  const dtypes: readonly DType[] = DTYPES
  const allDtypes: DType[] = [
    tf.float32,
    tf.float64,
    tf.float16,
    tf.bfloat16,
    tf.int8,
    tf.int16,
    tf.int32,
    tf.int64,
    tf.uint8,
    tf.bool,
    tf.string,
  ]
  const scalar: Scalar = 1n
  const v: Value = [scalar, 2, true]
  const like: TensorLike = v

  // Op builders: every tf.* function.
  const a = tf.constant([
    [1, 2],
    [3, 4],
  ])
  const i = tf.constant([0, 1], { dtype: 'int32' })
  const ts: Tensor[] = [
    tf.identity(a),
    ...tf.identityN([a, a]),
    tf.reshape(a, [4]),
    tf.transpose(a, [1, 0]),
    tf.expandDims(a, 0),
    tf.squeeze(a, [0]),
    tf.concat([a, a], 0),
    ...tf.split(a, 2, 0, { num: 2 }),
    tf.stack([a, a], 0),
    ...tf.unstack(a, { axis: 0 }),
    tf.tile(a, [1, 2]),
    tf.pad(
      a,
      [
        [1, 1],
        [0, 0],
      ],
      { mode: 'REFLECT' },
    ),
    tf.broadcastTo(a, [2, 2, 2]),
    tf.reverse(a, [0]),
    tf.slice(a, [0, 0], [1, 2]),
    tf.stridedSlice(a, [0], [1], [1], { shrinkAxisMask: 1 }),
    tf.gather(a, i, { axis: 0 }),
    tf.gatherNd(a, [[0, 1]]),
    tf.scatterNd([[0]], [1], [2]),
    tf.oneHot(i, 3, { onValue: 1, offValue: 0 }),
    tf.where(tf.greater(a, 1), a, a),
    tf.select(tf.less(a, 1), a, a),
    tf.fill([2], 1),
    tf.zeros([2]),
    tf.ones([2], 'int32'),
    tf.zerosLike(a),
    tf.onesLike(a),
    tf.shape(a, { outType: 'int64' }),
    ...tf.shapeN([a, a]),
    tf.size(a),
    tf.rank(a),
    tf.cast(a, 'float64'),
    tf.range(0, 10, 2, { dtype: 'int32' }),
    tf.stopGradient(a),
    tf.placeholderWithDefault(a, [null, 2]),
    tf.add(a, 1),
    tf.sub(a, 1),
    tf.mul(a, 2),
    tf.div(a, 2),
    tf.divide(a, 2),
    tf.realdiv(a, 2),
    tf.floordiv(a, 2),
    tf.floorDiv(a, 2),
    tf.floormod(a, 2),
    tf.mod(a, 2),
    tf.pow(a, 2),
    tf.maximum(a, 0),
    tf.minimum(a, 0),
    tf.squaredDifference(a, 0),
    tf.addN([a, a]),
    tf.equal(a, 1),
    tf.notEqual(a, 1),
    tf.less(a, 1),
    tf.lessEqual(a, 1),
    tf.greater(a, 1),
    tf.greaterEqual(a, 1),
    tf.logicalAnd(true, false),
    tf.logicalOr(true, false),
    tf.logicalNot(true),
    tf.neg(a),
    tf.abs(a),
    tf.sign(a),
    tf.square(a),
    tf.sqrt(a),
    tf.rsqrt(a),
    tf.reciprocal(a),
    tf.exp(a),
    tf.expm1(a),
    tf.log(a),
    tf.log1p(a),
    tf.sin(a),
    tf.cos(a),
    tf.tan(a),
    tf.tanh(a),
    tf.sigmoid(a),
    tf.erf(a),
    tf.floor(a),
    tf.ceil(a),
    tf.round(a),
    tf.matmul(a, a, { transposeB: true }),
    tf.reduceSum(a, 0, { keepDims: true }),
    tf.reduceMean(a),
    tf.reduceMax(a, [0, 1]),
    tf.reduceMin(a, null),
    tf.reduceProd(a),
    tf.reduceAll(tf.greater(a, 0)),
    tf.reduceAny(tf.greater(a, 0)),
    tf.argMax(a, 0, { outputType: 'int32' }),
    tf.argMin(a, 1),
    tf.arg_max(a, 0),
    tf.arg_min(a, 0),
    tf.cumsum(a, 0, { exclusive: true, reverse: true }),
    tf.randomUniform([2], { minval: 0, maxval: 1, seed: 1 }),
    tf.randomNormal([2], { mean: 0, stddev: 1, dtype: 'float64' }),
    tf.truncatedNormal([2]),
  ]
  const image = tf.placeholder('float32', [1, 4, 4, 1])
  const nnOut: Tensor[] = [
    nn.relu(a),
    nn.relu6(a),
    nn.elu(a),
    nn.selu(a),
    nn.leakyRelu(a, 0.2),
    nn.softplus(a),
    nn.softmax(a, -1),
    nn.logSoftmax(a),
    nn.biasAdd(a, [1, 2], { dataFormat: 'NHWC' }),
    nn.softmaxCrossEntropyWithLogits({ labels: a, logits: a }),
    nn.sparseSoftmaxCrossEntropyWithLogits({ labels: i, logits: a }),
    nn.l2Loss(a),
    nn.conv2d(image, tf.ones([2, 2, 1, 1]), 1, 'SAME', { dataFormat: 'NHWC', dilations: 1 }),
    nn.depthwiseConv2d(image, tf.ones([2, 2, 1, 1]), [1, 1, 1, 1], 'VALID'),
    nn.depthwiseConv2dNative(image, tf.ones([2, 2, 1, 1]), 1, 'VALID'),
    nn.maxPool(image, 2, 2, 'VALID'),
    nn.avgPool(image, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME'),
    ...nn.fusedBatchNorm(image, [1], [0], { mean: [0], variance: [1], isTraining: false }),
  ]
  const top: TopKResult = nn.topK(a, 1, { sorted: true })
  const [topValues, topIndices] = top
  exactly<Tensor>()(top.values)
  exactly<Tensor>()(top.indices)

  // TF1's Python names (tf.compat.v1), the same functions.
  const v1 = compat.v1
  exactly<Tensor>()(v1.multiply(v1.constant(5), v1.constant(6)))
  exactly<Tensor>()(v1.reduce_sum(a, 0, { keepDims: false }))
  exactly<Tensor>()(v1.nn.leaky_relu(a))
  exactly<Tensor>()(v1.nn.softmax_cross_entropy_with_logits({ labels: a, logits: a }))
  exactly<Graph>()(v1.get_default_graph())
  v1.reset_default_graph()
  exactly<typeof Session>()(v1.Session)
  const v1Errors: typeof errors = v1.errors
  exactly<'float32'>()(v1.float32)

  // Errors: TF's codes and classes.
  try {
    tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))
  } catch (e) {
    if (e instanceof errors.InvalidArgumentError) {
      exactly<number>()(e.errorCode)
      exactly<string | null>()(e.node)
      exactly<string | null>()(e.op)
      exactly<string>()(e.message)
    }
    if (e instanceof OpError) exactly<number>()(e.errorCode)
  }
  exactly<3>()(errors.INVALID_ARGUMENT)
  const cls: errors.OpErrorClass = errors.exceptionTypeFromErrorCode(errors.CANCELLED)
  exactly<typeof OpError>()(tf.OpError)

  // Control flow: tf.cond and tf.whileLoop give back the structure they are given, as tensors.
  const flag: Tensor = tf.placeholder('bool', [])
  const chosen = tf.cond(
    flag,
    () => ({ a: five, b: [five, 2] as const }),
    () => ({ a: thirty, b: [1, thirty] }),
    { name: 'choose' },
  )
  exactly<{ a: Tensor; b: [Tensor, Tensor] }>()(chosen)
  const [count, total] = tf.whileLoop(
    (i, _s) => tf.less(i, 3),
    (i, s) => [tf.add(i, 1), tf.add(s, i)],
    [0, tf.constant(0)],
    { parallelIterations: 1, maximumIterations: 10, shapeInvariants: [[], []], name: 'loop' },
  )
  exactly<Tensor>()(count)
  exactly<Tensor>()(total)
  exactly<Tensor>()(
    tf.whileLoop(
      (x) => tf.less(x, 3),
      (x) => tf.add(x, 1),
      tf.constant(0),
    ),
  )
  exactly<typeof tf.whileLoop>()(v1.while_loop)
  exactly<typeof tf.cond>()(v1.cond)

  void [devices, level, result, dtypes, allDtypes, like, ts, nnOut, topValues, topIndices, cls, v1Errors]
}

// Every value the package exports, and everything its functions and classes take and give, to a
// few levels: no `any` anywhere (see no-any.mts).
assertFalse<IsAny<typeof tf>>()
