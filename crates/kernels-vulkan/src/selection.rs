//! Which physical device and queue family a context uses: pure functions over what the driver
//! reports, so the policy is tested without a device.

use ash::vk;

/// What selection needs to know about one physical device.
#[derive(Clone)]
pub(crate) struct Candidate {
    pub device_type: vk::PhysicalDeviceType,
    pub api_version: u32,
    /// The queue family compute work goes to, if the device has one.
    pub compute_family: Option<u32>,
}

/// The Vulkan version the context needs: 1.1 for `maxMemoryAllocationSize` (maintenance3) and
/// SPIR-V 1.3.
pub(crate) const REQUIRED_API: u32 = vk::make_api_version(0, 1, 1, 0);

/// Lower is better: discrete GPUs, then integrated, then virtual, then the CPU (lavapipe,
/// SwiftShader), then anything else.
fn preference(kind: vk::PhysicalDeviceType) -> u8 {
    match kind {
        vk::PhysicalDeviceType::DISCRETE_GPU => 0,
        vk::PhysicalDeviceType::INTEGRATED_GPU => 1,
        vk::PhysicalDeviceType::VIRTUAL_GPU => 2,
        vk::PhysicalDeviceType::CPU => 3,
        _ => 4,
    }
}

/// The index of the candidate to use: the most preferred type among those with a compute
/// queue and Vulkan 1.1; the first such on ties (the driver's order). None when none qualifies.
pub(crate) fn choose_device(candidates: &[Candidate]) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.compute_family.is_some() && c.api_version >= REQUIRED_API)
        .min_by_key(|(i, c)| (preference(c.device_type), *i))
        .map(|(i, _)| i)
}

/// The queue family for compute: one without graphics if the device has it (the dedicated
/// "async compute" family of discrete GPUs, which graphics work never delays), else the first
/// family that can compute.
pub(crate) fn compute_family(families: &[vk::QueueFamilyProperties]) -> Option<u32> {
    let can_compute = |f: &&vk::QueueFamilyProperties| {
        f.queue_flags.contains(vk::QueueFlags::COMPUTE) && f.queue_count > 0
    };
    let dedicated = families
        .iter()
        .position(|f| can_compute(&f) && !f.queue_flags.contains(vk::QueueFlags::GRAPHICS));
    let any = || families.iter().position(|f| can_compute(&f));
    dedicated.or_else(any).map(|i| i as u32)
}

/// A device type's name, for [`DeviceInfo`](crate::DeviceInfo) and messages.
pub(crate) fn type_name(kind: vk::PhysicalDeviceType) -> &'static str {
    match kind {
        vk::PhysicalDeviceType::DISCRETE_GPU => "discrete GPU",
        vk::PhysicalDeviceType::INTEGRATED_GPU => "integrated GPU",
        vk::PhysicalDeviceType::VIRTUAL_GPU => "virtual GPU",
        vk::PhysicalDeviceType::CPU => "CPU",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(kind: vk::PhysicalDeviceType, minor: u32, compute: bool) -> Candidate {
        Candidate {
            device_type: kind,
            api_version: vk::make_api_version(0, 1, minor, 0),
            compute_family: compute.then_some(0),
        }
    }

    #[test]
    fn discrete_gpus_win_and_lavapipe_is_accepted() {
        use vk::PhysicalDeviceType as T;
        let lavapipe = candidate(T::CPU, 3, true);
        let igpu = candidate(T::INTEGRATED_GPU, 3, true);
        let dgpu = candidate(T::DISCRETE_GPU, 3, true);
        assert_eq!(choose_device(&[lavapipe.clone(), igpu.clone(), dgpu.clone()]), Some(2));
        assert_eq!(choose_device(&[lavapipe.clone(), igpu.clone()]), Some(1));
        assert_eq!(choose_device(std::slice::from_ref(&lavapipe)), Some(0));
        let second = candidate(T::DISCRETE_GPU, 2, true);
        assert_eq!(choose_device(&[dgpu, second]), Some(0), "the driver's order on ties");
    }

    #[test]
    fn devices_without_compute_or_vulkan_1_1_are_skipped() {
        use vk::PhysicalDeviceType as T;
        let old = candidate(T::DISCRETE_GPU, 0, true);
        let no_compute = candidate(T::DISCRETE_GPU, 3, false);
        let lavapipe = candidate(T::CPU, 3, true);
        assert_eq!(choose_device(&[old.clone(), no_compute.clone(), lavapipe]), Some(2));
        assert_eq!(choose_device(&[old, no_compute]), None);
        assert_eq!(choose_device(&[]), None);
    }

    #[test]
    fn a_dedicated_compute_family_is_preferred() {
        let family = |flags, count| vk::QueueFamilyProperties {
            queue_flags: flags,
            queue_count: count,
            ..Default::default()
        };
        use vk::QueueFlags as Q;
        let graphics = family(Q::GRAPHICS | Q::COMPUTE | Q::TRANSFER, 16);
        let transfer = family(Q::TRANSFER, 2);
        let compute = family(Q::COMPUTE | Q::TRANSFER, 8);
        assert_eq!(compute_family(&[graphics, transfer, compute]), Some(2));
        assert_eq!(compute_family(&[transfer, graphics]), Some(1));
        assert_eq!(compute_family(&[transfer, family(Q::COMPUTE, 0)]), None);
    }
}
