/**
 * Every op builder, by family. Each family file exports its builders and a table entry per
 * builder; `api.ts` derives the `tf.*`, `tf.nn.*` and `tf.compat.v1.*` names from those tables.
 *
 * @packageDocumentation
 */

export * from './array.js'
export * from './core.js'
export * from './indexing.js'
export * from './linalg.js'
export * from './math.js'
export * from './nn_activation.js'
export * from './nn_conv.js'
export * from './random.js'
export * from './reduction.js'
