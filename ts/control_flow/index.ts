/**
 * TF1 control flow: {@link cond} and {@link whileLoop}, built from TensorFlow's dataflow
 * primitives (`Switch`, `Merge`, `Enter`, `Exit`, `NextIteration`, `LoopCond`).
 *
 * @packageDocumentation
 */

import { cond } from './cond.js'
import { whileLoop } from './while_loop.js'

export { type CondOptions, cond } from './cond.js'
export type { Nested, TensorsOf } from './nest.js'
export { type WhileLoopOptions, whileLoop } from './while_loop.js'

/** The control-flow builders, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const CONTROL_FLOW_TABLE = {
  cond: ['cond', cond],
  whileLoop: ['while_loop', whileLoop],
} as const
