use crate::{Allocator, MemoryKind, Result, Status};
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

/// A block of device memory (a Vulkan or CUDA allocation): an opaque address in the device's
/// own space and a length, returned to its allocator on drop. Unlike a host
/// [`Buffer`](crate::Buffer) it has no byte view: the host never dereferences device addresses, and
/// only the device that made the allocator can resolve them (to a buffer and offset, or a
/// device pointer).
pub struct DeviceBuffer {
    address: NonNull<u8>,
    len: usize,
    /// `None` for the empty buffer, which owns no memory.
    allocator: Option<Arc<dyn Allocator>>,
}

// SAFETY: the address is never dereferenced by the host; it is an opaque handle that the
// owning allocator resolves, and the allocator itself is Send + Sync.
unsafe impl Send for DeviceBuffer {}
// SAFETY: as above.
unsafe impl Sync for DeviceBuffer {}

impl DeviceBuffer {
    /// `len` zeroed bytes from `allocator`, which must hand out device memory.
    pub fn new(allocator: &Arc<dyn Allocator>, len: usize) -> Result<DeviceBuffer> {
        DeviceBuffer::take(allocator, len, true)
    }

    /// `len` bytes from `allocator` holding whatever they held before, for memory a kernel
    /// overwrites entirely.
    pub fn new_unzeroed(allocator: &Arc<dyn Allocator>, len: usize) -> Result<DeviceBuffer> {
        DeviceBuffer::take(allocator, len, false)
    }

    fn take(allocator: &Arc<dyn Allocator>, len: usize, zeroed: bool) -> Result<DeviceBuffer> {
        if allocator.memory_kind() != MemoryKind::Device {
            return Err(Status::internal(format!(
                "the {} allocator hands out host memory, not device memory",
                allocator.name()
            )));
        }
        if len == 0 {
            return Ok(DeviceBuffer { address: NonNull::dangling(), len: 0, allocator: None });
        }
        let address =
            if zeroed { allocator.allocate(len)? } else { allocator.allocate_unzeroed(len)? };
        Ok(DeviceBuffer { address, len, allocator: Some(Arc::clone(allocator)) })
    }

    /// The device address of the first byte (meaningful only to the allocator's device).
    pub fn address(&self) -> usize {
        self.address.as_ptr() as usize
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the buffer holds no bytes (and owns no memory).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The allocator the memory came from; None for the empty buffer.
    pub fn allocator(&self) -> Option<&Arc<dyn Allocator>> {
        self.allocator.as_ref()
    }

    /// Copies the first `out.len()` bytes to the host, through the allocator's device.
    pub fn read(&self, out: &mut [u8]) -> Result<()> {
        let Some(allocator) = self.reach(out.len())? else { return Ok(()) };
        // SAFETY: the range lies in this buffer's live allocation (checked by reach), which
        // shared access does not write.
        unsafe { allocator.read_device(self.address, out) }
    }

    /// Copies `data` to the start of the buffer, through the allocator's device. Takes
    /// `&mut self`: only the buffer's sole owner writes it.
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        let Some(allocator) = self.reach(data.len())? else { return Ok(()) };
        // SAFETY: the range lies in this buffer's live allocation, held exclusively.
        unsafe { allocator.write_device(self.address, data) }
    }

    /// The allocator to copy `len` bytes through; None when there is nothing to copy.
    fn reach(&self, len: usize) -> Result<Option<&Arc<dyn Allocator>>> {
        if len > self.len {
            return Err(Status::internal(format!(
                "a copy of {len} bytes from a device buffer of {} bytes",
                self.len
            )));
        }
        Ok(self.allocator.as_ref().filter(|_| len > 0))
    }
}

impl Drop for DeviceBuffer {
    fn drop(&mut self) {
        if let Some(allocator) = &self.allocator {
            // SAFETY: address and len are exactly what the allocator returned, used no more.
            unsafe { allocator.deallocate(self.address, self.len) }
        }
    }
}

