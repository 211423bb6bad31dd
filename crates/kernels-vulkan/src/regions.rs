//! Device memory for crates/alloc's BFC allocator: each region is one `VkBuffer` bound to its
//! own `VkDeviceMemory`. The allocator works on addresses, so every region gets a range of
//! opaque addresses in a private space; the context resolves an address to (buffer, offset)
//! when a kernel binds it. The host never dereferences these addresses.

use crate::context::VulkanContext;
use crate::error::{VkResultExt, vk_status};
use ash::vk;
use sessionflow_alloc::RegionProvider;
use sessionflow_core::{DeviceBuffer, MemoryKind, Result, Status, Tensor};
use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// How every region buffer may be used: kernel arguments, and copies in and out.
pub(crate) const REGION_USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw()
        | vk::BufferUsageFlags::TRANSFER_SRC.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// Where the private address space starts: far from 0, so an address is never null, and
/// regions are spaced by [`ADDRESS_GRANULE`] so that none is adjacent to another (an
/// off-by-one in an allocator cannot make one region's chunk resolve into the next).
const FIRST_ADDRESS: usize = 1 << 40;
const ADDRESS_GRANULE: usize = 1 << 20;

/// A host pointer into mapped device memory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostPtr(NonNull<u8>);

// SAFETY: the pointer is into memory mapped for the context's lifetime; who writes what is
// ordered by the submitter (every submission is waited for) and by the BFC allocator (a
// chunk has one owner).
unsafe impl Send for HostPtr {}
// SAFETY: as above.
unsafe impl Sync for HostPtr {}

impl HostPtr {
    pub fn new(ptr: *mut u8) -> Result<HostPtr> {
        NonNull::new(ptr)
            .map(HostPtr)
            .ok_or_else(|| Status::internal("Vulkan mapped memory at address 0"))
    }

    /// The pointer `offset` bytes on.
    pub fn at(self, offset: u64) -> *mut u8 {
        self.0.as_ptr().wrapping_add(offset as usize)
    }

    /// The mapping `offset` bytes on (inside the same mapping, so never null).
    fn offset(self, offset: u64) -> HostPtr {
        HostPtr(NonNull::new(self.at(offset)).unwrap_or(self.0))
    }
}

/// One region.
#[derive(Clone, Copy)]
struct Region {
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
    bytes: u64,
    mapped: Option<HostPtr>,
}

/// A tensor's memory as a kernel binds it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    pub buffer: vk::Buffer,
    pub offset: u64,
    pub len: u64,
    /// The same bytes through the host mapping, where tensor memory is mapped.
    pub mapped: Option<HostPtr>,
}

/// Every live region of a context, by start address.
#[derive(Default)]
pub(crate) struct RegionTable {
    regions: RwLock<BTreeMap<usize, Region>>,
    next: AtomicUsize,
}

impl RegionTable {
    fn insert(&self, region: Region) -> usize {
        let span = (region.bytes as usize).next_multiple_of(ADDRESS_GRANULE) + ADDRESS_GRANULE;
        let address = FIRST_ADDRESS + self.next.fetch_add(span, Ordering::Relaxed);
        self.regions.write().unwrap_or_else(PoisonError::into_inner).insert(address, region);
        address
    }

    fn remove(&self, address: usize) -> Option<Region> {
        self.regions.write().unwrap_or_else(PoisonError::into_inner).remove(&address)
    }

    /// The region holding `len` bytes at `address`.
    fn resolve(&self, address: usize, len: usize) -> Result<Span> {
        let regions = self.regions.read().unwrap_or_else(PoisonError::into_inner);
        let (&start, region) =
            regions.range(..=address).next_back().ok_or_else(|| unknown(address))?;
        let offset = (address - start) as u64;
        if offset + len as u64 > region.bytes {
            return Err(unknown(address));
        }
        let mapped = region.mapped.map(|m| m.offset(offset));
        Ok(Span { buffer: region.buffer, offset, len: len as u64, mapped })
    }

