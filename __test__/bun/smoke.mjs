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

const runtime = typeof Bun === 'undefined' ? `node ${process.version}` : `bun ${Bun.version}`
if (value.item() !== 30 || tf.getDefaultSession() !== null) {
  console.error(`bun smoke (${runtime}): expected 30, got ${String(value)}`)
  process.exit(1)
}
console.log(`bun smoke (${runtime}): ok`)
