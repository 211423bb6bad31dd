// Type-checked only (by `tsc --noEmit -p tsconfig.json`), never run: as an ES module this file
// resolves 'sessionflow' through the "import" condition, so it checks dist/esm/index.d.mts —
// the default export, named exports and types as ESM users see them.
import tf, { type FetchResult, type NDArray, OpError, Session, type Tensor, errors } from 'sessionflow'

export function check(): void {
  const sess: Session = new tf.Session()
  const c: Tensor = tf.mul(tf.constant(5), tf.constant(6))
  const one: NDArray = sess.run(c)
  const many: [NDArray, NDArray, null] = sess.run([c, 'c:0', c.op])
  const nested: { x: NDArray; y: [NDArray] } = sess.run({ x: c, y: [c] })
  const byName: FetchResult<string> = sess.run('c:0' as string)
  const cls: typeof Session = tf.compat.v1.Session
  const err: typeof OpError = errors.OpError
  void [one, many, nested, byName, cls, err]
}
