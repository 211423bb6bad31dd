/**
 * Linear algebra: matrix products (TF's `MatMul`, `BatchMatMulV2`).
 *
 * @packageDocumentation
 */

import type { Tensor } from '../tensor.js'
import { type TensorLike, binaryOp } from './core.js'

/** Options of {@link matmul}. */
export interface MatMulOptions {
  /** Transpose `a` before multiplying. */
  transposeA?: boolean
  /** Transpose `b` before multiplying. */
  transposeB?: boolean
  /** The node name; `"MatMul"` by default. */
  name?: string
}

/**
 * The matrix product of two rank-2 tensors (op `MatMul`), optionally transposing either first.
 *
 * @example `tf.matmul(a, b, { transposeB: true })` is a · bᵀ.
 */
export function matmul(a: TensorLike, b: TensorLike, options: MatMulOptions = {}): Tensor {
  return binaryOp('MatMul', options.name ?? 'MatMul', a, b, {
    transpose_a: { b: options.transposeA ?? false },
    transpose_b: { b: options.transposeB ?? false },
  })
}

/** The linear-algebra builders, for the API table. @internal */
export const LINALG_TABLE = {
  matmul: ['matmul', matmul],
} as const
