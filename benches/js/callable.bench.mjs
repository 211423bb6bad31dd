// Per-call overhead of a tiny graph from JS: Session.run versus a callable (makeCallable), sync
// and async. Run with `node benches/js/callable.bench.mjs`; compare with
// `python benches/peers/tf_callable.py` (TensorFlow's session.run / make_callable) run next to it.
import { Bench } from 'tinybench'
import tf from 'sessionflow'
import { machine } from './machine.mjs'

const g = new tf.Graph()
const { x, y } = g.asDefault(() => {
  const x = tf.placeholder('float32', [], 'x')
  return { x, y: tf.add(tf.mul(x, 2), 1) }
})
const sess = new tf.Session('', g)
const f = sess.makeCallable(y, [x])
const feed = new Map([[x, 3]])
if (sess.run(y, feed).item() !== 7 || f(3).item() !== 7) throw new Error('wrong result')

const bench = new Bench({ time: 2000, warmupTime: 500 })
bench
  .add('Session.run(y, {x})', () => {
    sess.run(y, feed)
  })
  .add('callable(x)', () => {
    f(3)
  })
  .add('await callable.async(x)', async () => {
    await f.async(3)
  })
  .add('await Session.runAsync(y, {x})', async () => {
    await sess.runAsync(y, feed)
  })
await bench.run()

console.log(`sessionflow per-call cost on a 3-node graph — ${machine()}`)
for (const task of bench.tasks) {
  const r = task.result
  const mean = r?.latency?.mean ?? r?.mean
  const p50 = r?.latency?.p50 ?? r?.p50
  console.log(`${task.name.padEnd(34)} mean ${(mean * 1000).toFixed(2)} µs   median ${(p50 * 1000).toFixed(2)} µs`)
}
sess.close()