    /// Number of live regions.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.regions.read().unwrap_or_else(PoisonError::into_inner).len()
    }
}

fn unknown(address: usize) -> Status {
    Status::internal(format!("{address:#x} is not in any Vulkan memory region of this device"))
}

impl VulkanContext {
    /// The memory of a device buffer, as a kernel binds it.
    pub(crate) fn resolve(&self, buffer: &DeviceBuffer) -> Result<Span> {
        self.regions.resolve(buffer.address(), buffer.len())
    }

    /// The memory of a tensor on this device; Internal for a host tensor (the placer copies
    /// host values to the device before a Vulkan kernel reads them).
    pub(crate) fn resolve_tensor(&self, t: &Tensor) -> Result<Span> {
        let buffer = t.device_buffer().ok_or_else(|| {
            Status::internal(format!("a Vulkan kernel was given a host tensor ({t:?})"))
        })?;
        self.resolve(buffer)
    }

    /// A new region of `bytes`, zero-filled; its address.
    fn create_region(&self, bytes: usize) -> Result<usize> {
        self.check_alive()?;
        let info = self.info();
        if bytes as u64 > info.max_allocation_bytes {
            return Err(Status::resource_exhausted(format!(
                "{bytes} bytes exceed the largest single allocation of {} ({} bytes)",
                info.name, info.max_allocation_bytes
            )));
        }
        let device = &self.device;
        let create = vk::BufferCreateInfo::default()
            .size(bytes as u64)
            .usage(REGION_USAGE)
            .sharing_mode(vk::SharingMode::EXCLUSIVE);
        // SAFETY: a buffer and memory created, bound and mapped on a live device; every failure
        // frees what was made before it.
        let region = unsafe {
            let buffer = device.create_buffer(&create, None).vk("creating a region buffer")?;
            let req = device.get_buffer_memory_requirements(buffer);
            if req.memory_type_bits & (1 << self.memory.tensor_type) == 0 {
                device.destroy_buffer(buffer, None);
                return Err(Status::internal("a region buffer cannot use the tensor memory type"));
            }
            let alloc = vk::MemoryAllocateInfo::default()
                .allocation_size(req.size)
                .memory_type_index(self.memory.tensor_type);
            let memory = match device.allocate_memory(&alloc, None) {
                Ok(m) => m,
                Err(r) => {
                    device.destroy_buffer(buffer, None);
                    return Err(vk_status(
                        &format!("allocating {bytes} bytes of device memory"),
                        r,
                    ));
                }
            };
            let bound = device.bind_buffer_memory(buffer, memory, 0).and_then(|()| {
                if !self.memory.tensor_mapped {
                    return Ok(None);
                }
                device.map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty()).map(Some)
            });
            let mapped = match bound
                .map_err(|r| vk_status("binding and mapping a region", r))
                .and_then(|p| p.map(|p| HostPtr::new(p.cast())).transpose())
            {
                Ok(m) => m,
                Err(status) => {
                    device.destroy_buffer(buffer, None);
                    device.free_memory(memory, None);
                    return Err(status);
                }
            };
            Region { buffer, memory, bytes: bytes as u64, mapped }
        };
        let address = self.regions.insert(region);
        // Fresh device memory holds anything; the allocator promises zeros.
        // SAFETY: the region is new and unshared.
        if let Err(status) = unsafe { self.zero(address, bytes) } {
            // SAFETY: nothing else knows the region yet.
            unsafe { self.destroy_region(address) };
            return Err(status);
        }
        Ok(address)
    }

    /// Destroys the region at `address`.
    ///
    /// # Safety
    /// No pending work may use it (every submission is waited for), and no chunk of it may be
    /// used again.
    unsafe fn destroy_region(&self, address: usize) {
        let Some(region) = self.regions.remove(address) else { return };
        // SAFETY: the caller's; unmapping happens implicitly when the memory is freed.
        unsafe {
            self.device.destroy_buffer(region.buffer, None);
            self.device.free_memory(region.memory, None);
        }
    }

    /// Zeroes `bytes` at `address`: through the mapping, or by a fill on the device.
    ///
    /// # Safety
    /// The range must lie in one live region and have no other user.
    unsafe fn zero(&self, address: usize, bytes: usize) -> Result<()> {
        // Fills take whole words. Chunks and regions are whole 256-byte units, so the rounded
        // range stays inside the caller's chunk.
        let span = self.regions.resolve(address, bytes.next_multiple_of(4))?;
        match span.mapped {
            // SAFETY: the caller's: a live, unshared range of mapped memory.
            Some(host) => unsafe { host.at(0).write_bytes(0, bytes) },
            None => self.run("zeroing device memory", |r| {
                r.fill(span, span.len, 0);
                Ok(())
            })?,
        }
        Ok(())
    }
}

