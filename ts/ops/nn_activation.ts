/**
 * Neural-network activations, softmax, losses and bias addition (`tf.nn.*`).
 *
 * @packageDocumentation
 */

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const NN_ACTIVATION_TABLE = {} as const
