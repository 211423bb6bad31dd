/**
 * Nested structures of values — arrays and plain objects of tensors — as TensorFlow's `nest`
 * handles them for `tf.cond` outputs and `tf.whileLoop` variables: flattened to a list of leaves
 * in a fixed order (arrays by index, objects by sorted key), compared, and packed back.
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js'
import { NDArray } from '../ndarray.js'
import { Tensor } from '../tensor.js'

/** A leaf: a tensor, or a value that becomes a constant tensor. */
export type Leaf = Tensor | NDArray | number | boolean | bigint | string | ArrayBufferView

/** A leaf, or an array or plain object of nested structures. */
export type Nested<L = Leaf> = L | readonly Nested<L>[] | { readonly [key: string]: Nested<L> }

/** A structure with every leaf a {@link Tensor}: what `tf.cond` and `tf.whileLoop` return. */
export type TensorsOf<T> = T extends Leaf
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: TensorsOf<T[K]> }
    : T extends object
      ? { -readonly [K in keyof T]: TensorsOf<T[K]> }
      : Tensor

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

function isStructure(value: unknown): value is readonly unknown[] | Record<string, unknown> {
  return Array.isArray(value) || isPlainObject(value)
}

/** The leaves of `structure`, arrays in index order and objects in sorted key order. */
export function flatten(structure: unknown): unknown[] {
  const out: unknown[] = []
  const walk = (s: unknown): void => {
    if (Array.isArray(s)) for (const item of s) walk(item)
    else if (isPlainObject(s)) for (const key of Object.keys(s).sort()) walk(s[key])
    else out.push(s)
  }
  walk(structure)
  return out
}

/** `structure` with its leaves replaced, in {@link flatten}'s order, by `leaves`. */
export function pack(structure: unknown, leaves: readonly unknown[]): unknown {
  let next = 0
  const build = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(build)
    if (isPlainObject(s)) {
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(s).sort()) out[key] = build(s[key])
      return out
    }
    return leaves[next++]
  }
  const packed = build(structure)
  if (next !== leaves.length) {
    throw new InvalidArgumentError(`Cannot pack ${leaves.length} values into a structure of ${next}`)
  }
  return packed
}

/** A short description of a structure's shape, for messages: `[*, {a: *, b: *}]`. */
export function describeStructure(structure: unknown): string {
  if (Array.isArray(structure)) return `[${structure.map(describeStructure).join(', ')}]`
  if (isPlainObject(structure)) {
    const keys = Object.keys(structure).sort()
    return `{${keys.map((k) => `${k}: ${describeStructure(structure[k])}`).join(', ')}}`
  }
  return '*'
}

/** Whether `a` and `b` nest the same way (the same array lengths and object keys). */
export function sameStructure(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameStructure(x, b[i]))
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false
    const keys = Object.keys(a).sort()
    const other = Object.keys(b).sort()
    return keys.length === other.length && keys.every((k, i) => k === other[i] && sameStructure(a[k], b[k]))
  }
  return true
}

/**
 * The values of `other` at the leaves of `structure` (TF's `nest.flatten_up_to`): `other` nests
 * like `structure` down to its leaves, below which anything (such as a shape array) is one value.
 */
export function flattenUpTo(structure: unknown, other: unknown, what: string): unknown[] {
  const out: unknown[] = []
  const walk = (s: unknown, o: unknown): void => {
    if (!isStructure(s)) {
      out.push(o)
      return
    }
    if (Array.isArray(s)) {
      if (!Array.isArray(o) || o.length !== s.length) throw mismatch()
      s.forEach((item, i) => walk(item, o[i]))
      return
    }
    const keys = Object.keys(s).sort()
    if (!isPlainObject(o) || Object.keys(o).length !== keys.length) throw mismatch()
    for (const key of keys) {
      if (!(key in o)) throw mismatch()
      walk((s as Record<string, unknown>)[key], o[key])
    }
  }
  const mismatch = () =>
    new InvalidArgumentError(`${what} must nest like the loop variables, ${describeStructure(structure)}`)
  walk(structure, other)
  return out
}