/// The BFC allocator's source of Vulkan memory: regions of device-local memory on one
/// context (host-visible and mapped where the device is the CPU, as lavapipe is).
pub struct VulkanRegions {
    ctx: Arc<VulkanContext>,
}

impl VulkanRegions {
    /// Regions on `ctx`'s device.
    pub fn new(ctx: Arc<VulkanContext>) -> VulkanRegions {
        VulkanRegions { ctx }
    }
}

impl RegionProvider for VulkanRegions {
    fn alloc_region(&self, bytes: usize) -> Result<NonNull<u8>> {
        if bytes == 0 {
            return Err(Status::invalid_argument("a Vulkan region must have at least one byte"));
        }
        let address = self.ctx.create_region(bytes)?;
        // An address in the private space (never 0), without provenance: it is never
        // dereferenced.
        NonNull::new(std::ptr::without_provenance_mut(address)).ok_or_else(|| unknown(address))
    }

    fn max_region_bytes(&self) -> usize {
        usize::try_from(self.ctx.info().max_allocation_bytes).unwrap_or(usize::MAX)
    }

    unsafe fn free_region(&self, ptr: NonNull<u8>, _bytes: usize) {
        // SAFETY: the allocator frees a region only when it is dropped, after every tensor
        // (each holds the allocator) and so after every submission using it.
        unsafe { self.ctx.destroy_region(ptr.as_ptr() as usize) }
    }

    unsafe fn zero(&self, ptr: NonNull<u8>, bytes: usize) {
        // SAFETY: the caller's contract is ours.
        if let Err(status) = unsafe { self.ctx.zero(ptr.as_ptr() as usize, bytes) } {
            // The allocator has promised zeros and cannot be told otherwise: rather than let a
            // kernel read stale bytes, the device is taken out of use.
            self.ctx.poison(status);
        }
    }

    fn memory_kind(&self) -> MemoryKind {
        MemoryKind::Device
    }

    unsafe fn read(&self, ptr: NonNull<u8>, out: &mut [u8]) -> Result<()> {
        let span = self.ctx.regions.resolve(ptr.as_ptr() as usize, out.len())?;
        self.ctx.read(span, out, self.ctx.route())
    }

