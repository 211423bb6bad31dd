//! The Vulkan device as sessions see it: a name, a memory limit and a BFC allocator over
//! Vulkan memory.

use crate::{VulkanContext, VulkanRegions};
use sessionflow_alloc::{BfcAllocator, BfcOptions};
use sessionflow_core::{Allocator, Device, DeviceAttributes, DeviceType, Result};
use std::sync::Arc;

/// `/job:localhost/replica:0/task:0/device:VULKAN:<index>`: the process's Vulkan context with
/// an allocator of its own (one per session, as CPU devices have).
pub struct VulkanDevice {
    attributes: DeviceAttributes,
    allocator: Arc<dyn Allocator>,
    ctx: Arc<VulkanContext>,
}

impl VulkanDevice {
    /// Device number `index` on `ctx`, its allocator limited as `options` say: growing on
    /// demand, or (without growth) holding the whole limit from the start, in regions of at
    /// most `maxMemoryAllocationSize` (one Vulkan allocation each).
    pub fn new(index: usize, ctx: Arc<VulkanContext>, options: BfcOptions) -> Result<VulkanDevice> {
        let limit = options.memory_limit.map_or(ctx.info().memory_bytes, |l| l as u64);
        let name = format!("VULKAN_{index}_bfc");
        let allocator = BfcAllocator::new(name, VulkanRegions::new(Arc::clone(&ctx)), options)?;
        Ok(VulkanDevice {
            attributes: DeviceAttributes {
                name: format!("/job:localhost/replica:0/task:0/device:VULKAN:{index}"),
                device_type: DeviceType::VULKAN,
                memory_limit: limit,
            },
            allocator: Arc::new(allocator),
            ctx,
        })
    }

    /// The context the device computes on.
    pub fn context(&self) -> &Arc<VulkanContext> {
        &self.ctx
    }
}

impl Device for VulkanDevice {
    fn attributes(&self) -> &DeviceAttributes {
        &self.attributes
    }

    fn allocator(&self) -> &Arc<dyn Allocator> {
        &self.allocator
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::context;
    use sessionflow_core::MemoryKind;

    #[test]
    fn the_device_is_named_as_tensorflow_names_devices_and_reports_its_limit() {
        let Some(ctx) = context() else { return };
        let options = BfcOptions {
            memory_limit: Some(1 << 30),
            allow_growth: true,
            initial_region_bytes: 1 << 20,
        };
        let device = VulkanDevice::new(0, Arc::clone(&ctx), options).unwrap();
        let a = device.attributes();
        assert_eq!(a.name, "/job:localhost/replica:0/task:0/device:VULKAN:0");
        assert_eq!((a.device_type, a.memory_limit), (DeviceType::VULKAN, 1 << 30));
        assert_eq!(device.allocator().name(), "VULKAN_0_bfc");
        assert_eq!(device.allocator().memory_kind(), MemoryKind::Device);
        // Growing: nothing is taken until a tensor needs it.
        assert_eq!(device.allocator().stats().bytes_reserved, 0);
    }

    #[test]
    fn without_growth_the_whole_limit_is_held_from_the_start() {
        let Some(ctx) = context() else { return };
        let limit = 24 << 20;
        let options = BfcOptions {
            memory_limit: Some(limit),
            allow_growth: false,
            initial_region_bytes: 1 << 20,
        };
        let device = VulkanDevice::new(0, Arc::clone(&ctx), options).unwrap();
        assert_eq!(device.allocator().stats().bytes_reserved, limit as u64);
        assert_eq!(device.attributes().memory_limit, limit as u64);
    }
}
