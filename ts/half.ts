/**
 * IEEE half (float16) and bfloat16 encoding: the engine stores them as raw 16-bit patterns, so
 * JavaScript numbers are rounded to them here (round to nearest, ties to even) and decoded back.
 *
 * @packageDocumentation
 */

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** The float16 bit pattern nearest to `value` (ties to even; overflow to ±infinity). */
export function float16Bits(value: number): number {
  f32[0] = value
  const x = u32[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  const mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0) // inf / nan
  // Work from the float64 value for exact rounding of normals and subnormals alike.
  const abs = Math.abs(value)
  if (abs >= 65520) return sign | 0x7c00 // rounds to infinity
  if (abs < 2 ** -14) {
    // subnormal: units of 2^-24
    return sign | roundHalfEven(abs * 2 ** 24)
  }
  const e = Math.floor(Math.log2(abs))
  let exponent = e
  let m = abs / 2 ** e // in [1, 2) up to log2 imprecision
  if (m >= 2) {
    m /= 2
    exponent += 1
  } else if (m < 1) {
    m *= 2
    exponent -= 1
  }
  let frac = roundHalfEven((m - 1) * 1024)
  if (frac === 1024) {
    frac = 0
    exponent += 1
  }
  if (exponent > 15) return sign | 0x7c00
  return sign | ((exponent + 15) << 10) | frac
}

/** The number a float16 bit pattern stands for. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exp = (bits >>> 10) & 0x1f
  const frac = bits & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

/** The bfloat16 bit pattern nearest to `value` (the top half of its float32, ties to even). */
export function bfloat16Bits(value: number): number {
  f32[0] = value
  const x = u32[0]
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff
  const rounded = x + 0x7fff + ((x >>> 16) & 1)
  return (rounded >>> 16) & 0xffff
}

/** The number a bfloat16 bit pattern stands for. */
export function bfloat16Value(bits: number): number {
  u32[0] = (bits & 0xffff) << 16
  return f32[0]
}

function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r
}
