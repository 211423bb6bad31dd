/**
 * {@link Session} and {@link InteractiveSession}: running graphs in the in-process engine, and
 * {@link withSession}, the port of `with tf.compat.v1.Session():`.
 *
 * @packageDocumentation
 */

import { defaultSessionStack } from './default_session.js'
import { type DType, isDType } from './dtype.js'
import { InternalError, InvalidArgumentError } from './errors.js'
import { type FeedDict, prepareFeeds } from './feed.js'
import { type Fetch, type FetchResult, planFetches } from './fetch.js'
import { Graph, defaultGraphStack, getDefaultGraph } from './graph.js'
import type { GraphDef } from './graph_def.js'
import { type Callable, callNativeAsync, makeCallable } from './callable.js'
import { type GraphOptions, toNativeGraphOptions } from './graph_options.js'
import { type GpuOptions, type MemoryStats, toMemoryStats } from './memory.js'
import { type NativeSession, type RunResult, addon, callNative } from './native.js'
import { NDArray } from './ndarray.js'
import { type RunMetadata, type RunOptions, fillRunMetadata, nativeRunOptions } from './run_metadata.js'
import { scoped } from './scope.js'
import type { Tensor } from './tensor.js'

/** Session configuration (the part of TF's `ConfigProto` the engine honours). */
export interface SessionConfig {
  /** Threads for parallelism inside one op (0 or absent: share the process-wide pool, one per core). */
  intraOpParallelismThreads?: number
  /**
   * Threads running independent ops of one run concurrently (0 or absent: share the process-wide
   * pool; 1: run every op on the calling thread).
   */
  interOpParallelismThreads?: number
  /** Timeout of every run that sets none itself, in milliseconds (0 or absent: none). */
  operationTimeoutInMs?: number
  /**
   * Most devices of each type, e.g. `{ CPU: 2 }` for two CPU devices (TF's `device_count`; one
   * CPU always exists).
   */
  deviceCount?: Readonly<Record<string, number>>
  /** Run an op whose requested device cannot run it on one that can, instead of failing. */
  allowSoftPlacement?: boolean
  /** Print each op's device to stderr when a step is first planned. */
  logDevicePlacement?: boolean
  /**
   * Most bytes each CPU device may hold at once (default: the machine's physical memory). A run
   * needing more fails with `ResourceExhaustedError` naming the op, and the session stays usable.
   */
  memoryLimit?: number
  /** How accelerator devices (CUDA, Vulkan) take their memory (TF's `gpu_options`). */
  gpuOptions?: GpuOptions
  /** Which graph rewrites run when a step is planned (TF's `graph_options`; all by default). */
  graphOptions?: GraphOptions
}

/** The ConfigProto fields the engine honours; any other is refused rather than ignored. */
const SUPPORTED_CONFIG: readonly string[] = [
  'intraOpParallelismThreads',
  'interOpParallelismThreads',
  'operationTimeoutInMs',
  'deviceCount',
  'allowSoftPlacement',
  'logDevicePlacement',
  'memoryLimit',
  'gpuOptions',
  'graphOptions',
]

/** The fields of `gpuOptions` the engine honours. */
const SUPPORTED_GPU_OPTIONS: readonly string[] = ['allowGrowth', 'perProcessGpuMemoryFraction']

/** The options-object form of the {@link Session} constructor. */
export interface SessionOptions {
  /** The execution engine; only `""` (in-process, the default) is supported. */
  target?: string
  /** The graph to run; the default graph when absent. */
  graph?: Graph
  /** Engine configuration. */
  config?: SessionConfig
}

/** A device a session can place operations on, as {@link Session.listDevices} lists them. */
export class DeviceAttributes {
  /** @internal */
  constructor(
    /** The full name, e.g. `/job:localhost/replica:0/task:0/device:CPU:0`. */
    readonly name: string,
    /** The device type, e.g. `"CPU"`, `"GPU"`. */
    readonly deviceType: string,
    /** The most memory the device may use, in bytes. */
    readonly memoryLimit: number,
  ) {}

  /** TF's name for {@link deviceType}. */
  get device_type(): string {
    return this.deviceType
  }

  /** TF's name for {@link memoryLimit}. */
  get memory_limit(): number {
    return this.memoryLimit
  }
}

