/**
 * {@link Callable}: a run signature prepared once (TF's `Session.make_callable`), called with
 * feed values positionally.
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from './errors.js'
import { type FeedValue, feedValue } from './feed.js'
import type { Fetch, FetchPlan, FetchResult } from './fetch.js'
import type { Graph } from './graph.js'
import { type NativeCallable, type RunResult, callNative } from './native.js'
import type { NDArray } from './ndarray.js'
import { type RunMetadata, type RunOptions, fillRunMetadata, nativeRunOptions } from './run_metadata.js'
import type { Tensor } from './tensor.js'

/** The trailing argument of a callable made with `acceptOptions`. */
export interface CallOptions {
  /** Options of the run. */
  options?: RunOptions
  /** Filled with the run's step statistics. */
  runMetadata?: RunMetadata
}

/**
 * A prepared step: call it with one value per tensor of its feed list (plus, when made with
 * `acceptOptions`, a trailing {@link CallOptions}); it returns what `Session.run` would.
 * `callable.async(...)` runs off the JS thread and returns a promise.
 */
export interface Callable<F extends Fetch> {
  (...args: unknown[]): FetchResult<F>
  /** The same call, run off the JS thread. */
  async(...args: unknown[]): Promise<FetchResult<F>>
}

/** Builds a callable around a native one. @internal */
export function makeCallable<F extends Fetch>(
  graph: Graph,
  plan: FetchPlan,
  feedList: readonly Tensor[],
  acceptOptions: boolean,
  native: NativeCallable,
  toResult: (result: RunResult) => NDArray[],
): Callable<F> {
  const split = (args: unknown[]): [unknown[], CallOptions] => {
    const extra = acceptOptions && args.length === feedList.length + 1 ? (args[args.length - 1] as CallOptions) : {}
    const values = acceptOptions && args.length === feedList.length + 1 ? args.slice(0, -1) : args
    if (values.length !== feedList.length) {
      throw new InvalidArgumentError(
        `The callable takes ${feedList.length} feed value(s)${acceptOptions ? ' and optional call options' : ''}, ` +
          `but ${args.length} argument(s) were given`,
      )
    }
    return [values, extra ?? {}]
  }
  const feedValues = (values: unknown[]) => feedList.map((t, i) => feedValue(t, values[i] as FeedValue))
  const finish = (result: RunResult, extra: CallOptions): unknown => {
    fillRunMetadata(extra.runMetadata, result)
    return plan.build(toResult(result))
  }
  const call = (...args: unknown[]): FetchResult<F> => {
    const [values, extra] = split(args)
    const feeds = feedValues(values)
    const options = nativeRunOptions(extra.options)
    return finish(
      callNative(() => native.call(feeds, options), graph.native),
      extra,
    ) as FetchResult<F>
  }
  call.async = (...args: unknown[]): Promise<FetchResult<F>> => {
    let started: Promise<unknown>
    try {
      const [values, extra] = split(args)
      const feeds = feedValues(values)
      const options = nativeRunOptions(extra.options)
      started = callNativeAsync(() => native.callAsync(feeds, options), graph).then((result) => finish(result, extra))
    } catch (error) {
      started = Promise.reject(error)
    }
    return started as Promise<FetchResult<F>>
  }
  return call
}

/** Awaits a native promise, decoding its rejection like {@link callNative}. @internal */
export async function callNativeAsync<T>(start: () => Promise<T>, graph: Graph): Promise<T> {
  const promise = callNative(start, graph.native)
  try {
    return await promise
  } catch (error) {
    // Re-enter callNative to turn the rejection into the right OpError subclass.
    return callNative(() => {
      throw error
    }, graph.native)
  }
}
