use crate::{Result, Status};
use std::fmt;
use std::ptr::NonNull;

/// Alignment of every tensor buffer: a cache line, and enough for any SIMD load.
pub const TENSOR_ALIGNMENT: usize = 64;

/// Where tensor memory comes from. A device hands out one allocator; the executor and the
/// kernels never call the system allocator for tensor data directly, so limits and statistics
/// hold for everything a session computes.
pub trait Allocator: Send + Sync + fmt::Debug {
    /// A short name for messages and statistics, e.g. `"cpu"`.
    fn name(&self) -> &str;

    /// Returns `bytes` (> 0) of zero-filled memory aligned to [`TENSOR_ALIGNMENT`], or
    /// ResourceExhausted when the request cannot be met.
    fn allocate(&self, bytes: usize) -> Result<NonNull<u8>>;

    /// Like [`allocate`](Allocator::allocate), but the bytes may hold anything written before
    /// (memory reused within the allocator), for outputs a kernel overwrites entirely. They are
    /// still initialised bytes, never fresh uninitialised memory: typed slices over them must
    /// be sound. The default zero-fills, which is right for an allocator whose fresh memory
    /// comes zeroed cheaply (`calloc`'s untouched pages).
    fn allocate_unzeroed(&self, bytes: usize) -> Result<NonNull<u8>> {
        self.allocate(bytes)
    }

    /// Gives memory back.
    ///
    /// # Safety
    /// `ptr` must come from `self.allocate(bytes)` or `self.allocate_unzeroed(bytes)` with the
    /// same `bytes`, and must not be used afterwards.
    unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize);

    /// A snapshot of the allocator's counters.
    fn stats(&self) -> AllocatorStats;

    /// Gives memory held but not in use back to the system (a pooling allocator's free
    /// regions) and returns the bytes released. The default holds nothing back.
    fn release_free_memory(&self) -> u64 {
        0
    }
    /// Where the memory lives: host memory may be read and written through its pointers;
    /// device memory only through its device (the pointers are addresses in the device's own
    /// space, never dereferenced by the host). Tensors take their storage kind from this.
    fn memory_kind(&self) -> MemoryKind {
        MemoryKind::Host
    }

    /// Copies `out.len()` bytes of device memory at `ptr` to the host. Only allocators of
    /// device memory implement it (host memory is read in place); the default is an Internal
    /// error.
    ///
    /// # Safety
    /// `ptr .. ptr + out.len()` must lie in one live allocation from this allocator, which no
    /// one writes meanwhile.
    unsafe fn read_device(&self, ptr: NonNull<u8>, out: &mut [u8]) -> Result<()> {
        let _ = (ptr, out);
        Err(not_device_memory(self.name()))
    }

    /// Copies `data` to device memory at `ptr`. Only allocators of device memory implement it;
    /// the default is an Internal error.
    ///
    /// # Safety
    /// `ptr .. ptr + data.len()` must lie in one live allocation from this allocator that the
    /// caller alone uses.
    unsafe fn write_device(&self, ptr: NonNull<u8>, data: &[u8]) -> Result<()> {
        let _ = (ptr, data);
        Err(not_device_memory(self.name()))
    }
}

/// The error of a device copy asked of an allocator of host memory: an engine bug.
fn not_device_memory(name: &str) -> Status {
    Status::internal(format!("the {name} allocator has no device memory to copy"))
}

/// Where an [`Allocator`]'s memory lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryKind {
    /// Host memory, addressable by the CPU.
    Host,
    /// Memory of an accelerator: the allocator's pointers are opaque addresses that only the
    /// device which made them can resolve.
    Device,
}

/// Counters an allocator keeps, as TensorFlow's `AllocatorStats` does.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AllocatorStats {
    /// Allocations made since creation.
    pub num_allocs: u64,
    /// Bytes currently handed out.
    pub bytes_in_use: u64,
    /// Largest `bytes_in_use` ever seen.
    pub peak_bytes_in_use: u64,
    /// Largest single allocation ever made.
    pub largest_alloc_size: u64,
    /// The most the allocator will hand out at once, when limited.
    pub bytes_limit: Option<u64>,
    /// Bytes obtained from the device and held, in use or not (a pooling allocator's regions;
    /// equal to `bytes_in_use` for one that returns memory at once).
    pub bytes_reserved: u64,
    /// The largest request that can be met from memory already reserved (0 when the allocator
    /// keeps no pool).
    pub largest_free_block_bytes: u64,
    /// `1 − largest free block / free reserved bytes`: 0 when free memory is one piece, toward 1
    /// as it splinters; 0 when nothing reserved is free.
    pub fragmentation: f64,
}
