// The two examples of tf.compat.v1.InteractiveSession's reference page, then a small computation
// fed through a placeholder. `npm run demo` runs these first; `npx tsx examples/interactive.ts`
// runs them alone.
import tf from 'sessionflow'

/** Runs the reference examples, printing what each evaluates. */
export function runInteractiveExamples(): void {
  console.log('1. InteractiveSession: c.eval() uses the session installed on construction')
  {
    const sess = new tf.compat.v1.InteractiveSession()
    const a = tf.constant(5.0)
    const b = tf.constant(6.0)
    const c = tf.mul(a, b) // c = a * b
    // We can just use 'c.eval()' without passing 'sess'
    console.log(c.eval())
    sess.close()
  }

  console.log('\n2. withSession: the session is the default inside the scope, and closed after it')
  {
    const a = tf.constant(5.0)
    const b = tf.constant(6.0)
    const c = a.mul(b)
    tf.withSession(() => {
      // We can also use 'c.eval()' here.
      console.log(c.eval())
    })
  }

  console.log('\n3. A placeholder fed at run time: y = W·x + b')
  {
    const W = tf.constant([
      [1, 2],
      [3, 4],
      [5, 6],
    ])
    const b = tf.constant([[0.5], [0.25], [-1]])
    const x = tf.placeholder(tf.float32, [2, null], 'x') // any number of columns
    const y = tf.add(tf.matmul(W, x), b, 'y')
    console.log(`y is ${String(y)}`)

    const sess = new tf.Session()
    const feed = new Map([
      [
        x,
        [
          [1, 0, 2],
          [1, 1, -1],
        ],
      ],
    ])
    const [xValue, yValue] = sess.run([x, y], feed)
    console.log('x =')
    console.log(xValue)
    console.log('y =')
    console.log(yValue)
    sess.close()
  }
}

if (require.main === module) runInteractiveExamples()
