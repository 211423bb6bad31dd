/**
 * {@link NDArray}: the value of a tensor after a run, on the JavaScript side.
 *
 * @packageDocumentation
 */

import { type DType, type Scalar, type TypedArray, dtypeSpec } from './dtype.js'
import { InvalidArgumentError, UnimplementedError } from './errors.js'
import { formatArray } from './format.js'
import { sizeOf } from './shape.js'

/** Nested JavaScript arrays of elements, as {@link NDArray.toArray} returns them. */
export type ArrayValue = Scalar | ArrayValue[]

const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom')

/**
 * A dense, row-major array with a dtype and a concrete shape: what `Session.run` and
 * `Tensor.eval` return (TF's numpy `ndarray`).
 *
 * `data` is a TypedArray over the elements: `Float32Array` (float32), `Float64Array` (float64),
 * `Int32Array` / `Int16Array` / `Int8Array` (int32/16/8), `Uint8Array` (uint8 and bool, one byte
 * 0/1 per element), `BigInt64Array` (int64) and `Uint16Array` (float16 and bfloat16 raw bits).
 * Printing (`console.log`, `String(x)`) follows numpy: `30`, `[1 2 3]`, `[[1 2]\n [3 4]]`.
 */
export class NDArray {
  /** The element type. */
  readonly dtype: DType
  /** The size of each dimension; `[]` for a scalar. */
  readonly shape: readonly number[]
  /** The elements, row-major, in the TypedArray of {@link dtype}. */
  readonly data: TypedArray
  readonly #decode: (raw: number | bigint) => Scalar

  /**
   * Wraps existing elements (no copy).
   *
   * @param dtype - The element type.
   * @param shape - Concrete dimensions.
   * @param data - Row-major elements in the TypedArray of `dtype`, as many as `shape` holds.
   * @throws InvalidArgumentError when `data` does not fit `dtype` or `shape`.
   */
  constructor(dtype: DType, shape: readonly number[], data: TypedArray) {
    const spec = dtypeSpec(dtype)
    if (spec === undefined) throw new UnimplementedError(`NDArray of dtype ${dtype} is not supported yet`)
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InvalidArgumentError(`Invalid NDArray shape [${shape.join(', ')}]`)
    }
    if (data.constructor !== spec.alloc(0).constructor) {
      throw new InvalidArgumentError(
        `A ${dtype} NDArray holds a ${spec.alloc(0).constructor.name}, not a ${data.constructor.name}`,
      )
    }
    if (data.length !== sizeOf(shape)) {
      throw new InvalidArgumentError(
        `An NDArray of shape [${shape.join(', ')}] has ${sizeOf(shape)} elements, but ${data.length} were given`,
      )
    }
    this.dtype = dtype
    this.shape = Object.freeze([...shape])
    this.data = data
    this.#decode = spec.decode
  }

  /**
   * Views little-endian element bytes as an NDArray, copying only when the bytes are not aligned
   * for their TypedArray.
   *
   * @internal
   */
  static fromBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array): NDArray {
    const spec = dtypeSpec(dtype)
    if (spec === undefined) throw new UnimplementedError(`Fetching tensors of dtype ${dtype} is not supported yet`)
    const length = bytes.byteLength / spec.byteSize
    const aligned = bytes.byteOffset % spec.byteSize === 0
    const source = aligned ? bytes : bytes.slice()
    return new NDArray(dtype, shape, spec.view(source.buffer, source.byteOffset, length))
  }

  /** The number of elements. */
  get size(): number {
    return this.data.length
  }

  /** The number of dimensions. */
  get rank(): number {
    return this.shape.length
  }

  /**
   * The elements as nested JavaScript arrays (numpy's `tolist()`); a scalar for rank 0.
   * `bool` gives booleans, float16/bfloat16 decoded numbers, int64 bigints.
   */
  toArray(): ArrayValue {
    const build = (axis: number, offset: number): ArrayValue => {
      if (axis === this.shape.length) return this.element(offset)
      const len = this.shape[axis]
      const stride = sizeOf(this.shape.slice(axis + 1))
      const out: ArrayValue[] = new Array<ArrayValue>(len)
      for (let i = 0; i < len; i++) out[i] = build(axis + 1, offset + i * stride)
      return out
    }
    return build(0, 0)
  }

  /**
   * The single element of a one-element array (numpy's `item()`).
   *
   * @throws InvalidArgumentError when the array does not hold exactly one element.
   */
  item(): Scalar {
    if (this.size !== 1) {
      throw new InvalidArgumentError(
        `can only convert an array of size 1 to a scalar, but this array has size ${this.size}`,
      )
    }
    return this.element(0)
  }

  /** Element `index` (row-major) as a JavaScript value. @internal */
  element(index: number): Scalar {
    return this.#decode(this.data[index])
  }

  /** The elements printed as numpy prints an array: `30`, `[1 2 3]`, `[[1 2]\n [3 4]]`. */
  toString(): string {
    return formatArray(this.dtype, this.shape, (i) => this.element(i))
  }

  /** `console.log` and `util.inspect` print the numpy form. */
  [inspectCustom](): string {
    return this.toString()
  }
}
