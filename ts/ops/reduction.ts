/**
 * Reductions and scans: sums, means, extrema, arg-extrema, cumulative sums and top-k.
 *
 * @packageDocumentation
 */

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const REDUCTION_TABLE = {} as const
