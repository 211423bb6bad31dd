use crate::{Allocator, MemoryKind, Result, Status, TENSOR_ALIGNMENT};
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

/// A block of host memory: either obtained from an [`Allocator`] and returned to it on drop, or
/// borrowed from outside the engine (a JavaScript `ArrayBuffer` being fed) and kept alive by an
/// owner object until the buffer is dropped.
pub struct Buffer {
    ptr: NonNull<u8>,
    len: usize,
    owner: Owner,
}

/// Who releases a buffer's memory.
enum Owner {
    /// The empty buffer owns no memory.
    None,
    /// Engine memory; writable by whoever holds the buffer exclusively.
    Allocator(Arc<dyn Allocator>),
    /// Memory owned by someone else and kept alive by this value. Read-only: the engine never
    /// writes memory it does not own, so kernels cannot forward such a buffer to an output.
    External(#[allow(dead_code)] Box<dyn Send + Sync>),
}

// SAFETY: a Buffer owns its memory exclusively, or (External) holds read-only access kept alive
// by its owner; shared access is read-only through `&self` and writes need `&mut self` on a
// non-external buffer, so the usual aliasing rules make cross-thread use sound.
unsafe impl Send for Buffer {}
// SAFETY: as above.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// `len` zeroed bytes from `allocator`; Internal error for an allocator of device memory
    /// (a [`DeviceBuffer`](crate::DeviceBuffer) holds that), whose addresses the host must
    /// never read through.
    pub fn new(allocator: &Arc<dyn Allocator>, len: usize) -> Result<Buffer> {
        host_memory(allocator)?;
        if len == 0 {
            return Ok(Buffer::empty());
        }
        let ptr = allocator.allocate(len)?;
        Ok(Buffer { ptr, len, owner: Owner::Allocator(Arc::clone(allocator)) })
    }

    /// `len` bytes from `allocator` holding whatever they held before (initialised, but not
    /// necessarily zero): for memory the caller overwrites entirely. See
    /// [`Allocator::allocate_unzeroed`].
    pub fn new_unzeroed(allocator: &Arc<dyn Allocator>, len: usize) -> Result<Buffer> {
        host_memory(allocator)?;
        if len == 0 {
            return Ok(Buffer::empty());
        }
        let ptr = allocator.allocate_unzeroed(len)?;
        Ok(Buffer { ptr, len, owner: Owner::Allocator(Arc::clone(allocator)) })
    }

    /// A read-only view of `len` bytes at `ptr` that someone else owns; `owner` is dropped
    /// (releasing the memory, or a reference to it) when the buffer is.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `len` bytes for as long as `owner` lives, and nobody
    /// may write those bytes during that time.
    pub unsafe fn from_external(
        ptr: NonNull<u8>,
        len: usize,
        owner: Box<dyn Send + Sync>,
    ) -> Buffer {
        Buffer { ptr, len, owner: Owner::External(owner) }
    }

    /// A buffer of length zero.
    pub fn empty() -> Buffer {
        // An aligned, non-null, never-dereferenced address: valid for zero-length slices.
        let ptr = NonNull::new(std::ptr::without_provenance_mut(TENSOR_ALIGNMENT))
            .expect("TENSOR_ALIGNMENT is not zero");
        Buffer { ptr, len: 0, owner: Owner::None }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// False for memory borrowed from outside the engine, which is never written.
    pub fn is_writable(&self) -> bool {
        !matches!(self.owner, Owner::External(_))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: ptr is valid for len bytes (or dangling-aligned with len 0) while self lives.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes, writable; None for external memory.
    pub fn as_bytes_mut(&mut self) -> Option<&mut [u8]> {
        if !self.is_writable() {
            return None;
        }
        // SAFETY: as in as_bytes, and &mut self on engine-owned memory guarantees exclusive
        // access.
        Some(unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) })
    }

    /// Start of the memory; aligned to [`TENSOR_ALIGNMENT`] unless external.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }
}

/// Internal error unless `allocator` hands out host memory.
fn host_memory(allocator: &Arc<dyn Allocator>) -> Result<()> {
    match allocator.memory_kind() {
        MemoryKind::Host => Ok(()),
        MemoryKind::Device => Err(Status::internal(format!(
            "the {} allocator hands out device memory, which a host buffer cannot hold",
            allocator.name()
        ))),
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Owner::Allocator(allocator) = &self.owner {
            // SAFETY: ptr and len are exactly what the allocator returned, used no more.
            unsafe { allocator.deallocate(self.ptr, self.len) }
        }
    }
}

impl fmt::Debug for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buffer")
            .field("len", &self.len)
            .field("external", &!self.is_writable())
            .finish()
    }
}
