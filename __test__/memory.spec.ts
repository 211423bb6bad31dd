// Memory: the per-device BFC allocator's limit and statistics, per-op allocation figures in
// step statistics, and native memory given back when a session is garbage-collected.
import test from 'ava'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import tf, { type GpuOptions, RunMetadata, type Session, type SessionConfig } from 'sessionflow'

/** The engine's process-wide figure, straight from the addon (it is not public API); ava runs
 * in the package's root. */
const hostMemoryHeld = (): number =>
  (createRequire(resolve('package.json'))('./native/index.js') as { hostMemoryHeld(): number }).hostMemoryHeld()

const KiB = 1 << 10
const MiB = 1 << 20
const CPU0 = '/job:localhost/replica:0/task:0/device:CPU:0'

/** A session on a fresh graph built by `build`, with `config`. */
function sessionOn<T>(build: () => T, config?: SessionConfig): [Session, T] {
  const graph = new tf.Graph()
  const built = graph.asDefault(build)
  return [new tf.Session({ graph, config }), built]
}

test('memoryStats reports one entry per device with the configured limit', (t) => {
  // The CPUs' limit; a Vulkan device (vulkan.spec.ts) would add an entry with its own.
  const [sess] = sessionOn(() => null, { memoryLimit: 64 * MiB, deviceCount: { CPU: 2, VULKAN: 0 } })
  const stats = sess.memoryStats()
  t.deepEqual(
    stats.map((s) => [s.device, s.allocator, s.bytesLimit]),
    [
      [CPU0, 'CPU_0_bfc', 64 * MiB],
      ['/job:localhost/replica:0/task:0/device:CPU:1', 'CPU_1_bfc', 64 * MiB],
    ],
  )
  t.deepEqual(
    stats.map((s) => [s.numAllocs, s.bytesInUse, s.peakBytesInUse, s.bytesReserved]),
    [
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ],
    'nothing is taken before the first run',
  )
  t.is(sess.listDevices()[0].memoryLimit, 64 * MiB)
  sess.close()
})

test('a run is counted: allocations, peak, reserved regions, free blocks', (t) => {
  // 256×256 float32 = 256 KiB per tensor.
  const [sess, y] = sessionOn(() => {
    const x = tf.fill([256, 256], 2)
    return tf.matmul(x, x, { name: 'y' })
  })
  const value = sess.run(y)
  t.is(value.data[0], 256 * 4)
  const [cpu] = sess.memoryStats()
  t.is(cpu.numAllocs, 2, 'Fill and MatMul each allocate their output')
  t.is(cpu.largestAllocSize, 256 * KiB)
  t.true(cpu.peakBytesInUse >= 2 * 256 * KiB, `peak ${cpu.peakBytesInUse}`)
  t.true(cpu.bytesReserved >= cpu.peakBytesInUse, 'the regions hold at least the peak')
  t.true(cpu.largestFreeBlockBytes > 0)
  t.true(cpu.fragmentation >= 0 && cpu.fragmentation < 1)
  sess.close()
})

test('a memoryLimit too small for a matmul gives ResourceExhaustedError naming the op and shape; a small run then succeeds', (t) => {
  const [sess, [big, small]] = sessionOn(
    () => {
      const x = tf.placeholder('float32', [null, null], 'x')
      return [tf.matmul(x, x, { name: 'big' }), tf.matmul(x, x, { name: 'small', transposeA: true })]
    },
    { memoryLimit: 2 * MiB },
  )
  const ones = Array.from({ length: 1024 }, () => new Array<number>(1024).fill(1))
  const error = t.throws(() => sess.run(big, { 'x:0': ones }))
  t.true(error instanceof tf.errors.ResourceExhaustedError, String(error))
  const opError = error as InstanceType<typeof tf.errors.OpError>
  t.is(opError.node, 'big')
  t.is(opError.code, 8)
  t.regex(opError.message, /shape\[1024,1024\]/)
  t.regex(opError.message, /CPU_0_bfc/)
  t.regex(opError.message, /limit 2097152/)
  const [cpu] = sess.memoryStats()
  t.is(cpu.bytesInUse, 0, 'the failed run holds nothing afterwards')
  const two = sess.run(small, {
    'x:0': [
      [1, 2],
      [3, 4],
    ],
  })
  t.deepEqual(two.toArray(), [
    [10, 14],
    [14, 20],
  ])
  sess.close()
})

