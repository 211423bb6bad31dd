/**
 * Memory settings and figures of a session's devices: {@link GpuOptions} in the config and
 * the allocator statistics {@link Session.memoryStats} reports.
 *
 * @packageDocumentation
 */

import type { DeviceMemoryStats } from './native.js'

/** TF's `GPUOptions`: how accelerator devices (CUDA, Vulkan) take their memory. */
export interface GpuOptions {
  /**
   * Take device memory as it is needed (regions doubling in size) instead of the session's
   * whole share when it opens. The share is reserved up front only when
   * `perProcessGpuMemoryFraction` is given: each session has its own allocator, so reserving
   * most of a device by default (TensorFlow's default, per process) would starve the next.
   */
  allowGrowth?: boolean
  /** The fraction of each accelerator's memory the session may use, in (0, 1]. */
  perProcessGpuMemoryFraction?: number
}

/** One device's allocator statistics (TF's `AllocatorStats`), in bytes. */
export interface MemoryStats {
  /** The device, e.g. `/job:localhost/replica:0/task:0/device:CPU:0`. */
  readonly device: string
  /** Its allocator, e.g. `"CPU_0_bfc"`. */
  readonly allocator: string
  /** Allocations made since the session opened. */
  readonly numAllocs: number
  /** Bytes held by live tensors now. */
  readonly bytesInUse: number
  /** The most bytes held by live tensors at once since the session opened. */
  readonly peakBytesInUse: number
  /** The largest single allocation so far. */
  readonly largestAllocSize: number
  /** The most the device may hold (the config's `memoryLimit` for CPUs), or null for none. */
  readonly bytesLimit: number | null
  /** Bytes the allocator holds from the system, in use or free for reuse. */
  readonly bytesReserved: number
  /** The largest tensor that fits in memory already reserved. */
  readonly largestFreeBlockBytes: number
  /** `1 − largestFreeBlockBytes / free reserved bytes`: 0 when free memory is in one piece. */
  readonly fragmentation: number
}

/** Converts the engine's figures. @internal */
export function toMemoryStats(s: DeviceMemoryStats): MemoryStats {
  return Object.freeze({ ...s, bytesLimit: s.bytesLimit ?? null })
}
