// Bun smoke test: the first reference example through the ESM entry, under Bun.
// Run with `npm run test:bun` (bun __test__/bun/smoke.mjs).
import tf from 'sessionflow'

const sess = new tf.compat.v1.InteractiveSession()
const a = tf.constant(5.0)
const b = tf.constant(6.0)
const c = tf.mul(a, b)
const value = c.eval()
console.log(String(value))
sess.close()

// runAsync and the async-context default session under this runtime too.
const g = new tf.Graph()
const x = g.asDefault(() => tf.placeholder('float32', [null], 'x'))
const y = g.asDefault(() => tf.mul(x, 2))
const asyncSession = new tf.Session('', g)
const doubled = await asyncSession.asDefault(async () => {
  const v = await asyncSession.runAsync(y, { 'x:0': [1, 2.5] })
  return tf.getDefaultSession() === asyncSession ? v.toArray() : null
})
asyncSession.close()

const runtime = typeof Bun === 'undefined' ? `node ${process.version}` : `bun ${Bun.version}`
if (JSON.stringify(doubled) !== '[2,5]') {
  console.error(`bun smoke (${runtime}): runAsync gave ${JSON.stringify(doubled)}, expected [2,5]`)
  process.exit(1)
}
if (value.item() !== 30 || tf.getDefaultSession() !== null) {
  console.error(`bun smoke (${runtime}): expected 30, got ${String(value)}`)
  process.exit(1)
}
console.log(`bun smoke (${runtime}): ok`)