/**
 * A session runs the operations of one graph in the engine and holds their state between runs.
 *
 * @example
 * ```ts
 * const sess = new tf.Session()
 * const c = tf.mul(tf.constant(5), tf.constant(6))
 * sess.run(c) // NDArray 30
 * sess.close()
 * ```
 */
export class Session {
  /** The graph this session runs. */
  readonly graph: Graph
  readonly #native: NativeSession
  readonly #target: string

  /**
   * `new Session(target?, graph?, config?)` as in TensorFlow, or `new Session({ target, graph,
   * config })`.
   *
   * @param targetOrOptions - The execution engine — only `""` (in-process, the default) is
   *   supported — or the options object.
   * @param graph - The graph to run; the default graph when absent.
   * @param config - Engine configuration.
   * @throws InvalidArgumentError for any other target.
   */
  constructor(targetOrOptions?: string | SessionOptions, graph?: Graph | null, config?: SessionConfig | null) {
    const options: SessionOptions =
      typeof targetOrOptions === 'object' && targetOrOptions !== null
        ? targetOrOptions
        : { target: targetOrOptions, graph: graph ?? undefined, config: config ?? undefined }
    const target = options.target ?? ''
    if (target !== '') {
      throw new InvalidArgumentError(
        `Unsupported session target ${JSON.stringify(target)}: only the in-process engine ("") is available`,
      )
    }
    if (options.graph !== undefined && !(options.graph instanceof Graph)) {
      throw new InvalidArgumentError('The graph of a Session must be a tf.Graph')
    }
    this.graph = options.graph ?? getDefaultGraph()
    this.#target = target
    const nativeGraph = this.graph.native
    const engineConfig = options.config
    for (const key of Object.keys(engineConfig ?? {})) {
      if (!SUPPORTED_CONFIG.includes(key)) {
        throw new InvalidArgumentError(
          `Session config '${key}' is not supported yet (supported: ${SUPPORTED_CONFIG.join(', ')})`,
        )
      }
    }
    for (const key of Object.keys(engineConfig?.gpuOptions ?? {})) {
      if (!SUPPORTED_GPU_OPTIONS.includes(key)) {
        throw new InvalidArgumentError(
          `Session config 'gpuOptions.${key}' is not supported yet (supported: ${SUPPORTED_GPU_OPTIONS.join(', ')})`,
        )
      }
    }
    for (const key of ['intraOpParallelismThreads', 'interOpParallelismThreads'] as const) {
      const threads = engineConfig?.[key]
      if (threads !== undefined && !Number.isSafeInteger(threads)) {
        throw new InvalidArgumentError(`${key} must be an integer, got ${threads}`)
      }
    }
    const nativeConfig = engineConfig && {
      intraOpParallelismThreads: engineConfig.intraOpParallelismThreads,
      interOpParallelismThreads: engineConfig.interOpParallelismThreads,
      operationTimeoutInMs: engineConfig.operationTimeoutInMs,
      deviceCount: engineConfig.deviceCount === undefined ? undefined : { ...engineConfig.deviceCount },
      allowSoftPlacement: engineConfig.allowSoftPlacement,
      logDevicePlacement: engineConfig.logDevicePlacement,
      memoryLimit: engineConfig.memoryLimit,
      gpuOptions: engineConfig.gpuOptions && { ...engineConfig.gpuOptions },
      graphOptions: toNativeGraphOptions(engineConfig.graphOptions),
    }
    this.#native = callNative(() => new (addon().NativeSession)(nativeGraph, nativeConfig), nativeGraph)
  }

  /** The engine this session connects to: `""`, the in-process engine (TF's `sess_str`). */
  get sessStr(): string {
    return this.#target
  }

  /** TF's name for {@link sessStr}. */
  get sess_str(): string {
    return this.#target
  }

  /** The session's graph as a serialisable `GraphDef` (see `Graph.asGraphDef`). */
  get graphDef(): GraphDef {
    return this.graph.asGraphDef()
  }

