/**
 * Convolutions, pooling and batch normalisation (`tf.nn.*`).
 *
 * @packageDocumentation
 */

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const NN_CONV_TABLE = {} as const
