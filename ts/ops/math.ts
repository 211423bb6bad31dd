/**
 * Elementwise math: arithmetic with numpy broadcasting, comparisons, logic and unary functions
 * (TF's `math_ops`).
 *
 * Division follows TensorFlow's Python functions, which pick the op from the operands' dtype:
 *
 * | builder | floats | integers |
 * |---|---|---|
 * | {@link div} (`tf.compat.v1.div`, Python 2 `/`) | `RealDiv` | `FloorDiv` (rounds toward −∞) |
 * | {@link divide} (`tf.divide`, Python 3 `/`) | `RealDiv` | `Cast` to float, then `RealDiv` |
 * | {@link realdiv} | `RealDiv` | — (no integer kernel) |
 * | {@link floordiv} | `FloorDiv` | `FloorDiv` |
 *
 * The `Div` op itself (truncating integer division, as C) is what imported GraphDefs use;
 * no TF Python function emits it.
 *
 * @packageDocumentation
 */

import { type DType, isFloating } from '../dtype.js'
import { InvalidArgumentError } from '../errors.js'
import { Tensor } from '../tensor.js'
import { type TensorLike, addNode, binaryOp, graphOf, toTensor, unaryOp } from './core.js'

// ---------------------------------------------------------------------------------------------
// Arithmetic

/** `a + b` elementwise, with numpy broadcasting (op `AddV2`; `Add` for strings, which it concatenates). */
export function add(a: TensorLike, b: TensorLike, name?: string): Tensor {
  const [x, y] = operands(a, b)
  return addNode(x.graph, x.dtype === 'string' ? 'Add' : 'AddV2', name ?? 'add', [x, y])[0]
}

/** `a - b` elementwise, with numpy broadcasting (op `Sub`; TF's `tf.subtract`). */
export function sub(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Sub', name ?? 'Sub', a, b)
}

/** `a * b` elementwise, with numpy broadcasting (op `Mul`). */
export function mul(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Mul', name ?? 'mul', a, b)
}

/**
 * `a / b` with TF1's (Python 2) semantics, as `tf.compat.v1.div` and TF1's `Tensor.__div__`:
 * floats divide (op `RealDiv`), integers floor-divide (op `FloorDiv`: `-7 / 2 = -4`). Integer
 * division by zero fails with InvalidArgument.
 */
export function div(a: TensorLike, b: TensorLike, name?: string): Tensor {
  const [x, y] = operands(a, b)
  return addNode(x.graph, isFloating(x.dtype) ? 'RealDiv' : 'FloorDiv', name ?? 'div', [x, y])[0]
}

/** TF's `truediv` dtypes: integers are divided as floats wide enough to hold them. */
const TRUEDIV_DTYPE: Partial<Record<DType, DType>> = {
  int8: 'float32',
  uint8: 'float32',
  int16: 'float32',
  int32: 'float64',
  int64: 'float64',
}

/**
 * `a / b` with Python 3 semantics (TF's `tf.divide` / `truediv`): floats divide (op `RealDiv`);
 * integers are first cast to float32 (8 and 16 bits) or float64 (32 and 64 bits), so
 * `divide(7, 2)` on int32 is `3.5` (float64).
 *
 * @throws InvalidArgumentError for bool and string operands, which TensorFlow cannot divide.
 */
export function divide(a: TensorLike, b: TensorLike, name?: string): Tensor {
  let [x, y] = operands(a, b)
  if (!isFloating(x.dtype)) {
    const dtype = TRUEDIV_DTYPE[x.dtype]
    if (dtype === undefined) throw new InvalidArgumentError(`Invalid dtype ${x.dtype} in __truediv__`)
    const attrs = { SrcT: { type: x.dtype }, DstT: { type: dtype }, Truncate: { b: false } }
    x = addNode(x.graph, 'Cast', 'Cast', [x], attrs)[0]
    y = addNode(y.graph, 'Cast', 'Cast', [y], attrs)[0]
  }
  return addNode(x.graph, 'RealDiv', name ?? 'truediv', [x, y])[0]
}

/** `a / b` for floats (op `RealDiv`). */
export function realdiv(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('RealDiv', name ?? 'RealDiv', a, b)
}

/**
 * `floor(a / b)` elementwise (op `FloorDiv`), for integers and floats; integer division by zero
 * fails with InvalidArgument.
 */
export function floordiv(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('FloorDiv', name ?? 'floordiv', a, b)
}

/** {@link floordiv} under TF's other name, `floor_div`. */
export const floorDiv: typeof floordiv = floordiv

/**
 * The remainder of {@link floordiv} (op `FloorMod`): it has the divisor's sign, as Python's `%`
 * (`-7 mod 3 = 2`, `7 mod -3 = -2`).
 */
export function floormod(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('FloorMod', name ?? 'FloorMod', a, b)
}

/** {@link floormod} under TF's other name, `mod`. */
export const mod: typeof floormod = floormod