  /** TF's name for {@link graphDef}. */
  get graph_def(): GraphDef {
    return this.graphDef
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return callNative(() => this.#native.isClosed(), this.graph.native)
  }

  /**
   * Runs the graph to compute `fetches`, feeding `feedDict`; returns values in the structure of
   * `fetches`.
   *
   * @param fetches - A tensor (gives an `NDArray`), an operation (run for effect; gives `null`),
   *   a name (`"c:0"` a tensor, `"c"` an operation), or arrays and plain objects nesting these.
   *   Each distinct tensor is computed once.
   * @param feedDict - Values for tensors (usually placeholders), keyed by tensor or by name;
   *   converted to the tensor's dtype and checked against its static shape.
   * @param options - `timeoutInMs` and `traceLevel` (TF's `RunOptions`).
   * @param runMetadata - Filled with per-op statistics when `options.traceLevel` asks for them.
   * @throws InvalidArgumentError for bad fetches or feeds, or a missing feed.
   * @throws DeadlineExceededError when the run outlasts `options.timeoutInMs`.
   * @throws CancelledError when the session is closed.
   * @example
   * ```ts
   * const [x, y] = sess.run([a, b])
   * const { out } = sess.run({ out: c }, new Map([[p, [1, 2]]]))
   * ```
   */
  run<const F extends Fetch>(
    fetches: F,
    feedDict?: FeedDict,
    options?: RunOptions,
    runMetadata?: RunMetadata,
  ): FetchResult<F> {
    const plan = planFetches(this.graph, fetches)
    const feeds = prepareFeeds(this.graph, feedDict)
    const nativeOptions = nativeRunOptions(options)
    const result = callNative(
      () => this.#native.run(feeds, plan.endpoints, plan.targets, nativeOptions),
      this.graph.native,
    )
    fillRunMetadata(runMetadata, result)
    return plan.build(toArrays(result, plan.endpoints.length)) as FetchResult<F>
  }

  /**
   * {@link run} off the JS thread: the event loop stays free while the engine computes. Many
   * runs may be in flight on one session at once; each resolves with its own values.
   */
  runAsync<const F extends Fetch>(
    fetches: F,
    feedDict?: FeedDict,
    options?: RunOptions,
    runMetadata?: RunMetadata,
  ): Promise<FetchResult<F>> {
    let started: Promise<unknown>
    try {
      // Feeds are converted now, so later changes to the caller's arrays do not race the run.
      const plan = planFetches(this.graph, fetches)
      const feeds = prepareFeeds(this.graph, feedDict)
      const nativeOptions = nativeRunOptions(options)
      started = callNativeAsync(
        () => this.#native.runAsync(feeds, plan.endpoints, plan.targets, nativeOptions),
        this.graph,
      ).then((result) => {
        fillRunMetadata(runMetadata, result)
        return plan.build(toArrays(result, plan.endpoints.length))
      })
    } catch (error) {
      started = Promise.reject(error)
    }
    return started as Promise<FetchResult<F>>
  }

  /**
   * Prepares a step once (TF's `make_callable`): the returned function takes one value per
   * tensor of `feedList`, positionally, and returns what {@link run} would for `fetches`. A call
   * does no graph work and no name lookups; `callable.async(...)` runs off the JS thread.
   *
   * @param acceptOptions - When true, a call may take a trailing `{ options, runMetadata }`.
   * @example
   * ```ts
   * const square = sess.makeCallable(y, [x])
   * square([1, 2, 3]) // NDArray [1 4 9]
   * ```
   */
  makeCallable<const F extends Fetch>(
    fetches: F,
    feedList: readonly (Tensor | string)[] = [],
    acceptOptions = false,
  ): Callable<F> {
    const plan = planFetches(this.graph, fetches)
    const tensors = feedList.map(
      (f) => this.graph.asGraphElement(f, { allowTensor: true, allowOperation: false }) as Tensor,
    )
    if (new Set(tensors).size !== tensors.length) {
      throw new InvalidArgumentError('The feed list of a callable names a tensor more than once')
    }
    const endpoints = tensors.map((t) => ({ node: t.op.id, index: t.valueIndex }))
    const native = callNative(
      () => this.#native.makeCallable(endpoints, plan.endpoints, plan.targets),
      this.graph.native,
    )
    return makeCallable(this.graph, plan, tensors, acceptOptions, native, (r) => toArrays(r, plan.endpoints.length))
  }

  /** TF's name for {@link makeCallable}. */
  make_callable<const F extends Fetch>(
    fetches: F,
    feedList: readonly (Tensor | string)[] = [],
    acceptOptions = false,
  ): Callable<F> {
    return this.makeCallable(fetches, feedList, acceptOptions)
  }

  /**
   * Declares a partial run (TF's `partial_run_setup`): every tensor or operation its steps will
   * fetch and every tensor they will feed. Returns the handle {@link partialRun} takes.
   *
   * @example
   * ```ts
   * const h = sess.partialRunSetup([r1, r2], [a, b, c])
   * const v1 = sess.partialRun(h, r1, new Map([[a, 1], [b, 2]]))
   * const v2 = sess.partialRun(h, r2, new Map([[c, v1]])) // reuses r1's value
   * ```
   */
  partialRunSetup(fetches: Fetch, feeds: readonly (Tensor | string)[] = []): string {
    const plan = planFetches(this.graph, fetches)
    const endpoints = feeds.map((f) => {
      const t = this.graph.asGraphElement(f, { allowTensor: true, allowOperation: false }) as Tensor
      return { node: t.op.id, index: t.valueIndex }
    })
    return callNative(() => this.#native.partialRunSetup(endpoints, plan.endpoints, plan.targets), this.graph.native)
  }

  /** TF's name for {@link partialRunSetup}. */
  partial_run_setup(fetches: Fetch, feeds: readonly (Tensor | string)[] = []): string {
    return this.partialRunSetup(fetches, feeds)
  }

  /**
   * One step of a partial run (TF's `partial_run`): feeds `feedDict`, computes what `fetches`
   * need that earlier steps did not, and returns them in the structure of `fetches`. Each
   * declared feed is fed once and each declared fetch fetched once; the run ends when every fetch
   * has been fetched.
   *
   * @throws InvalidArgumentError for a feed or fetch not declared, fed or fetched twice, or a
   *   fetch that needs a feed not yet given.
   */
  partialRun<const F extends Fetch>(
    handle: string,
    fetches: F,
    feedDict?: FeedDict,
    options?: RunOptions,
  ): FetchResult<F> {
    const plan = planFetches(this.graph, fetches)
    const feeds = prepareFeeds(this.graph, feedDict)
    const nativeOptions = nativeRunOptions(options)
    const values = callNative(
      () => this.#native.partialRun(handle, feeds, plan.endpoints, plan.targets, nativeOptions),
      this.graph.native,
    )
    return plan.build(toArrays({ values, stepStats: [] }, plan.endpoints.length)) as FetchResult<F>
  }

  /** TF's name for {@link partialRun}. */
  partial_run<const F extends Fetch>(
    handle: string,
    fetches: F,
    feedDict?: FeedDict,
    options?: RunOptions,
  ): FetchResult<F> {
    return this.partialRun(handle, fetches, feedDict, options)
  }

  /** Frees the session's resources. Idempotent; a later {@link run} fails with `CancelledError`. */
  close(): void {
    callNative(() => this.#native.close(), this.graph.native)
  }

  /** The devices this session can use. */
  listDevices(): DeviceAttributes[] {
    const devices = callNative(() => this.#native.listDevices(), this.graph.native)
    return devices.map((d) => new DeviceAttributes(d.name, d.deviceType, d.memoryLimit))
  }

  /** TF's name for {@link listDevices}. */
  list_devices(): DeviceAttributes[] {
    return this.listDevices()
  }

  /**
   * The allocator statistics of each device of this session, in the order of
   * {@link listDevices}: bytes in use and their peak, allocations, limit, reserved bytes, the
   * largest free block and fragmentation.
   *
   * @example
   * ```ts
   * sess.run(y)
   * const [cpu] = sess.memoryStats()
   * console.log(cpu.peakBytesInUse)
   * ```
   */
  memoryStats(): MemoryStats[] {
    return callNative(() => this.#native.memoryStats(), this.graph.native).map(toMemoryStats)
  }

  /**
   * Makes this session the default session (TF's `with sess.as_default():`), so that
   * `tensor.eval()` and `operation.run()` use it. The session stays open.
   *
   * - `sess.asDefault(fn)` runs `fn` with this default and returns its result; when `fn` returns
   *   a promise, the default holds across its awaits until it settles.
   * - `using _ = sess.asDefault()` makes it the default until the end of the enclosing block.
   *
   * Either way the default follows the async context: concurrent scopes never see each other's.
   */
  asDefault(): Disposable
  asDefault<R>(fn: (session: this) => R): R
  asDefault<R>(fn?: (session: this) => R): R | Disposable {
    if (fn === undefined) return defaultSessionStack.enter(this)
    return defaultSessionStack.runWith(this, () => fn(this))
  }

  /** TF's name for {@link asDefault}. */
  as_default(): Disposable
  as_default<R>(fn: (session: this) => R): R
  as_default<R>(fn?: (session: this) => R): R | Disposable {
    return fn === undefined ? this.asDefault() : this.asDefault(fn)
  }

  /** Closes the session at the end of a `using` block (`using sess = new tf.Session()`). */
  [Symbol.dispose](): void {
    this.close()
  }
}

/** Interactive sessions constructed and not yet closed (for TF's warning). */
let openInteractiveSessions = 0

/**
 * A session that makes itself the default session (and its graph the default graph) on
 * construction, for shells and notebooks: `c.eval()` then needs no session argument.
 * {@link close} removes it from the defaults again.
 *
 * @example
 * ```ts
 * const sess = new tf.compat.v1.InteractiveSession()
 * const c = tf.mul(tf.constant(5), tf.constant(6))
 * console.log(c.eval()) // 30
 * sess.close()
 * ```
 */
export class InteractiveSession extends Session {
  #installed = false

  /**
   * `new Session(target?, graph?, config?)` as in TensorFlow, or `new Session({ target, graph,
   * config })`.
   *
   * @param targetOrOptions - The execution engine — only `""` (in-process, the default) is
   *   supported — or the options object.
   * @param graph - The graph to run; the default graph when absent.
   * @param config - Engine configuration.
   * @throws InvalidArgumentError for any other target.
   */
  constructor(targetOrOptions?: string | SessionOptions, graph?: Graph | null, config?: SessionConfig | null) {
    super(targetOrOptions, graph, config)
    if (openInteractiveSessions > 0) {
      // TensorFlow's warning, word for word in substance.
      process.emitWarning(
        'An interactive session is already active. This can cause out-of-memory errors in some cases. ' +
          'You must explicitly call `InteractiveSession.close()` to release resources held by the other session(s).',
        { code: 'SESSIONFLOW_INTERACTIVE_SESSION_OPEN' },
      )
    }
    openInteractiveSessions++
    defaultSessionStack.push(this)
    defaultGraphStack.push(this.graph)
    this.#installed = true
  }

  /** Closes the session and stops it being the default session. Idempotent. */
  override close(): void {
    if (this.#installed) {
      this.#installed = false
      openInteractiveSessions--
      defaultSessionStack.remove(this)
      defaultGraphStack.remove(this.graph)
    }
    super.close()
  }
}

/**
 * Runs `fn` with a new session as the default session (and its graph as the default graph), then
 * closes it: the port of
 *
 * ```python
 * with tf.compat.v1.Session() as sess:
 *     print(c.eval())
 * ```
 *
 * The session is closed when `fn` returns or throws; when `fn` returns a promise, once it
 * settles. Returns what `fn` returns.
 *
 * @param fn - The body; receives the session.
 * @param options - target, graph and config for the session.
 */
export function withSession<R>(fn: (session: Session) => R, options?: SessionOptions): R {
  const session = new Session(options ?? {})
  return scoped(
    () => {},
    () => session.close(),
    () => defaultGraphStack.runWith(session.graph, () => defaultSessionStack.runWith(session, () => fn(session))),
  )
}

/** The engine's fetched values as NDArrays, checked against the number asked for. */
function toArrays(result: RunResult, expected: number): NDArray[] {
  if (result.values.length !== expected) {
    throw new InternalError(`The engine returned ${result.values.length} values for ${expected} fetches`)
  }
  return result.values.map((v) => {
    if (!isDType(v.dtype)) throw new InternalError(`The engine returned a tensor of unknown dtype '${v.dtype}'`)
    return NDArray.fromBytes(v.dtype as DType, v.shape, v.data)
  })
}
