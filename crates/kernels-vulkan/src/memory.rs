//! Which Vulkan memory types hold tensors and staging copies, and how much memory the device
//! has: pure functions over the driver's memory properties, tested without a device.

use ash::vk;
use sessionflow_core::{Result, Status};

/// The memory types a context uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemoryPlan {
    /// Where tensors live: device-local, on the largest device-local heap.
    pub tensor_type: u32,
    /// Whether tensor memory is also host-visible and coherent, so that it can be mapped and
    /// copied to and from directly (lavapipe, integrated GPUs, resizable BAR); else copies go
    /// through staging buffers.
    pub tensor_mapped: bool,
    /// Host-visible, coherent memory for staging copies (preferring cached, for reads back).
    pub staging_type: u32,
    /// Bytes of the heap tensors come from: the device's memory limit.
    pub heap_bytes: u64,
}

/// Chooses the memory types for buffers whose requirements allow `allowed_types` (a bit per
/// type). Unavailable when the device offers no device-local or no host-visible coherent type
/// for storage buffers, which the Vulkan specification rules out but a broken driver might not.
pub(crate) fn plan_memory(
    props: &vk::PhysicalDeviceMemoryProperties,
    allowed_types: u32,
) -> Result<MemoryPlan> {
    let count = (props.memory_type_count as usize).min(props.memory_types.len());
    let types = &props.memory_types[..count];
    let heap_size =
        |t: &vk::MemoryType| props.memory_heaps.get(t.heap_index as usize).map_or(0, |h| h.size);
    let usable = |i: usize| allowed_types & (1 << i) != 0;
    let coherent = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
    // Device-local on the largest heap (not the small 256 MiB BAR window some GPUs expose as
    // device-local and host-visible); on equal heaps, the type with the fewest extra flags,
    // which is the plain VRAM type.
    let tensor = (0..count)
        .filter(|&i| usable(i))
        .filter(|&i| types[i].property_flags.contains(vk::MemoryPropertyFlags::DEVICE_LOCAL))
        .max_by_key(|&i| {
            (
                heap_size(&types[i]),
                std::cmp::Reverse(types[i].property_flags.as_raw().count_ones()),
                std::cmp::Reverse(i),
            )
        })
        .ok_or_else(|| {
            Status::unavailable("the Vulkan device has no device-local memory for storage buffers")
        })?;
    // Staging: host-visible and coherent; cached makes reading results back fast.
    let staging = (0..count)
        .filter(|&i| usable(i) && types[i].property_flags.contains(coherent))
        .min_by_key(|&i| {
            let cached = types[i].property_flags.contains(vk::MemoryPropertyFlags::HOST_CACHED);
            (!cached, i)
        })
        .ok_or_else(|| {
            Status::unavailable("the Vulkan device has no host-visible coherent memory")
        })?;
    Ok(MemoryPlan {
        tensor_type: tensor as u32,
        tensor_mapped: types[tensor].property_flags.contains(coherent),
        staging_type: staging as u32,
        heap_bytes: heap_size(&types[tensor]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vk::MemoryPropertyFlags as F;

    fn props(heaps: &[u64], types: &[(F, u32)]) -> vk::PhysicalDeviceMemoryProperties {
        let mut p = vk::PhysicalDeviceMemoryProperties {
            memory_type_count: types.len() as u32,
            memory_heap_count: heaps.len() as u32,
            ..Default::default()
        };
        for (i, &size) in heaps.iter().enumerate() {
            p.memory_heaps[i] = vk::MemoryHeap { size, flags: vk::MemoryHeapFlags::empty() };
        }
        for (i, &(flags, heap)) in types.iter().enumerate() {
            p.memory_types[i] = vk::MemoryType { property_flags: flags, heap_index: heap };
        }
        p
    }

    #[test]
    fn lavapipe_maps_its_one_memory_type() {
        // llvmpipe 22.3: one 2 GiB heap, one type with every flag.
        let all = F::DEVICE_LOCAL | F::HOST_VISIBLE | F::HOST_COHERENT | F::HOST_CACHED;
        let p = props(&[2 << 30], &[(all, 0)]);
        let plan = plan_memory(&p, 0b1).unwrap();
        assert_eq!(
            plan,
            MemoryPlan {
                tensor_type: 0,
                tensor_mapped: true,
                staging_type: 0,
                heap_bytes: 2 << 30
            }
        );
    }

    #[test]
    fn a_discrete_gpu_keeps_tensors_in_vram_and_stages_through_cached_host_memory() {
        // A typical NVIDIA layout: 24 GiB VRAM, 64 GiB host, the 256 MiB BAR window.
        let gib = 1u64 << 30;
        let p = props(
            &[24 * gib, 64 * gib, 256 << 20],
            &[
                (F::empty(), 1),
                (F::DEVICE_LOCAL, 0),
                (F::HOST_VISIBLE | F::HOST_COHERENT, 1),
                (F::HOST_VISIBLE | F::HOST_COHERENT | F::HOST_CACHED, 1),
                (F::DEVICE_LOCAL | F::HOST_VISIBLE | F::HOST_COHERENT, 2),
            ],
        );
        let plan = plan_memory(&p, 0b11111).unwrap();
        assert_eq!(
            plan,
            MemoryPlan {
                tensor_type: 1,
                tensor_mapped: false,
                staging_type: 3,
                heap_bytes: 24 * gib
            }
        );
        // Types the buffer may not use are never chosen.
        let plan = plan_memory(&p, 0b10101).unwrap();
        assert_eq!((plan.tensor_type, plan.tensor_mapped, plan.staging_type), (4, true, 2));
        assert_eq!(plan.heap_bytes, 256 << 20);
    }

    #[test]
    fn no_usable_type_is_unavailable() {
        let p = props(&[1 << 30], &[(F::HOST_VISIBLE | F::HOST_COHERENT, 0)]);
        assert_eq!(plan_memory(&p, 0b1).unwrap_err().code, sessionflow_core::Code::Unavailable);
        let p = props(&[1 << 30], &[(F::DEVICE_LOCAL, 0)]);
        assert_eq!(plan_memory(&p, 0b1).unwrap_err().code, sessionflow_core::Code::Unavailable);
    }
}
