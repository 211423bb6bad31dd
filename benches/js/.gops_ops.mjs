import tf from 'sessionflow'
function time(name, sess, y, feed, n = 300) {
  for (let i = 0; i < 30; i++) sess.run(y, feed)
  const s = []
  for (let i = 0; i < n; i++) { const t = process.hrtime.bigint(); sess.run(y, feed); s.push(Number(process.hrtime.bigint() - t) / 1e3) }
  s.sort((a, b) => a - b)
  const k = []
  for (let i = 0; i < 100; i++) { const md = new tf.RunMetadata(); sess.run(y, feed, { traceLevel: 'FULL_TRACE' }, md); k.push(md.stepStats.filter((st) => st.op.startsWith('_Fused')).reduce((a, st) => a + st.durationMicros, 0)) }
  k.sort((a, b) => a - b)
  console.log(name.padEnd(40), 'min', s[0].toFixed(1), 'median', s[n >> 1].toFixed(1), 'us; kernel min', k[0], 'median', k[50])
}
const ramp = (n) => Float32Array.from({ length: n }, (_, i) => ((i * 7) % 11) / 8 - 0.6)
for (const [name, h, w, c, k, stride, oc, dw] of [
  ['conv1 3x3s2 128x128x3->16', 128, 128, 3, 3, 2, 16, false],
  ['dw 3x3 64x64x16', 64, 64, 16, 3, 1, 16, true],
  ['pw 64x64 16->8', 64, 64, 16, 1, 1, 8, false],
  ['pw 64x64 8->48', 64, 64, 8, 1, 1, 48, false],
  ['dw 3x3 s2 65x65x48 valid', 65, 65, 48, 3, 2, 48, true],
  ['pw 32x32 48->8', 32, 32, 48, 1, 1, 8, false],
  ['pw 4x4 112->1280', 4, 4, 112, 1, 1, 1280, false],
]) {
  const g = new tf.Graph()
  const { x, y } = g.asDefault(() => {
    const x = tf.placeholder('float32', [1, h, w, c], 'x')
    const f = dw ? tf.constant(ramp(k * k * c), { shape: [k, k, c, 1] }) : tf.constant(ramp(k * k * c * oc), { shape: [k, k, c, oc] })
    const conv = dw ? tf.nn.depthwiseConv2d(x, f, stride, name.includes('valid') ? 'VALID' : 'SAME') : tf.nn.conv2d(x, f, stride, 'SAME')
    const b = tf.constant(ramp(dw ? c : oc))
    return { x, y: tf.nn.relu6(tf.nn.biasAdd(conv, b)) }
  })
  const feed = new Map([[x, new tf.NDArray('float32', [1, h, w, c], ramp(h * w * c))]])
  const sess = new tf.Session({ graph: g })
  time(name, sess, y, feed)
  const one = new tf.Session({ graph: g, config: { intraOpParallelismThreads: 1 } })
  time(name + ' (1 thread)', one, y, feed)
}