test('a chain of elementwise ops peaks at a few tensors, not one per op', (t) => {
  const n = 256 * 1024 // 1 MiB of float32
  // From a constant the whole chain is folded at plan time; from a PlaceholderWithDefault
  // (never folded) the executor runs it. Both must release each value after its last use.
  const sources = {
    constant: () => tf.fill([n], 1.5),
    'run time': () => tf.fill([n], tf.placeholderWithDefault(1.5, [])),
  }
  for (const [source, start] of Object.entries(sources))
    for (const length of [8, 64]) {
      const [sess, out] = sessionOn(() => {
        let x = start()
        for (let i = 0; i < length; i++) x = i % 2 === 0 ? tf.neg(x) : tf.nn.relu(tf.neg(x))
        return x
      })
      const value = sess.run(out)
      t.is(value.data[n - 1], length % 2 === 0 ? 1.5 : 0)
      const [cpu] = sess.memoryStats()
      t.true(cpu.peakBytesInUse <= 3 * 4 * n, `${source} chain of ${length}: peak ${cpu.peakBytesInUse}`)
      sess.close()
    }
})

test('FULL_TRACE step stats say what each op allocated on which allocator', (t) => {
  const [sess, [y, z]] = sessionOn(() => {
    // A PlaceholderWithDefault is never constant-folded, so x is computed in the run.
    const x = tf.fill([4, 8], tf.placeholderWithDefault(1, []), 'x')
    const y = tf.matmul(x, x, { transposeB: true, name: 'y' })
    return [y, tf.identity(y, 'z')]
  })
  const metadata = new RunMetadata()
  sess.run([y, z], undefined, { traceLevel: 'FULL_TRACE' }, metadata)
  const byNode = new Map(metadata.stepStats.map((s) => [s.node, s]))
  const x = byNode.get('x')!
  t.is(x.allocator, 'CPU_0_bfc')
  t.is(x.allocatedBytes, 4 * 8 * 4)
  t.is(x.liveBytes, 4 * 8 * 4)
  const mm = byNode.get('y')!
  t.is(mm.allocatedBytes, 4 * 4 * 4)
  t.is(mm.peakBytes, 4 * 4 * 4)
  t.true(mm.allocatorBytesInUse >= 4 * 4 * 4)
  t.is(byNode.get('z')!.allocatedBytes, 0, 'Identity shares its input buffer')
  const trace = metadata.toChromeTrace()
  t.true(
    trace.traceEvents.some((e) => (e as { ph: string }).ph === 'C'),
    'a memory counter track',
  )
  sess.close()
})

test('gpuOptions are validated, and unknown fields are refused rather than ignored', (t) => {
  const g = new tf.Graph()
  const ok = new tf.Session({
    graph: g,
    config: { gpuOptions: { allowGrowth: true, perProcessGpuMemoryFraction: 0.5 } },
  })
  ok.close()
  for (const fraction of [0, 1.5, -1]) {
    const error = t.throws(
      () => new tf.Session({ graph: g, config: { gpuOptions: { perProcessGpuMemoryFraction: fraction } } }),
    )
    t.true(error instanceof tf.errors.InvalidArgumentError, String(error))
  }
  const unknown = t.throws(
    () => new tf.Session({ graph: g, config: { gpuOptions: { visibleDeviceList: '0' } as GpuOptions } }),
  )
  t.regex(unknown.message, /gpuOptions\.visibleDeviceList/)
  for (const limit of [-1, 1.5, Number.NaN]) {
    const error = t.throws(() => new tf.Session({ graph: g, config: { memoryLimit: limit } }))
    t.true(error instanceof tf.errors.InvalidArgumentError, String(error))
  }
})

/** `global.gc`, exposed at run time so the test needs no node flag. */
function gc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

// Serial, so no other test's session starts while the process-wide figure is watched. The body
// is synchronous: no garbage collection can give memory back in between, so what drops is what
// close() released.
test.serial('close() gives the regions of a session back at once, without garbage collection', (t) => {
  const before = hostMemoryHeld()
  const [sess, y] = sessionOn(() => tf.matmul(tf.fill([512, 512], 1), tf.fill([512, 512], 1)))
  // Run as a target: no result stays alive in JS to pin a region.
  t.is(sess.run(y.op), null)
  const reserved = sess.memoryStats()[0].bytesReserved
  t.true(reserved >= 2 * MiB, `reserved ${reserved}`)
  t.is(hostMemoryHeld(), before + reserved, 'the open session holds its regions')
  sess.close()
  t.is(sess.memoryStats()[0].bytesReserved, 0, 'no region is kept')
  t.is(hostMemoryHeld(), before, 'the process holds what it held before the session')
})

// Serial, so no other test's session comes or goes while the process-wide figure is watched.
test.serial('a session garbage-collected without close() gives its native memory back', async (t) => {
  const collect = gc()
  const before = hostMemoryHeld()
  const make = (): number => {
    const [sess, y] = sessionOn(() => tf.matmul(tf.fill([512, 512], 1), tf.fill([512, 512], 1)))
    sess.run(y)
    return sess.memoryStats()[0].bytesReserved
  }
  const reserved = make()
  t.true(reserved >= 2 * MiB)
  t.true(hostMemoryHeld() >= before + reserved, 'the session holds its regions while alive')
  for (let i = 0; i < 20 && hostMemoryHeld() > before; i++) {
    collect()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  t.is(hostMemoryHeld(), before, 'every region went back when the session was collected')
})
