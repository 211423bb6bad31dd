/**
 * The port of Python's `with` blocks: a stack of defaults and a scope helper that undoes its
 * setup when the body returns, throws, or — for an async body — when its promise settles.
 *
 * @packageDocumentation
 */

import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * A stack of defaults (default graphs, default sessions); the top one is current. Scoped entries
 * ({@link DefaultStack.runWith}) follow the async context, as Python's thread-local defaults
 * follow a thread: inside `await x.asDefault(async () => …)` the default stays `x` across awaits,
 * and concurrent async scopes never see each other's. Entries pushed outside any scope (an
 * `InteractiveSession`) are process-wide and lie beneath the scoped ones.
 */
export class DefaultStack<T> {
  readonly #global: T[] = []
  readonly #scoped = new AsyncLocalStorage<readonly T[]>()

  /** The current default, or `undefined` when there is none. */
  get top(): T | undefined {
    const scoped = this.#scoped.getStore()
    if (scoped !== undefined && scoped.length > 0) return scoped[scoped.length - 1]
    return this.#global[this.#global.length - 1]
  }

  /** Runs `body` (and whatever it awaits) with `item` as the current default. */
  runWith<R>(item: T, body: () => R): R {
    return this.#scoped.run([...(this.#scoped.getStore() ?? []), item], body)
  }

  /**
   * Makes `item` the current default for the rest of the current async context (the `using`
   * form of a scope); disposing the result restores the previous default.
   */
  enter(item: T): Disposable {
    const previous = this.#scoped.getStore()
    this.#scoped.enterWith([...(previous ?? []), item])
    return { [Symbol.dispose]: () => this.#scoped.enterWith(previous ?? []) }
  }

  /** Makes `item` the process-wide default until {@link DefaultStack.remove}d. */
  push(item: T): void {
    this.#global.push(item)
  }

  /** Removes the most recent process-wide entry of `item` (no-op when absent). */
  remove(item: T): void {
    const index = this.#global.lastIndexOf(item)
    if (index >= 0) this.#global.splice(index, 1)
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/**
 * Runs `body` between `enter()` and `exit()`, like a `with` block. `exit` runs when `body`
 * returns or throws; when `body` returns a promise, `exit` runs once it settles, and the promise
 * returned resolves (or rejects) with `body`'s outcome after that.
 */
export function scoped<R>(enter: () => void, exit: () => void, body: () => R): R {
  enter()
  let result: R
  try {
    result = body()
  } catch (error) {
    exit()
    throw error
  }
  if (!isPromiseLike(result)) {
    exit()
    return result
  }
  return Promise.resolve(result).finally(exit) as R
}
