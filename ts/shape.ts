/**
 * Static shapes: what the graph knows of a tensor's dimensions before it runs.
 *
 * @packageDocumentation
 */

/**
 * A tensor's static shape: `null` when even the rank is unknown, otherwise one entry per
 * dimension, `null` where that dimension's size is unknown (TF's `None`).
 */
export type Shape = readonly (number | null)[] | null

/** The engine's encoding (absent = unknown rank, -1 = unknown dimension) to a {@link Shape}. */
export function shapeFromNative(dims: readonly number[] | undefined | null): Shape {
  return dims == null ? null : dims.map((d) => (d < 0 ? null : d))
}

/** Checks a user-given shape and encodes it for the engine (-1 for an unknown dimension). */
export function shapeToNative(shape: readonly (number | null)[], allowUnknown: boolean): number[] | undefined {
  const out: number[] = []
  for (const d of shape) {
    if (d === null && allowUnknown) out.push(-1)
    else if (typeof d === 'number' && Number.isInteger(d) && d >= 0) out.push(d)
    else return undefined
  }
  return out
}

/** The number of elements of a fully known shape. */
export function sizeOf(dims: readonly number[]): number {
  let n = 1
  for (const d of dims) n *= d
  return n
}

/** Whether concrete `dims` fit a static shape (unknown rank or dimensions accept anything). */
export function isCompatible(shape: Shape, dims: readonly number[]): boolean {
  if (shape === null) return true
  return shape.length === dims.length && shape.every((d, i) => d === null || d === dims[i])
}

/** A shape as TensorFlow prints it: `(2, 3)`, `(3,)`, `()`, `(?, 2)`, `<unknown>`. */
export function formatShape(shape: Shape | readonly number[]): string {
  if (shape === null) return '<unknown>'
  const dims = shape.map((d) => (d === null ? '?' : String(d)))
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`
}
