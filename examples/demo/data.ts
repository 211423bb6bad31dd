// The 8×8 handwritten digits shipped in examples/data (see LICENSE-digits.md there): decoding the
// file, a seeded stratified train/test split, and minibatches as float32 images in [0, 1].
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** Where the demo's copy of the dataset lives. */
export const DIGITS_PATH = join(__dirname, '..', 'data', 'digits.bin.gz')

/** The file's first 8 bytes (scripts/data/make_digits.py writes the layout). */
const MAGIC = 'SFDIGIT1'
const HEADER_BYTES = 16

/** The images and labels of the file, in its order. */
export interface Digits {
  /** How many images. */
  readonly count: number
  /** Image height and width, in pixels. */
  readonly rows: number
  readonly cols: number
  /** How many classes the labels name (10). */
  readonly classes: number
  /** The largest pixel value (16: the images count "on" pixels in 4×4 blocks). */
  readonly maxValue: number
  /** `count · rows · cols` pixel values, image after image, row-major. */
  readonly pixels: Uint8Array
  /** One label per image. */
  readonly labels: Uint8Array
}

/**
 * Decodes the gzipped dataset file.
 *
 * @throws Error when the file is not the layout make_digits.py writes, or a value is out of range.
 */
export function decodeDigits(gzipped: Uint8Array): Digits {
  const raw = gunzipSync(gzipped)
  if (raw.length < HEADER_BYTES || raw.subarray(0, 8).toString('latin1') !== MAGIC) {
    throw new Error(`not a digits file: expected the magic ${MAGIC}`)
  }
  const count = raw.readUInt32LE(8)
  const [rows, cols, classes, maxValue] = [raw[12], raw[13], raw[14], raw[15]]
  const pixelBytes = count * rows * cols
  if (raw.length !== HEADER_BYTES + pixelBytes + count) {
    throw new Error(`digits file of ${raw.length} bytes; its header promises ${HEADER_BYTES + pixelBytes + count}`)
  }
  // Copies, so the decoded arrays own compact buffers of their own.
  const pixels = new Uint8Array(raw.subarray(HEADER_BYTES, HEADER_BYTES + pixelBytes))
  const labels = new Uint8Array(raw.subarray(HEADER_BYTES + pixelBytes))
  if (pixels.some((p) => p > maxValue)) throw new Error(`a pixel is above ${maxValue}`)
  if (labels.some((l) => l >= classes)) throw new Error(`a label is outside 0..${classes - 1}`)
  return { count, rows, cols, classes, maxValue, pixels, labels }
}

/** Reads and decodes the dataset file (the repository's copy by default). */
export function loadDigits(path: string = DIGITS_PATH): Digits {
  return decodeDigits(readFileSync(path))
}

/**
 * A small seeded generator of uniform floats in [0, 1) (mulberry32): the same seed gives the
 * same sequence on every platform, which Math.random cannot promise.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Shuffles `items` in place (Fisher–Yates) with `random`; returns it. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

/** Image indices of the training and test sets, each in ascending order. */
export interface Split {
  readonly train: readonly number[]
  readonly test: readonly number[]
}

/** Options of {@link splitDigits}. */
export interface SplitOptions {
  /** The share of images held out for testing; 0.2 by default (360 of 1,797). */
  testFraction?: number
  /** Seeds the shuffle within each class; 0 by default. */
  seed?: number
}

/**
 * A stratified split: `ceil(testFraction · count)` test images in all, shared among the classes
 * in proportion to their sizes (the largest remainders get the leftover places, lower class
 * first on ties), each class's test images drawn by a seeded shuffle of that class. Every
 * image is in exactly one of the two sets; the same data and options give the same split.
 */
export function splitDigits(digits: Digits, options: SplitOptions = {}): Split {
  const testFraction = options.testFraction ?? 0.2
  const random = seededRandom(options.seed ?? 0)
  const byClass: number[][] = Array.from({ length: digits.classes }, () => [])
  digits.labels.forEach((label, i) => byClass[label].push(i))

  const testTotal = Math.ceil(testFraction * digits.count)
  const exact = byClass.map((members) => (members.length * testTotal) / digits.count)
  const quota = exact.map(Math.floor)
  const byRemainder = exact.map((e, c) => [e - Math.floor(e), c]).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  const leftover = testTotal - quota.reduce((a, b) => a + b, 0)
  for (let k = 0; k < leftover; k++) quota[byRemainder[k][1]]++

  const train: number[] = []
  const test: number[] = []
  byClass.forEach((members, c) => {
    const shuffled = shuffle([...members], random)
    test.push(...shuffled.slice(0, quota[c]))
    train.push(...shuffled.slice(quota[c]))
  })
  const ascending = (a: number, b: number) => a - b
  return { train: train.sort(ascending), test: test.sort(ascending) }
}

/** Images as the network takes them: `[n, rows, cols, 1]` float32 in [0, 1], and int32 labels. */
export interface Batch {
  readonly images: Float32Array
  readonly labels: Int32Array
  readonly size: number
}

/** Every image scaled to [0, 1] once, so that batches are plain copies. */
export function scaledImages(digits: Digits): Float32Array {
  const scaled = new Float32Array(digits.pixels.length)
  for (let i = 0; i < scaled.length; i++) scaled[i] = digits.pixels[i] / digits.maxValue
  return scaled
}

/** Copies the images and labels at `indices` into `into` (allocated when not given). */
export function gatherBatch(
  digits: Digits,
  scaled: Float32Array,
  indices: readonly number[],
  into?: { images: Float32Array; labels: Int32Array },
): Batch {
  const pixels = digits.rows * digits.cols
  const images = into?.images.subarray(0, indices.length * pixels) ?? new Float32Array(indices.length * pixels)
  const labels = into?.labels.subarray(0, indices.length) ?? new Int32Array(indices.length)
  indices.forEach((index, row) => {
    images.set(scaled.subarray(index * pixels, (index + 1) * pixels), row * pixels)
    labels[row] = digits.labels[index]
  })
  return { images, labels, size: indices.length }
}