impl fmt::Debug for DeviceBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceBuffer")
            .field("address", &format_args!("{:#x}", self.address()))
            .field("len", &self.len)
            .field("allocator", &self.allocator.as_ref().map(|a| a.name().to_owned()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AllocatorStats, Buffer, Code, DType, Tensor, TensorShape};
    use std::sync::Mutex;

    /// A device allocator whose addresses point at nothing the host may touch: any host read
    /// or write through them would crash the test. Records what is live.
    #[derive(Debug, Default)]
    struct FakeDevice {
        live: Mutex<Vec<(usize, usize)>>,
        zeroed: Mutex<Vec<bool>>,
    }

    impl FakeDevice {
        fn take(&self, bytes: usize, zeroed: bool) -> Result<NonNull<u8>> {
            let mut live = self.live.lock().unwrap();
            let address = (1usize << 44) + live.len() * (1 << 20);
            live.push((address, bytes));
            self.zeroed.lock().unwrap().push(zeroed);
            // Never dereferenced: an address without provenance, as a device address is.
            Ok(NonNull::new(std::ptr::without_provenance_mut(address)).unwrap())
        }
    }

    impl Allocator for FakeDevice {
        fn name(&self) -> &str {
            "fake_device"
        }
        fn allocate(&self, bytes: usize) -> Result<NonNull<u8>> {
            self.take(bytes, true)
        }
        fn allocate_unzeroed(&self, bytes: usize) -> Result<NonNull<u8>> {
            self.take(bytes, false)
        }
        unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
            let entry = (ptr.as_ptr() as usize, bytes);
            self.live.lock().unwrap().retain(|&e| e != entry);
        }
        fn stats(&self) -> AllocatorStats {
            AllocatorStats::default()
        }
        fn memory_kind(&self) -> MemoryKind {
            MemoryKind::Device
        }
    }

    /// Host memory from the system allocator.
    #[derive(Debug)]
    struct HostHeap;

    impl Allocator for HostHeap {
        fn name(&self) -> &str {
            "host_heap"
        }
        fn allocate(&self, bytes: usize) -> Result<NonNull<u8>> {
            let layout = std::alloc::Layout::from_size_align(bytes, 64).unwrap();
            // SAFETY: the tests ask for more than zero bytes.
            NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) })
                .ok_or_else(|| Status::resource_exhausted("host heap"))
        }
        unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
            // SAFETY: ptr came from allocate(bytes) with this layout.
            unsafe {
                let layout = std::alloc::Layout::from_size_align_unchecked(bytes, 64);
                std::alloc::dealloc(ptr.as_ptr(), layout);
            }
        }
        fn stats(&self) -> AllocatorStats {
            AllocatorStats::default()
        }
    }

    #[test]
    fn tensors_from_a_device_allocator_live_in_device_memory_the_host_never_reads() {
        let device = Arc::new(FakeDevice::default());
        let a: Arc<dyn Allocator> = device.clone();
        let shape = TensorShape::new([2, 3]);
        let t = Tensor::zeros(&a, DType::Float32, shape.clone()).unwrap();
        let mut u = Tensor::for_overwrite(&a, DType::Float32, shape.clone()).unwrap();
        assert_eq!(*device.zeroed.lock().unwrap(), [true, false], "zeros asks for zeroed memory");
        assert_eq!(
            (t.memory_kind(), t.dtype(), t.num_elements()),
            (MemoryKind::Device, DType::Float32, 6)
        );
        assert!(t.buffer().is_none(), "no host view");
        assert_eq!(t.device_buffer().unwrap().len(), 24);
        assert_eq!(t.device_buffer().unwrap().address(), 1 << 44);
        assert_eq!(t.as_bytes().unwrap_err().code, Code::Internal);
        assert_eq!(t.as_slice::<f32>().unwrap_err().code, Code::Internal);
        assert_eq!(u.as_mut_slice::<f32>().unwrap_err().code, Code::Internal);
        assert!(u.is_exclusive());
        let shared = u.clone();
        assert!(!u.is_exclusive(), "a clone shares the device memory");
        let reshaped = shared.reshaped(TensorShape::new([6])).unwrap();
        assert_eq!(
            reshaped.device_buffer().unwrap().address(),
            u.device_buffer().unwrap().address()
        );
        drop((t, u, shared, reshaped));
        assert!(device.live.lock().unwrap().is_empty(), "dropping the tensors frees the memory");
    }

    #[test]
    fn host_and_device_memory_are_never_mixed_up() {
        let device: Arc<dyn Allocator> = Arc::new(FakeDevice::default());
        assert_eq!(Buffer::new(&device, 8).unwrap_err().code, Code::Internal);
        assert_eq!(Buffer::new_unzeroed(&device, 8).unwrap_err().code, Code::Internal);
        let host: Arc<dyn Allocator> = Arc::new(HostHeap);
        assert_eq!(DeviceBuffer::new(&host, 8).unwrap_err().code, Code::Internal);
        let empty = DeviceBuffer::new(&device, 0).unwrap();
        assert!(empty.is_empty() && empty.allocator().is_none());
        let four = DeviceBuffer::new(&device, 16).unwrap();
        let wrong = Tensor::from_device_buffer(DType::Float32, TensorShape::new([3]), four);
        assert_eq!(wrong.unwrap_err().code, Code::InvalidArgument);
        let right = DeviceBuffer::new(&device, 12).unwrap();
        let t = Tensor::from_device_buffer(DType::Int32, TensorShape::new([3]), right).unwrap();
        assert_eq!(t.memory_kind(), MemoryKind::Device);
    }
}
