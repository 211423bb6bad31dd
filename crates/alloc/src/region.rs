//! Where a BFC allocator's memory comes from: large regions obtained from a device, which the
//! allocator then carves into chunks itself.

use sessionflow_core::{MemoryKind, Result, Status, TENSOR_ALIGNMENT};
use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes in all live host regions of the process, across every session.
static HOST_REGION_BYTES: AtomicU64 = AtomicU64::new(0);

/// Raw memory a device can hand out in large pieces. The best-fit-with-coalescing logic is the
/// same for host, CUDA and Vulkan memory; only this trait differs between them.
///
/// The provider is called rarely (when the allocator grows, when it is dropped, and to zero
/// reused chunks), so its calls may be slow.
pub trait RegionProvider: Send + Sync {
    /// Returns `bytes` (> 0, a multiple of 256) of zero-filled memory aligned to at least
    /// [`TENSOR_ALIGNMENT`], or an error (usually ResourceExhausted) when the device has none.
    fn alloc_region(&self, bytes: usize) -> Result<NonNull<u8>>;

    /// The largest region the provider can give in one piece (Vulkan's
    /// `maxMemoryAllocationSize`): a reservation made up front is split into regions of at
    /// most this size. Unbounded by default.
    fn max_region_bytes(&self) -> usize {
        usize::MAX
    }

    /// Gives a region back.
    ///
    /// # Safety
    /// `ptr` must come from `self.alloc_region(bytes)` with the same `bytes` and must not be
    /// used afterwards.
    unsafe fn free_region(&self, ptr: NonNull<u8>, bytes: usize);

    /// Fills `bytes` bytes at `ptr` with zeros. A separate call because device memory cannot
    /// be written through a host pointer.
    ///
    /// # Safety
    /// `ptr .. ptr + bytes` must lie inside one live region from this provider, with no other
    /// user of that range.
    unsafe fn zero(&self, ptr: NonNull<u8>, bytes: usize);

    /// Whether the regions are host memory (the default) or a device's, whose addresses the
    /// host never dereferences; the allocator reports it to the tensors it backs.
    fn memory_kind(&self) -> MemoryKind {
        MemoryKind::Host
    }

    /// Copies device memory at `ptr` to the host (device providers only; the default is an
    /// Internal error). See [`Allocator::read_device`](sessionflow_core::Allocator).
    ///
    /// # Safety
    /// `ptr .. ptr + out.len()` must lie inside one live region from this provider.
    unsafe fn read(&self, ptr: NonNull<u8>, out: &mut [u8]) -> Result<()> {
        let _ = (ptr, out);
        Err(Status::internal("host regions are read in place, not copied"))
    }

    /// Copies `data` to device memory at `ptr` (device providers only; the default is an
    /// Internal error).
    ///
    /// # Safety
    /// `ptr .. ptr + data.len()` must lie inside one live region from this provider, with no
    /// other user of that range.
    unsafe fn write(&self, ptr: NonNull<u8>, data: &[u8]) -> Result<()> {
        let _ = (ptr, data);
        Err(Status::internal("host regions are written in place, not copied"))
    }
}

/// Host memory from the system allocator, aligned to [`TENSOR_ALIGNMENT`]: the CPU's regions.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostRegions;

impl HostRegions {
    /// Bytes the process holds in host regions right now, across every allocator: a way to
    /// see that closing (or garbage-collecting) a session gives its memory back.
    pub fn bytes_held() -> u64 {
        HOST_REGION_BYTES.load(Ordering::Relaxed)
    }

    fn layout(bytes: usize) -> Result<Layout> {
        Layout::from_size_align(bytes, TENSOR_ALIGNMENT).map_err(|_| {
            Status::resource_exhausted(format!("a host region of {bytes} bytes is too large"))
        })
    }
}

impl RegionProvider for HostRegions {
    fn alloc_region(&self, bytes: usize) -> Result<NonNull<u8>> {
        if bytes == 0 {
            return Err(Status::invalid_argument("a host region must have at least one byte"));
        }
        let layout = Self::layout(bytes)?;
        // SAFETY: the layout has a non-zero size (checked above).
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(ptr).ok_or_else(|| {
            Status::resource_exhausted(format!(
                "the system allocator refused a host region of {bytes} bytes"
            ))
        })?;
        HOST_REGION_BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
        Ok(ptr)
    }

    unsafe fn free_region(&self, ptr: NonNull<u8>, bytes: usize) {
        // SAFETY: the caller passes what alloc_region returned for these bytes, so this
        // layout was valid (and non-zero) there.
        unsafe {
            let layout = Layout::from_size_align_unchecked(bytes, TENSOR_ALIGNMENT);
            std::alloc::dealloc(ptr.as_ptr(), layout);
        }
        HOST_REGION_BYTES.fetch_sub(bytes as u64, Ordering::Relaxed);
    }

    unsafe fn zero(&self, ptr: NonNull<u8>, bytes: usize) {
        // SAFETY: the caller guarantees the range is inside a live region and unshared.
        unsafe { ptr.as_ptr().write_bytes(0, bytes) };
    }
}
