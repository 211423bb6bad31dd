/**
 * Array manipulation: reshaping, transposing, joining, splitting, slicing, padding and tiling (TF's `array_ops`).
 *
 * @packageDocumentation
 */

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const ARRAY_TABLE = {} as const
