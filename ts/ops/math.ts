/**
 * Elementwise math: arithmetic with numpy broadcasting, comparisons, logic and unary functions
 * (TF's `math_ops`).
 *
 * @packageDocumentation
 */

import type { Tensor } from '../tensor.js'
import { type TensorLike, binaryOp } from './core.js'

/** `a + b` elementwise, with numpy broadcasting (op `AddV2`). */
export function add(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('AddV2', name ?? 'add', a, b)
}

/** `a * b` elementwise, with numpy broadcasting (op `Mul`). */
export function mul(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Mul', name ?? 'mul', a, b)
}

/** The math builders, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const MATH_TABLE = {
  add: ['add', add],
  mul: ['multiply', mul],
} as const
