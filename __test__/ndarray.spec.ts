// NDArray: data views, conversions, and numpy-style printing.
import { inspect } from 'node:util'

import test from 'ava'
import tf, { NDArray, errors } from 'sessionflow'

const f32 = (shape: number[], values: number[]): NDArray => new NDArray('float32', shape, new Float32Array(values))
const i32 = (shape: number[], values: number[]): NDArray => new NDArray('int32', shape, new Int32Array(values))
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

test('size, rank, shape and data', (t) => {
  const a = i32([2, 3], [1, 2, 3, 4, 5, 6])
  t.is(a.size, 6)
  t.is(a.rank, 2)
  t.deepEqual(a.shape, [2, 3])
  t.true(a.data instanceof Int32Array)
  t.is(a.data[4], 5)
})

test('toArray nests by shape; a scalar gives the element', (t) => {
  t.deepEqual(i32([2, 3], [1, 2, 3, 4, 5, 6]).toArray(), [
    [1, 2, 3],
    [4, 5, 6],
  ])
  t.deepEqual(i32([2, 1, 2], [1, 2, 3, 4]).toArray(), [[[1, 2]], [[3, 4]]])
  t.is(f32([], [2.5]).toArray(), 2.5)
  t.deepEqual(f32([0], []).toArray(), [])
})

test('item() gives the single element, and fails for other sizes', (t) => {
  t.is(f32([1, 1], [4]).item(), 4)
  t.is(new NDArray('bool', [], new Uint8Array([1])).item(), true)
  t.is(new NDArray('int64', [1], new BigInt64Array([9n])).item(), 9n)
  const error = t.throws(() => i32([2], [1, 2]).item(), { instanceOf: errors.InvalidArgumentError })
  t.is(error?.code, 3)
})

test('the constructor checks the TypedArray against dtype and shape', (t) => {
  t.throws(() => new NDArray('float32', [2], new Float64Array(2)), {
    instanceOf: errors.InvalidArgumentError,
  })
  t.throws(() => new NDArray('int32', [2, 2], new Int32Array(3)), {
    instanceOf: errors.InvalidArgumentError,
  })
})

test('prints a scalar as numpy does, floats in shortest form', (t) => {
  t.is(String(f32([], [30])), '30')
  t.is(String(f32([], [0.1])), '0.1') // float32 0.1 is 0.100000001490116…; shortest form is 0.1
  t.is(String(f32([], [-2.5])), '-2.5')
  t.is(String(new NDArray('float64', [], new Float64Array([1 / 3]))), '0.3333333333333333')
  t.is(String(new NDArray('bool', [], new Uint8Array([0]))), 'False')
})

test('prints vectors and matrices with numpy brackets', (t) => {
  t.is(String(i32([3], [1, 2, 3])), '[1 2 3]')
  t.is(String(i32([2, 2], [1, 2, 3, 4])), '[[1 2]\n [3 4]]')
  t.is(String(i32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])), '[[[1 2]\n  [3 4]]\n\n [[5 6]\n  [7 8]]]')
  t.is(String(i32([0], [])), '[]')
})

test('pads every element to one width, right-aligned', (t) => {
  t.is(String(i32([2, 2], [1, 10, 3, 4])), '[[ 1 10]\n [ 3  4]]')
  t.is(String(i32([3], [-1, 200, 3])), '[ -1 200   3]')
  t.is(String(new NDArray('bool', [2], new Uint8Array([1, 0]))), '[ True False]')
})

test('float32 and float16 print their own shortest round-trip form', (t) => {
  // float32(1/3) = 0.3333333432674407958984375: 8 significant digits identify it among float32s
  t.is(String(f32([2], [1 / 3, 0.1])), '[0.33333334 0.1       ]')
  // float16(1/3) = 0x3555 = 0.333251953125; "0.3333" is the shortest decimal rounding to it
  const half = new NDArray('float16', [], new Uint16Array([0x3555]))
  t.is(half.item(), 0.333251953125)
  t.is(String(half), '0.3333')
})

test('floats align on the decimal point', (t) => {
  t.is(String(f32([2], [1.5, 2])), '[1.5 2  ]')
  t.is(String(f32([2, 2], [1.25, 10, 3, 4.5])), '[[ 1.25 10   ]\n [ 3     4.5 ]]')
  t.is(String(f32([3], [NaN, Infinity, -Infinity])), '[ nan  inf -inf]')
})

test('long rows wrap at 75 columns like numpy', (t) => {
  t.is(
    String(i32([30], range(30))),
    '[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n 24 25 26 27 28 29]',
  )
})

test('more than 1000 elements are summarised with ...', (t) => {
  t.is(String(i32([2000], range(2000))), '[   0    1    2 ... 1997 1998 1999]')
  t.is(
    String(i32([1000, 2], range(2000))),
    '[[   0    1]\n [   2    3]\n [   4    5]\n ...\n [1994 1995]\n [1996 1997]\n [1998 1999]]',
  )
  // exactly 1000 elements are printed in full
  t.false(String(i32([1000], range(1000))).includes('...'))
})

test('console.log / util.inspect print the numpy form', (t) => {
  t.is(inspect(i32([2, 2], [1, 2, 3, 4])), '[[1 2]\n [3 4]]')
})

test('values fetched from the engine print the same way', (t) => {
  new tf.Graph().asDefault((g) => {
    const sess = new tf.Session('', g)
    const m = tf.constant(
      [
        [1, 10],
        [3, 4],
      ],
      'int32',
    )
    t.is(String(sess.run(m)), '[[ 1 10]\n [ 3  4]]')
    sess.close()
  })
})