/**
 * `a ** b` elementwise (op `Pow`). Integer powers wrap on overflow; a negative integer exponent
 * fails with InvalidArgument.
 */
export function pow(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Pow', name ?? 'Pow', a, b)
}

/** The larger of `a` and `b` elementwise (op `Maximum`); NaN if either is NaN. */
export function maximum(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Maximum', name ?? 'Maximum', a, b)
}

/** The smaller of `a` and `b` elementwise (op `Minimum`); NaN if either is NaN. */
export function minimum(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Minimum', name ?? 'Minimum', a, b)
}

/** `(a - b)²` elementwise (op `SquaredDifference`). */
export function squaredDifference(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('SquaredDifference', name ?? 'SquaredDifference', a, b)
}

/**
 * The sum of a list of same-shaped tensors (op `AddN`; no broadcasting). A single input is
 * returned as it is (through an `Identity` named `name`, if a name is given), as TF's `add_n`.
 *
 * @throws InvalidArgumentError for an empty list.
 */
export function addN(inputs: readonly TensorLike[], name?: string): Tensor {
  if (inputs.length === 0) {
    throw new InvalidArgumentError(
      'Inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype and shape.',
    )
  }
  const graph = graphOf(...inputs)
  const dtype = inputs.find((v): v is Tensor => v instanceof Tensor)?.dtype
  const tensors = inputs.map((v) => toTensor(graph, v, dtype))
  if (tensors.length === 1) {
    return name === undefined ? tensors[0] : addNode(graph, 'Identity', name, tensors)[0]
  }
  return addNode(graph, 'AddN', name ?? 'AddN', tensors)[0]
}

// ---------------------------------------------------------------------------------------------
// Comparisons and logic (bool outputs)

/** `a == b` elementwise, with broadcasting (op `Equal`); numbers, bools and strings. */
export function equal(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Equal', name ?? 'Equal', a, b)
}

/** `a != b` elementwise, with broadcasting (op `NotEqual`); numbers, bools and strings. */
export function notEqual(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('NotEqual', name ?? 'NotEqual', a, b)
}

/** `a < b` elementwise, with broadcasting (op `Less`). */
export function less(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Less', name ?? 'Less', a, b)
}

/** `a <= b` elementwise, with broadcasting (op `LessEqual`). */
export function lessEqual(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('LessEqual', name ?? 'LessEqual', a, b)
}

/** `a > b` elementwise, with broadcasting (op `Greater`). */
export function greater(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('Greater', name ?? 'Greater', a, b)
}

/** `a >= b` elementwise, with broadcasting (op `GreaterEqual`). */
export function greaterEqual(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('GreaterEqual', name ?? 'GreaterEqual', a, b)
}

/** `a AND b` elementwise on bools, with broadcasting (op `LogicalAnd`). */
export function logicalAnd(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('LogicalAnd', name ?? 'LogicalAnd', a, b)
}

/** `a OR b` elementwise on bools, with broadcasting (op `LogicalOr`). */
export function logicalOr(a: TensorLike, b: TensorLike, name?: string): Tensor {
  return binaryOp('LogicalOr', name ?? 'LogicalOr', a, b)
}

/** `NOT x` elementwise on bools (op `LogicalNot`). */
export function logicalNot(x: TensorLike, name?: string): Tensor {
  return unaryOp('LogicalNot', name ?? 'LogicalNot', x)
}

// ---------------------------------------------------------------------------------------------
// Unary functions (a plain value becomes a float32 constant)

/** `-x` (op `Neg`; TF's `tf.negative`); integers wrap (`-(-128) = -128` in int8). */
export function neg(x: TensorLike, name?: string): Tensor {
  return unaryOp('Neg', name ?? 'Neg', x)
}

/** `|x|` (op `Abs`); integers wrap (`|-128| = -128` in int8). */
export function abs(x: TensorLike, name?: string): Tensor {
  return unaryOp('Abs', name ?? 'Abs', x)
}

/** −1, 0 or 1 by the sign of `x` (op `Sign`); NaN stays NaN. */
export function sign(x: TensorLike, name?: string): Tensor {
  return unaryOp('Sign', name ?? 'Sign', x)
}

/** `x²` (op `Square`). */
export function square(x: TensorLike, name?: string): Tensor {
  return unaryOp('Square', name ?? 'Square', x)
}

/** `√x` (op `Sqrt`); NaN for negative `x`. */
export function sqrt(x: TensorLike, name?: string): Tensor {
  return unaryOp('Sqrt', name ?? 'Sqrt', x)
}

/** `1 / √x` (op `Rsqrt`). */
export function rsqrt(x: TensorLike, name?: string): Tensor {
  return unaryOp('Rsqrt', name ?? 'Rsqrt', x)
}

/** `1 / x` (op `Reciprocal`). */
export function reciprocal(x: TensorLike, name?: string): Tensor {
  return unaryOp('Reciprocal', name ?? 'Reciprocal', x)
}

