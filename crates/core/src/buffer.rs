use crate::{Allocator, Result, TENSOR_ALIGNMENT};
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

/// A block of host memory obtained from an [`Allocator`] and returned to it on drop.
pub struct Buffer {
    ptr: NonNull<u8>,
    len: usize,
    /// `None` for the empty buffer, which owns no memory.
    allocator: Option<Arc<dyn Allocator>>,
}

// SAFETY: a Buffer owns its memory exclusively; shared access is read-only through `&self`
// and writes need `&mut self`, so the usual aliasing rules make cross-thread use sound.
unsafe impl Send for Buffer {}
// SAFETY: as above.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// `len` zeroed bytes from `allocator`.
    pub fn new(allocator: &Arc<dyn Allocator>, len: usize) -> Result<Buffer> {
        if len == 0 {
            return Ok(Buffer::empty());
        }
        let ptr = allocator.allocate(len)?;
        Ok(Buffer { ptr, len, allocator: Some(Arc::clone(allocator)) })
    }

    /// A buffer of length zero.
    pub fn empty() -> Buffer {
        // An aligned, non-null, never-dereferenced address: valid for zero-length slices.
        let ptr = NonNull::new(std::ptr::without_provenance_mut(TENSOR_ALIGNMENT))
            .expect("TENSOR_ALIGNMENT is not zero");
        Buffer { ptr, len: 0, allocator: None }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: ptr is valid for len bytes (or dangling-aligned with len 0) while self lives.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes, writable.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in as_bytes, and &mut self guarantees exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Start of the memory, aligned to [`TENSOR_ALIGNMENT`].
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Some(allocator) = &self.allocator {
            // SAFETY: ptr and len are exactly what allocator.allocate returned, used no more.
            unsafe { allocator.deallocate(self.ptr, self.len) }
        }
    }
}

impl fmt::Debug for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buffer").field("len", &self.len).finish()
    }
}
