/**
 * numpy-style printing of arrays (`str(np.array(...))`): the same brackets, separators, line
 * wrapping at 75 columns and `...` summaries past 1000 elements, with these element rules:
 *
 * - integers as decimal; `bool` as `True` / `False`; strings quoted as Python's `repr` quotes
 *   them (`'x'`, `"it's"`), except a rank-0 string, which prints bare (numpy's `str`);
 * - floats in JavaScript's shortest round-trip form *for their own dtype* (float32 `0.1` prints
 *   `0.1`, and `30.0` prints `30`, where numpy would print `30.`), `nan`, `inf`, `-inf`;
 * - within one array every element gets the same width: integers and booleans are right-aligned,
 *   floats are aligned on their decimal point (numpy's `[ 1.25 10.  ]` becomes `[ 1.25 10   ]`),
 *   and non-finite or exponent forms are right-aligned to the common width; strings are not
 *   padded.
 *
 * @packageDocumentation
 */

import { type DType, type Scalar, isFloating } from './dtype.js'
import { bfloat16Bits, float16Bits } from './half.js'
import { sizeOf } from './shape.js'

/** numpy's print options (`np.get_printoptions()` defaults). */
const LINE_WIDTH = 75
const THRESHOLD = 1000
const EDGE_ITEMS = 3
const SEPARATOR = ' '
const SUMMARY = '...'

/**
 * The numpy `str()` of an array of `shape` whose row-major element `i` is `element(i)`.
 * A rank-0 array prints as its single element.
 */
export function formatArray(dtype: DType, shape: readonly number[], element: (i: number) => Scalar | string): string {
  const size = sizeOf(shape)
  if (shape.length === 0) {
    const only = element(0)
    return typeof only === 'string' ? only : formatScalar(dtype, only)
  }
  if (size === 0) return '[]'
  const summarize = size > THRESHOLD
  const strides = rowMajorStrides(shape)

  // Width is decided over the elements that are shown, as numpy does; strings keep their own.
  const shown: string[] = []
  visitShown(shape, strides, summarize, 0, 0, (i) => shown.push(formatScalar(dtype, element(i))))
  const pad = dtype === 'string' ? (s: string): string => s : padder(shown, isFloating(dtype))

  const recurse = (axis: number, offset: number, hangingIndent: string, width: number): string => {
    if (axis === shape.length) return pad(formatScalar(dtype, element(offset)))
    const len = shape[axis]
    const stride = strides[axis]
    const nextIndent = hangingIndent + ' '
    const nextWidth = width - 1 // room for the closing ']'
    const showSummary = summarize && 2 * EDGE_ITEMS < len
    const leading = showSummary ? EDGE_ITEMS : 0
    const trailing = showSummary ? EDGE_ITEMS : len
    const child = (i: number): string => recurse(axis + 1, offset + i * stride, nextIndent, nextWidth)
    let s = ''
    if (axis === shape.length - 1) {
      // The last axis: elements on lines, wrapped before they pass the line width.
      const elemWidth = width - Math.max(SEPARATOR.trimEnd().length, 1)
      let line = hangingIndent
      const extend = (word: string): void => {
        if (line.length + word.length > elemWidth && line.length > hangingIndent.length) {
          s += line.trimEnd() + '\n'
          line = hangingIndent
        }
        line += word
      }
      for (let i = 0; i < leading; i++) {
        extend(child(i))
        line += SEPARATOR
      }
      if (showSummary) {
        extend(SUMMARY)
        line += SEPARATOR
      }
      for (let i = len - trailing; i < len - 1; i++) {
        extend(child(i))
        line += SEPARATOR
      }
      extend(child(len - 1))
      s += line
    } else {
      // Outer axes: one sub-array per line, blank lines between blocks of rank > 2.
      const lineSep = SEPARATOR.trimEnd() + '\n'.repeat(shape.length - axis - 1)
      for (let i = 0; i < leading; i++) s += hangingIndent + child(i) + lineSep
      if (showSummary) s += hangingIndent + SUMMARY + lineSep
      for (let i = len - trailing; i < len - 1; i++) s += hangingIndent + child(i) + lineSep
      s += hangingIndent + child(len - 1)
    }
    return '[' + s.slice(hangingIndent.length) + ']'
  }
  return recurse(0, 0, ' ', LINE_WIDTH)
}

/** One element as printed, without padding. */
export function formatScalar(dtype: DType, value: Scalar | string): string {
  if (typeof value === 'string') return pythonRepr(value)
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'bigint') return value.toString()
  if (Number.isNaN(value)) return 'nan'
  if (value === Infinity) return 'inf'
  if (value === -Infinity) return '-inf'
  if (Object.is(value, -0)) return '-0'
  return shortest(dtype, value)
}

/**
 * A string quoted as Python's `repr` quotes it: single quotes unless the string contains a
 * single quote and no double quote; backslashes, the quote and control characters escaped.
 */
function pythonRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '\\' || ch === quote) out += '\\' + ch
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + quote
}

/** The shortest decimal that reads back as the same value of `dtype`, in JavaScript's style. */
function shortest(dtype: DType, value: number): string {
  const same = roundTrip(dtype)
  if (same !== undefined) {
    for (let digits = 1; digits < 17; digits++) {
      const candidate = Number(value.toPrecision(digits))
      if (same(candidate, value)) return String(candidate)
    }
  }
  return String(value)
}

function roundTrip(dtype: DType): ((candidate: number, value: number) => boolean) | undefined {
  switch (dtype) {
    case 'float32':
      return (c, v) => Math.fround(c) === v
    case 'float16':
      return (c, v) => float16Bits(c) === float16Bits(v)
    case 'bfloat16':
      return (c, v) => bfloat16Bits(c) === bfloat16Bits(v)
    default:
      return undefined // float64 and integers: String() is already shortest
  }
}

/** Pads every element to one width: decimal-point alignment for floats, right-alignment else. */
function padder(shown: readonly string[], floating: boolean): (s: string) => string {
  const plain = (s: string): boolean => floating && /^-?\d+(\.\d+)?$/.test(s)
  let intWidth = 0
  let fracWidth = 0
  let width = 0
  for (const s of shown) {
    if (plain(s)) {
      const dot = s.indexOf('.')
      intWidth = Math.max(intWidth, dot < 0 ? s.length : dot)
      fracWidth = Math.max(fracWidth, dot < 0 ? 0 : s.length - dot)
    } else {
      width = Math.max(width, s.length)
    }
  }
  width = Math.max(width, intWidth + fracWidth)
  return (s) => {
    if (!plain(s)) return s.padStart(width)
    const dot = s.indexOf('.')
    const intPart = dot < 0 ? s : s.slice(0, dot)
    const fracPart = dot < 0 ? '' : s.slice(dot)
    return (intPart.padStart(intWidth) + fracPart.padEnd(fracWidth)).padStart(width)
  }
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length)
  let stride = 1
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride
    stride *= shape[axis]
  }
  return strides
}

/** Calls `visit` with the flat index of every element a (possibly summarised) print shows. */
function visitShown(
  shape: readonly number[],
  strides: readonly number[],
  summarize: boolean,
  axis: number,
  offset: number,
  visit: (i: number) => void,
): void {
  if (axis === shape.length) {
    visit(offset)
    return
  }
  const len = shape[axis]
  const cut = summarize && 2 * EDGE_ITEMS < len
  for (let i = 0; i < len; i++) {
    if (cut && i === EDGE_ITEMS) i = len - EDGE_ITEMS
    visitShown(shape, strides, summarize, axis + 1, offset + i * strides[axis], visit)
  }
}
