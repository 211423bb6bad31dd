/**
 * Random tensors, reproducible with graph-level and op-level seeds.
 *
 * @packageDocumentation
 */

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const RANDOM_TABLE = {} as const