    unsafe fn write(&self, ptr: NonNull<u8>, data: &[u8]) -> Result<()> {
        let span = self.ctx.regions.resolve(ptr.as_ptr() as usize, data.len())?;
        self.ctx.write(span, data, self.ctx.route())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{context, host};
    use sessionflow_alloc::{BfcAllocator, BfcOptions};
    use sessionflow_core::{Allocator, Code, DType, TensorShape};

    fn allocator(ctx: &Arc<VulkanContext>, options: BfcOptions) -> Arc<dyn Allocator> {
        Arc::new(
            BfcAllocator::new("VULKAN_0_bfc", VulkanRegions::new(Arc::clone(ctx)), options)
                .unwrap(),
        )
    }

    #[test]
    fn the_bfc_allocator_carves_vulkan_regions_and_gives_them_back() {
        let Some(ctx) = context() else { return };
        let before = ctx.regions.len();
        let options = BfcOptions {
            memory_limit: Some(64 << 20),
            allow_growth: true,
            initial_region_bytes: 1 << 20,
        };
        let alloc = allocator(&ctx, options);
        assert_eq!(alloc.memory_kind(), MemoryKind::Device);
        let a = Tensor::zeros(&alloc, DType::Float32, TensorShape::new([1000])).unwrap();
        let b = Tensor::zeros(&alloc, DType::Float32, TensorShape::new([1 << 20])).unwrap();
        let (sa, sb) = (ctx.resolve_tensor(&a).unwrap(), ctx.resolve_tensor(&b).unwrap());
        assert_eq!((sa.len, sb.len), (4000, 4 << 20));
        assert!(sa.offset % 256 == 0 && sb.offset % 256 == 0, "chunks are 256-byte aligned");
        assert_ne!(sa.buffer, sb.buffer, "the 4 MiB tensor needed a second region");
        assert_eq!(ctx.regions.len(), before + 2);
        // Fresh memory reads as zeros.
        let zeros = ctx.download(&b, host()).unwrap();
        assert!(zeros.as_slice::<f32>().unwrap().iter().all(|&v| v == 0.0));
        drop((a, b));
        drop(alloc);
        assert_eq!(ctx.regions.len(), before, "dropping the allocator frees its regions");
    }

    #[test]
    fn reused_memory_is_zeroed_when_zeros_are_asked_for() {
        let Some(ctx) = context() else { return };
        let options = BfcOptions {
            memory_limit: Some(4 << 20),
            allow_growth: true,
            initial_region_bytes: 1 << 20,
        };
        let alloc = allocator(&ctx, options);
        let ones = Tensor::from_slice(host(), TensorShape::new([1000]), &[1.5f32; 1000]).unwrap();
        let dirty = ctx.upload(&alloc, &ones).unwrap();
        let address = dirty.device_buffer().unwrap().address();
        drop(dirty);
        // The best fit for the same size is the chunk just freed, which held 1.5s.
        let again = Tensor::zeros(&alloc, DType::Float32, TensorShape::new([999])).unwrap();
        assert_eq!(again.device_buffer().unwrap().address(), address);
        let back = ctx.download(&again, host()).unwrap();
        assert!(back.as_slice::<f32>().unwrap().iter().all(|&v| v == 0.0));
    }

    #[test]
    fn exhausting_the_limit_is_resource_exhausted() {
        let Some(ctx) = context() else { return };
        let options = BfcOptions {
            memory_limit: Some(1 << 20),
            allow_growth: true,
            initial_region_bytes: 1 << 20,
        };
        let alloc = allocator(&ctx, options);
        let e = Tensor::zeros(&alloc, DType::Float32, TensorShape::new([1 << 20])).unwrap_err();
        assert_eq!(e.code, Code::ResourceExhausted);
        assert!(e.message.contains("shape[1048576]"), "{}", e.message);
        // Past the device's largest allocation, the provider refuses before asking Vulkan.
        let too_big = (ctx.info().max_allocation_bytes as usize).saturating_add(256);
        let e = VulkanRegions::new(Arc::clone(&ctx)).alloc_region(too_big).unwrap_err();
        assert_eq!(e.code, Code::ResourceExhausted);
        // A host tensor has no span; an unknown address is an engine bug, not a crash.
        assert_eq!(ctx.resolve_tensor(&ones_on_host()).unwrap_err().code, Code::Internal);
        assert_eq!(ctx.regions.resolve(12345, 4).unwrap_err().code, Code::Internal);
    }

    fn ones_on_host() -> Tensor {
        Tensor::from_slice(host(), TensorShape::new([2]), &[1f32, 1.]).unwrap()
    }
}
