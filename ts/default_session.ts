/**
 * The stack of default sessions: what `tensor.eval()` and `operation.run()` use when no session
 * is passed. Sessions enter it through `sess.asDefault(fn)`, `withSession(fn)` and
 * `new InteractiveSession()`.
 *
 * @packageDocumentation
 */

import { DefaultStack } from './scope.js'
import type { Session } from './session.js'

/** The default sessions, innermost last. @internal */
export const defaultSessionStack = new DefaultStack<Session>()

/**
 * The default session of the current scope (TF's `get_default_session`), or `null` when none is
 * registered.
 */
export function getDefaultSession(): Session | null {
  return defaultSessionStack.top ?? null
}
