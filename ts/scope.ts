/**
 * The port of Python's `with` blocks: a stack of defaults and a scope helper that undoes its
 * setup when the body returns, throws, or — for an async body — when its promise settles.
 *
 * @packageDocumentation
 */

/** A stack of defaults (default graphs, default sessions); the top one is current. */
export class DefaultStack<T> {
  readonly #items: T[] = []

  /** The current default, or `undefined` when the stack is empty. */
  get top(): T | undefined {
    return this.#items[this.#items.length - 1]
  }

  /** Makes `item` the current default. */
  push(item: T): void {
    this.#items.push(item)
  }

  /** Removes the most recent entry of `item`, wherever it is (no-op when absent). */
  remove(item: T): void {
    const index = this.#items.lastIndexOf(item)
    if (index >= 0) this.#items.splice(index, 1)
  }

  /** Whether `item` is on the stack. */
  includes(item: T): boolean {
    return this.#items.includes(item)
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
