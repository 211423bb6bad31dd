// The Vulkan device (lavapipe in CI): listed with its memory limit, removed by deviceCount,
// nodes pinned with tf.device run there and agree with the CPU, soft placement falls back to
// the CPU, and the addon works without a Vulkan loader at all.
import { spawnSync } from 'node:child_process'
import test from 'ava'
import tf, { type Session } from 'sessionflow'

const VULKAN = '/job:localhost/replica:0/task:0/device:VULKAN:0'
const CPU = '/job:localhost/replica:0/task:0/device:CPU:0'

const probe = new tf.Session({ graph: new tf.Graph() })
const hasVulkan = probe.listDevices().some((d) => d.name === VULKAN)
probe.close()
if (!hasVulkan) {
  console.log(
    'vulkan.spec.ts: the Vulkan tests skip: this process has no Vulkan device (no Vulkan loader or ' +
      'driver, e.g. mesa-vulkan-drivers for lavapipe, or SESSIONFLOW_VULKAN=0)',
  )
}
const onVulkan = hasVulkan ? test : test.skip

/** An MLP's forward pass on `device` ('' for the default), its input fed. */
function mlp(device: string) {
  const g = new tf.Graph()
  const [x, probs] = g.asDefault(() =>
    tf.device(device, () => {
      const x = tf.placeholder('float32', [null, 3], 'x')
      const w1 = tf.constant([
        [0.5, -1, 0.25, 2],
        [1, 0.5, -0.5, 0],
        [-1, 1, 1, 0.5],
      ])
      const w2 = tf.constant([
        [1, -1],
        [0.5, 2],
        [-0.5, 1],
        [2, 0],
      ])
      const h = tf.nn.relu(tf.nn.biasAdd(tf.matmul(x, w1), tf.constant([0.1, -0.2, 0.3, 0])))
      return [x, tf.nn.softmax(tf.add(tf.matmul(h, w2), tf.constant([0, 1])), -1, 'probs')]
    }),
  )
  return { g, x, probs }
}

const input = [
  [1, 2, 3],
  [0, 0, 0],
  [3, -2, 1],
]

onVulkan('listDevices shows VULKAN:0 with its memory limit; deviceCount VULKAN: 0 removes it', (t) => {
  const sess = new tf.Session({ graph: new tf.Graph(), config: { gpuOptions: { allowGrowth: true } } })
  const devices = sess.listDevices()
  t.deepEqual(
    devices.map((d) => d.name),
    [CPU, VULKAN],
  )
  t.is(devices[1].deviceType, 'VULKAN')
  t.true(devices[1].memoryLimit >= 64 * 2 ** 20)
  const stats = sess.memoryStats().find((s) => s.device === VULKAN)
  t.is(stats?.allocator, 'VULKAN_0_bfc')
  t.is(stats?.bytesLimit, devices[1].memoryLimit)
  t.is(stats?.bytesReserved, 0, 'device memory is taken when a tensor needs it')
  sess.close()
  const without = new tf.Session({ graph: new tf.Graph(), config: { deviceCount: { VULKAN: 0 } } })
  t.deepEqual(
    without.listDevices().map((d) => d.name),
    [CPU],
  )
  without.close()
})

onVulkan('gpuOptions: a fraction limits the device; without growth all of it is held from the start', (t) => {
  const vulkanStats = (sess: Session) => sess.memoryStats().find((s) => s.device === VULKAN)!
  const whole = new tf.Session({ graph: new tf.Graph() })
  const defaultLimit = vulkanStats(whole).bytesLimit!
  whole.close()
  const fraction = 0.001
  const held = new tf.Session({
    graph: new tf.Graph(),
    config: { gpuOptions: { perProcessGpuMemoryFraction: fraction, allowGrowth: false } },
  })
  const limit = vulkanStats(held).bytesLimit!
  // The default limit, min(95% of the heap, the heap - 256 MiB), keeps some of it back; a
  // fraction is of the whole heap.
  const heap = Math.max(defaultLimit / 0.95, defaultLimit + 256 * 2 ** 20)
  t.true(Math.abs(limit - heap * fraction) <= 256, `${limit} vs ${heap} * ${fraction}`)
  t.is(held.listDevices()[1].memoryLimit, limit)
  // Reserved before any run, up to the allocator's 256-byte unit.
  t.is(vulkanStats(held).bytesReserved, Math.floor(limit / 256) * 256)
  held.close()
  const growing = new tf.Session({
    graph: new tf.Graph(),
    config: { gpuOptions: { perProcessGpuMemoryFraction: fraction, allowGrowth: true } },
  })
  t.is(vulkanStats(growing).bytesLimit, limit)
  t.is(vulkanStats(growing).bytesReserved, 0, 'growth takes memory when a tensor needs it')
  growing.close()
})