/** `eˣ` (op `Exp`). */
export function exp(x: TensorLike, name?: string): Tensor {
  return unaryOp('Exp', name ?? 'Exp', x)
}

/** `eˣ − 1`, accurate for `x` near 0 (op `Expm1`). */
export function expm1(x: TensorLike, name?: string): Tensor {
  return unaryOp('Expm1', name ?? 'Expm1', x)
}

/** The natural logarithm (op `Log`). */
export function log(x: TensorLike, name?: string): Tensor {
  return unaryOp('Log', name ?? 'Log', x)
}

/** `ln(1 + x)`, accurate for `x` near 0 (op `Log1p`). */
export function log1p(x: TensorLike, name?: string): Tensor {
  return unaryOp('Log1p', name ?? 'Log1p', x)
}

/** The sine (op `Sin`). */
export function sin(x: TensorLike, name?: string): Tensor {
  return unaryOp('Sin', name ?? 'Sin', x)
}

/** The cosine (op `Cos`). */
export function cos(x: TensorLike, name?: string): Tensor {
  return unaryOp('Cos', name ?? 'Cos', x)
}

/** The tangent (op `Tan`). */
export function tan(x: TensorLike, name?: string): Tensor {
  return unaryOp('Tan', name ?? 'Tan', x)
}

/** The hyperbolic tangent (op `Tanh`). */
export function tanh(x: TensorLike, name?: string): Tensor {
  return unaryOp('Tanh', name ?? 'Tanh', x)
}

/** The logistic function `1 / (1 + e⁻ˣ)` (op `Sigmoid`). */
export function sigmoid(x: TensorLike, name?: string): Tensor {
  return unaryOp('Sigmoid', name ?? 'Sigmoid', x)
}

/** The Gauss error function (op `Erf`). */
export function erf(x: TensorLike, name?: string): Tensor {
  return unaryOp('Erf', name ?? 'Erf', x)
}

/** The largest integer ≤ `x` (op `Floor`). */
export function floor(x: TensorLike, name?: string): Tensor {
  return unaryOp('Floor', name ?? 'Floor', x)
}

/** The smallest integer ≥ `x` (op `Ceil`). */
export function ceil(x: TensorLike, name?: string): Tensor {
  return unaryOp('Ceil', name ?? 'Ceil', x)
}

/**
 * `x` rounded to the nearest integer, halves to even (op `Round`: `2.5 → 2`, `3.5 → 4`). Integer
 * tensors are returned as they are, as TF's `tf.round` does.
 */
export function round(x: TensorLike, name?: string): Tensor {
  const graph = graphOf(x)
  const t = toTensor(graph, x)
  if (t.dtype !== 'bool' && t.dtype !== 'string' && !isFloating(t.dtype)) return t
  return addNode(graph, 'Round', name ?? 'Round', [t])[0]
}

// ---------------------------------------------------------------------------------------------

/** Both operands as tensors of one graph, a plain value taking the other's dtype. */
function operands(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const graph = graphOf(a, b)
  const x = toTensor(graph, a, b instanceof Tensor ? b.dtype : undefined)
  return [x, toTensor(graph, b, x.dtype)]
}

/** The math builders, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const MATH_TABLE = {
  add: ['add', add],
  sub: ['subtract', sub],
  mul: ['multiply', mul],
  div: ['div', div],
  divide: ['divide', divide],
  realdiv: ['realdiv', realdiv],
  floordiv: ['floordiv', floordiv],
  floorDiv: ['floor_div', floorDiv],
  floormod: ['floormod', floormod],
  mod: ['mod', mod],
  pow: ['pow', pow],
  maximum: ['maximum', maximum],
  minimum: ['minimum', minimum],
  squaredDifference: ['squared_difference', squaredDifference],
  addN: ['add_n', addN],
  equal: ['equal', equal],
  notEqual: ['not_equal', notEqual],
  less: ['less', less],
  lessEqual: ['less_equal', lessEqual],
  greater: ['greater', greater],
  greaterEqual: ['greater_equal', greaterEqual],
  logicalAnd: ['logical_and', logicalAnd],
  logicalOr: ['logical_or', logicalOr],
  logicalNot: ['logical_not', logicalNot],
  neg: ['negative', neg],
  abs: ['abs', abs],
  sign: ['sign', sign],
  square: ['square', square],
  sqrt: ['sqrt', sqrt],
  rsqrt: ['rsqrt', rsqrt],
  reciprocal: ['reciprocal', reciprocal],
  exp: ['exp', exp],
  expm1: ['expm1', expm1],
  log: ['log', log],
  log1p: ['log1p', log1p],
  sin: ['sin', sin],
  cos: ['cos', cos],
  tan: ['tan', tan],
  tanh: ['tanh', tanh],
  sigmoid: ['sigmoid', sigmoid],
  erf: ['erf', erf],
  floor: ['floor', floor],
  ceil: ['ceil', ceil],
  round: ['round', round],
} as const
