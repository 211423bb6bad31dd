/**
 * Indexing and construction: gather/scatter, one-hot, where/select, fill, shapes and sizes, casts and ranges.
 *
 * @packageDocumentation
 */

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const INDEXING_TABLE = {} as const