onVulkan('an MLP pinned with tf.device runs on VULKAN:0 and matches the CPU', (t) => {
  const cpu = mlp('')
  const want = tf.withSession((s: Session) => s.run(cpu.probs, new Map([[cpu.x, input]])), { graph: cpu.g })
  const gpu = mlp('/device:VULKAN:0')
  const sess = new tf.Session({ graph: gpu.g })
  const meta = new tf.RunMetadata()
  const got = sess.run(gpu.probs, new Map([[gpu.x, input]]), { traceLevel: 'FULL_TRACE' }, meta)
  t.deepEqual(got.shape, [3, 2])
  const ops = meta.stepStats.filter((s) => ['MatMul', 'BiasAdd', 'Relu', 'AddV2', 'Softmax'].includes(s.op))
  t.is(ops.length, 6)
  t.true(ops.every((s) => s.device === VULKAN))
  const [a, b] = [got.data as Float32Array, want.data as Float32Array]
  for (let i = 0; i < a.length; i++) t.true(Math.abs(a[i] - b[i]) <= 1e-6 + 1e-5 * Math.abs(b[i]), `${a[i]} vs ${b[i]}`)
  // Row x = 0, worked by hand: h = relu(b1) = [0.1, 0, 0.3, 0], logits = [-0.05, 1.2].
  const e = Math.exp(1.25)
  t.true(Math.abs(a[2] - 1 / (1 + e)) < 1e-6 && Math.abs(a[3] - e / (1 + e)) < 1e-6)
  sess.close()
})

onVulkan('ops Vulkan has no kernel for fall back to the CPU under soft placement', (t) => {
  const g = new tf.Graph()
  const y = g.asDefault(() =>
    tf.device('/device:VULKAN:0', () => tf.nn.relu(tf.square(tf.neg(tf.constant([1, -2, 3]), 'neg'), 'square'))),
  )
  const hard = new tf.Session({ graph: g })
  const error = t.throws(() => hard.run(y))
  t.true(error instanceof tf.errors.InvalidArgumentError)
  t.regex(error?.message ?? '', /Cannot assign a device for operation square/)
  hard.close()
  const soft = new tf.Session({ graph: g, config: { allowSoftPlacement: true } })
  const meta = new tf.RunMetadata()
  t.deepEqual(Array.from(soft.run(y, undefined, { traceLevel: 'FULL_TRACE' }, meta).data as Float32Array), [1, 4, 9])
  const device = (node: string) => meta.stepStats.find((s) => s.node === node)?.device
  t.is(device('neg'), VULKAN)
  t.is(device('square'), CPU)
  soft.close()
})

test('without a Vulkan loader the addon loads, lists only the CPU and computes', (t) => {
  const script = `
    const tf = require('sessionflow')
    const a = tf.constant([1, 2, 3])
    const pinned = tf.device('/device:VULKAN:0', () => tf.mul(a, a))
    const s = new tf.Session({ config: { allowSoftPlacement: true } })
    console.log(JSON.stringify({ devices: s.listDevices().map((d) => d.deviceType), y: Array.from(s.run(pinned).data) }))
    s.close()`
  const env = { ...process.env, SESSIONFLOW_VULKAN_LOADER: 'libsessionflow-no-such-vulkan.so.1' }
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env })
  t.is(out.status, 0, out.stderr)
  t.deepEqual(JSON.parse(out.stdout), { devices: ['CPU'], y: [1, 4, 9] })
})
