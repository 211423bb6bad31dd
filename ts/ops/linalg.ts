/**
 * Linear algebra: matrix products (TF's `MatMul`, `BatchMatMulV2`).
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js'
import { Tensor } from '../tensor.js'
import { type TensorLike, addNode, graphOf, toTensor } from './core.js'

/** Options of {@link matmul}. */
export interface MatMulOptions {
  /** Transpose `a` before multiplying. */
  transposeA?: boolean
  /** Transpose `b` before multiplying. */
  transposeB?: boolean
  /** Conjugate-transpose `a` (the same as `transposeA` for the real dtypes sessionflow has). */
  adjointA?: boolean
  /** Conjugate-transpose `b`. */
  adjointB?: boolean
  /** The node name; `"MatMul"` by default. */
  name?: string
}

/**
 * The matrix product of `a` and `b`, optionally transposing either first. Rank-2 operands give
 * a `MatMul`; operands of higher (or unknown) rank a `BatchMatMulV2`, which multiplies the
 * matrices in the last two dimensions and broadcasts the leading (batch) dimensions — as
 * `tf.matmul` does.
 *
 * @example `tf.matmul(a, b, { transposeB: true })` is a · bᵀ.
 * @throws InvalidArgumentError when both `transposeA` and `adjointA` (or both for `b`) are set.
 */
export function matmul(a: TensorLike, b: TensorLike, options: MatMulOptions = {}): Tensor {
  if (options.transposeA && options.adjointA) {
    throw new InvalidArgumentError('Only one of transpose_a and adjoint_a can be True.')
  }
  if (options.transposeB && options.adjointB) {
    throw new InvalidArgumentError('Only one of transpose_b and adjoint_b can be True.')
  }
  const graph = graphOf(a, b)
  const x = toTensor(graph, a, b instanceof Tensor ? b.dtype : undefined)
  const y = toTensor(graph, b, x.dtype)
  const ta = (options.transposeA || options.adjointA) ?? false
  const tb = (options.transposeB || options.adjointB) ?? false
  const name = options.name ?? 'MatMul'
  const batched = x.shape === null || x.shape.length > 2 || y.shape === null || y.shape.length > 2
  if (batched) {
    return addNode(graph, 'BatchMatMulV2', name, [x, y], { adj_x: { b: ta }, adj_y: { b: tb } })[0]
  }
  return addNode(graph, 'MatMul', name, [x, y], { transpose_a: { b: ta }, transpose_b: { b: tb } })[0]
}

/** The linear-algebra builders, for the API table. @internal */
export const LINALG_TABLE = {
  matmul: ['matmul', matmul],
} as const
