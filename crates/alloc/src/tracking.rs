//! Per-node memory accounting for traced runs (TensorFlow's `TrackingAllocator`): a thin layer
//! over a device's allocator that counts what one kernel allocates.

use sessionflow_core::{Allocator, AllocatorStats, MemoryKind, Result};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Wraps a device allocator for the duration of one kernel, counting the bytes that kernel
/// allocates. Buffers allocated through it keep it alive and are freed through it, so
/// `live_bytes` after the kernel is what its outputs hold.
#[derive(Debug)]
pub struct TrackingAllocator {
    inner: Arc<dyn Allocator>,
    total_bytes: AtomicU64,
    live_bytes: AtomicU64,
    peak_bytes: AtomicU64,
}

/// What one kernel allocated (TensorFlow's `AllocatorMemoryUsed`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrackedMemory {
    /// Bytes allocated in all, including buffers freed again before the kernel finished.
    pub total_bytes: u64,
    /// The most bytes the kernel held at once through this allocator.
    pub peak_bytes: u64,
    /// Bytes still held when asked (after the kernel: its outputs and anything they share).
    pub live_bytes: u64,
}

impl TrackingAllocator {
    /// Counts allocations made through it, passing them on to `inner`.
    pub fn new(inner: Arc<dyn Allocator>) -> Self {
        TrackingAllocator {
            inner,
            total_bytes: AtomicU64::new(0),
            live_bytes: AtomicU64::new(0),
            peak_bytes: AtomicU64::new(0),
        }
    }

    /// The counts so far.
    pub fn tracked(&self) -> TrackedMemory {
        TrackedMemory {
            total_bytes: self.total_bytes.load(Ordering::Relaxed),
            peak_bytes: self.peak_bytes.load(Ordering::Relaxed),
            live_bytes: self.live_bytes.load(Ordering::Relaxed),
        }
    }

    /// The allocator underneath.
    pub fn inner(&self) -> &Arc<dyn Allocator> {
        &self.inner
    }

    fn count(&self, bytes: usize) {
        let bytes = bytes as u64;
        self.total_bytes.fetch_add(bytes, Ordering::Relaxed);
        let live = self.live_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak_bytes.fetch_max(live, Ordering::Relaxed);
    }
}

impl Allocator for TrackingAllocator {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn allocate(&self, bytes: usize) -> Result<NonNull<u8>> {
        let ptr = self.inner.allocate(bytes)?;
        self.count(bytes);
        Ok(ptr)
    }

    fn allocate_unzeroed(&self, bytes: usize) -> Result<NonNull<u8>> {
        // Forwarded rather than left to the zero-filling default: traced runs must not zero
        // what untraced runs leave as is (a device fill is a whole submission).
        let ptr = self.inner.allocate_unzeroed(bytes)?;
        self.count(bytes);
        Ok(ptr)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
        self.live_bytes.fetch_sub(bytes as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract is ours, and allocate passed these to inner unchanged.
        unsafe { self.inner.deallocate(ptr, bytes) }
    }

    fn stats(&self) -> AllocatorStats {
        self.inner.stats()
    }

    fn release_free_memory(&self) -> u64 {
        self.inner.release_free_memory()
    }

    fn memory_kind(&self) -> MemoryKind {
        self.inner.memory_kind()
    }

    unsafe fn read_device(&self, ptr: NonNull<u8>, out: &mut [u8]) -> Result<()> {
        // SAFETY: the caller's contract is inner's: our pointers are inner's.
        unsafe { self.inner.read_device(ptr, out) }
    }

    unsafe fn write_device(&self, ptr: NonNull<u8>, data: &[u8]) -> Result<()> {
        // SAFETY: as in read_device.
        unsafe { self.inner.write_device(ptr, data) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuAllocator;
    use sessionflow_core::{DType, Tensor, TensorShape};

    #[test]
    fn counts_what_passes_through_and_frees_through_the_device_allocator() {
        let device: Arc<dyn Allocator> = Arc::new(CpuAllocator::default());
        let tracker = Arc::new(TrackingAllocator::new(Arc::clone(&device)));
        let as_allocator: Arc<dyn Allocator> = tracker.clone();
        let scratch = Tensor::zeros(&as_allocator, DType::Float32, TensorShape::new([100]));
        let output = Tensor::zeros(&as_allocator, DType::Float64, TensorShape::new([10]));
        drop(scratch);
        assert_eq!(
            tracker.tracked(),
            TrackedMemory { total_bytes: 480, peak_bytes: 480, live_bytes: 80 }
        );
        assert_eq!(device.stats().bytes_in_use, 80);
        drop(output);
        assert_eq!(tracker.tracked().live_bytes, 0);
        assert_eq!(device.stats().bytes_in_use, 0);
    }
}
