// String tensors in the value layer: constants, feeds, fetches, NDArray access and printing.
import test from 'ava'
import tf, { NDArray, errors } from 'sessionflow'

test('tf.constant makes string tensors from strings', (t) => {
  new tf.Graph().asDefault((g) => {
    const a = tf.constant('a')
    const b = tf.constant([
      ['x', 'yz'],
      ['', 'é✓'],
    ])
    t.is(a.dtype, 'string')
    t.deepEqual(a.shape, [])
    t.deepEqual(b.shape, [2, 2])
    const sess = new tf.Session('', g)
    const [va, vb] = sess.run([a, b])
    t.is(va.dtype, 'string')
    t.is(va.item(), 'a')
    t.deepEqual(vb.data, ['x', 'yz', '', 'é✓'])
    t.deepEqual(vb.toArray(), [
      ['x', 'yz'],
      ['', 'é✓'],
    ])
    sess.close()
  })
})

test('strings feed string placeholders and flow through ops', (t) => {
  new tf.Graph().asDefault((g) => {
    const p = tf.placeholder('string', [null])
    const picked = tf.gather(p, [2, 0])
    const sess = new tf.Session('', g)
    const v = sess.run(picked, new Map([[p, ['zero', 'one', 'two']]]))
    t.deepEqual(v.toArray(), ['two', 'zero'])
    const fed = sess.run(tf.identity(p), { 'Placeholder:0': new NDArray('string', [1], ['nd']) })
    t.deepEqual(fed.toArray(), ['nd'])
    const filled = sess.run(tf.constant('ab', { shape: [2] }))
    t.deepEqual(filled.toArray(), ['ab', 'ab'])
    const error = t.throws(() => sess.run(p, new Map([[p, [1, 2]]])), { instanceOf: errors.InvalidArgumentError })
    t.regex(error?.message ?? '', /dtype string/)
    sess.close()
  })
})

test('strings and numbers do not mix', (t) => {
  new tf.Graph().asDefault(() => {
    t.throws(() => tf.constant(['a', 1]), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant('a', 'float32'), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant(1, 'string'), { instanceOf: errors.InvalidArgumentError })
    t.throws(() => tf.constant([['a'], 'b']), { instanceOf: errors.InvalidArgumentError })
  })
})

test('string NDArrays print like numpy', (t) => {
  const s = (shape: number[], data: string[]): string => String(new NDArray('string', shape, data))
  t.is(s([2], ['x', 'yz']), "['x' 'yz']")
  t.is(s([2, 2], ['a', 'bbb', 'cc', 'd']), "[['a' 'bbb']\n ['cc' 'd']]")
  t.is(s([], ['a']), 'a')
  t.is(s([5], ["it's", 'a"b', 'n\nl', 'é', '']), `["it's" 'a"b' 'n\\nl' 'é' '']`)
  t.is(s([0], []), '[]')
  const long = s([5], new Array<string>(5).fill('a'.repeat(30)))
  const row = `'${'a'.repeat(30)}'`
  t.is(long, `[${row} ${row}\n ${row} ${row}\n ${row}]`)
})

test('a string NDArray holds strings', (t) => {
  t.throws(() => new NDArray('string', [1], new Uint8Array(1)), { instanceOf: errors.InvalidArgumentError })
  t.throws(() => new NDArray('string', [2], ['a']), { instanceOf: errors.InvalidArgumentError })
  const a = new NDArray('string', [1, 1], ['q'])
  t.is(a.item(), 'q')
  t.is(a.size, 1)
})
