//! The Vulkan instance, device and queue a process computes on, opened once and shared.

use crate::error::VkResultExt;
use crate::loader;
use crate::memory::{MemoryPlan, plan_memory};
use crate::pipelines::Pipelines;
use crate::regions::RegionTable;
use crate::selection::{self, Candidate, REQUIRED_API};
use crate::submit::Submitter;
use ash::vk;
use sessionflow_core::{Code, Result, Status};
use std::ffi::CStr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

/// What a context reports about its device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The driver's name for it, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// `discrete GPU`, `integrated GPU`, `virtual GPU`, `CPU` or `other`.
    pub device_type: &'static str,
    /// The Vulkan version the device supports, as (major, minor, patch).
    pub api_version: (u32, u32, u32),
    /// Bytes of the memory heap tensors live in: the device's memory limit.
    pub memory_bytes: u64,
    /// The largest single allocation (`maxMemoryAllocationSize`): the largest BFC region.
    pub max_allocation_bytes: u64,
    /// The most bytes one kernel argument may span (`maxStorageBufferRange`): the largest
    /// tensor a kernel can take.
    pub max_binding_bytes: u64,
    /// Whether tensor memory is host-visible, so transfers are plain copies (lavapipe) rather
    /// than staged through a host-visible buffer.
    pub memory_mapped: bool,
    /// The most iterations the driver lets one shader loop run: llvmpipe (lavapipe) ends
    /// loops after 65535, other drivers do not limit them. Kernels whose loops would run
    /// longer split the work or refuse the shape.
    pub max_loop_iterations: Option<u64>,
}

/// One Vulkan device opened for compute: instance, logical device, queue, pipelines, and the
/// memory regions of every allocator on it. Thread-safe; work is submitted under one lock.
pub struct VulkanContext {
    info: DeviceInfo,
    pub(crate) device: ash::Device,
    pub(crate) memory: MemoryPlan,
    pub(crate) limits: vk::PhysicalDeviceLimits,
    pub(crate) pipelines: Pipelines,
    pub(crate) regions: RegionTable,
    submitter: Mutex<Submitter>,
    /// Set when the device was lost (or its memory can no longer be trusted): every later call
    /// fails with this status instead of touching the device.
    lost: Mutex<Option<Status>>,
    instance: ash::Instance,
    /// Keeps the loader library open while the instance lives.
    _entry: ash::Entry,
}

impl VulkanContext {
    /// The process's context, opened on first use; later calls return the same one, or the
    /// same error (Unavailable when there is no Vulkan, saying why).
    pub fn shared() -> Result<Arc<VulkanContext>> {
        static SHARED: OnceLock<Result<Arc<VulkanContext>>> = OnceLock::new();
        SHARED.get_or_init(|| VulkanContext::open().map(Arc::new)).clone()
    }

    /// Opens the best device: a discrete GPU if there is one, else an integrated or virtual
    /// one, else a CPU implementation such as lavapipe. Unavailable when Vulkan is disabled
    /// ([`DISABLE_VAR`](crate::DISABLE_VAR)), the loader is missing, or no device can compute.
    pub fn open() -> Result<VulkanContext> {
        let entry = loader::load()?;
        // SAFETY: the entry points come from a loaded Vulkan loader.
        let version = unsafe { entry.try_enumerate_instance_version() }
            .vk("querying the instance version")?
            .unwrap_or(vk::API_VERSION_1_0);
        if version < REQUIRED_API {
            return Err(Status::unavailable(format!(
                "the Vulkan loader supports Vulkan {}, and sessionflow needs 1.1",
                version_string(version)
            )));
        }
        let instance = create_instance(&entry)?;
        // On failure past this point the instance must be destroyed by hand.
        match open_device(&instance) {
            Ok(parts) => Ok(VulkanContext::assemble(entry, instance, parts)),
            Err(status) => {
                // SAFETY: nothing created from the instance survives a failed open_device.
                unsafe { instance.destroy_instance(None) };
                Err(status)
            }
        }
    }

    fn assemble(entry: ash::Entry, instance: ash::Instance, parts: DeviceParts) -> VulkanContext {
        VulkanContext {
            info: parts.info,
            device: parts.device,
            memory: parts.memory,
            limits: parts.limits,
            pipelines: parts.pipelines,
            regions: RegionTable::default(),
            submitter: Mutex::new(parts.submitter),
            lost: Mutex::new(None),
            instance,
            _entry: entry,
        }
    }

    /// What the device is and how much memory it has.
    pub fn info(&self) -> &DeviceInfo {
        &self.info
    }

    /// Ok while the device is usable; the recorded error once it was lost.
    pub(crate) fn check_alive(&self) -> Result<()> {
        match &*self.lost.lock().unwrap_or_else(PoisonError::into_inner) {
            None => Ok(()),
            Some(status) => Err(status.clone()),
        }
    }

    /// Marks the device unusable for the rest of the process: its work or memory can no longer
    /// be trusted (a lost device, a zero fill that did not happen).
    pub(crate) fn poison(&self, status: Status) {
        let mut lost = self.lost.lock().unwrap_or_else(PoisonError::into_inner);
        lost.get_or_insert(Status::new(
            Code::Internal,
            format!("the Vulkan device {} is unusable: {}", self.info.name, status.message),
        ));
    }

    /// The submission state (queue, command buffer, fence, staging), locked.
    pub(crate) fn lock_submitter(&self) -> Result<MutexGuard<'_, Submitter>> {
        self.check_alive()?;
        Ok(self.submitter.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Drop for VulkanContext {
    fn drop(&mut self) {
        // SAFETY: every region is gone (allocators hold the context alive), no recording is
        // open (the submitter lock is free: we are being dropped), and the device is idled
        // before anything is destroyed. Errors here cannot be reported and change nothing.
        unsafe {
            let _ = self.device.device_wait_idle();
            let submitter = self.submitter.get_mut().unwrap_or_else(PoisonError::into_inner);
            submitter.destroy(&self.device);
            self.pipelines.destroy(&self.device);
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}

impl std::fmt::Debug for VulkanContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VulkanContext").field("info", &self.info).finish_non_exhaustive()
    }
}

/// Everything open_device creates, before it is put together with the instance.
struct DeviceParts {
    info: DeviceInfo,
    device: ash::Device,
    memory: MemoryPlan,
    limits: vk::PhysicalDeviceLimits,
    pipelines: Pipelines,
    submitter: Submitter,
}

fn create_instance(entry: &ash::Entry) -> Result<ash::Instance> {
    let app = vk::ApplicationInfo::default()
        .application_name(c"sessionflow")
        .engine_name(c"sessionflow")
        .api_version(REQUIRED_API);
    // Portability drivers (MoltenVK) are listed only to instances that ask for them.
    // SAFETY: a plain query of the loader.
    let available = unsafe { entry.enumerate_instance_extension_properties(None) }
        .vk("listing instance extensions")?;
    let portability = available.iter().any(|e| {
        e.extension_name_as_c_str().is_ok_and(|n| n == ash::khr::portability_enumeration::NAME)
    });
    let extensions =
        if portability { vec![ash::khr::portability_enumeration::NAME.as_ptr()] } else { vec![] };
    let flags = if portability {
        vk::InstanceCreateFlags::ENUMERATE_PORTABILITY_KHR
    } else {
        vk::InstanceCreateFlags::empty()
    };
    let info = vk::InstanceCreateInfo::default()
        .application_info(&app)
        .enabled_extension_names(&extensions)
        .flags(flags);
    // SAFETY: the create info and everything it points to outlive the call.
    unsafe { entry.create_instance(&info, None) }.vk("creating a Vulkan instance")
}

/// Picks the physical device, creates the logical device and what runs on it.
fn open_device(instance: &ash::Instance) -> Result<DeviceParts> {
    // SAFETY: queries on a live instance.
    let physical = unsafe { instance.enumerate_physical_devices() }.vk("listing Vulkan devices")?;
    let candidates: Vec<Candidate> = physical
        .iter()
        .map(|&pd| {
            // SAFETY: pd comes from this instance.
            let (props, families) = unsafe {
                (
                    instance.get_physical_device_properties(pd),
                    instance.get_physical_device_queue_family_properties(pd),
                )
            };
            Candidate {
                device_type: props.device_type,
                api_version: props.api_version,
                compute_family: selection::compute_family(&families),
            }
        })
        .collect();
    let chosen = selection::choose_device(&candidates).ok_or_else(|| {
        Status::unavailable(format!(
            "none of the {} Vulkan devices has a compute queue and Vulkan 1.1",
            candidates.len()
        ))
    })?;
    let pd = physical[chosen];
    let family = candidates[chosen].compute_family.expect("choose_device requires a compute queue");
    // SAFETY: queries on a physical device of this instance.
    let (props, features) = unsafe {
        (instance.get_physical_device_properties(pd), instance.get_physical_device_features(pd))
    };
    let mut maintenance3 = vk::PhysicalDeviceMaintenance3Properties::default();
    let mut props2 = vk::PhysicalDeviceProperties2::default().push_next(&mut maintenance3);
    // SAFETY: Vulkan 1.1 is required above, so the core 1.1 query exists.
    unsafe { instance.get_physical_device_properties2(pd, &mut props2) };
    let max_allocation_bytes = maintenance3.max_memory_allocation_size;

    let priorities = [1.0f32];
    let queue = vk::DeviceQueueCreateInfo::default()
        .queue_family_index(family)
        .queue_priorities(&priorities);
    // Out-of-range accesses by a faulty kernel then read zeros and drop writes instead of
    // losing the device, where the driver offers it (lavapipe and desktop drivers do).
    let enabled = vk::PhysicalDeviceFeatures::default()
        .robust_buffer_access(features.robust_buffer_access == vk::TRUE);
    let queues = [queue];
    let create =
        vk::DeviceCreateInfo::default().queue_create_infos(&queues).enabled_features(&enabled);
    // SAFETY: the create info outlives the call; the family index comes from this device.
    let device =
        unsafe { instance.create_device(pd, &create, None) }.vk("creating the Vulkan device")?;
    // SAFETY: memory properties of the chosen physical device.
    let memory_props = unsafe { instance.get_physical_device_memory_properties(pd) };
    let finish = || -> Result<DeviceParts> {
        let allowed = storage_buffer_memory_types(&device)?;
        let memory = plan_memory(&memory_props, allowed)?;
        let name = props
            .device_name_as_c_str()
            .map_or_else(|_| "unnamed".to_owned(), |n: &CStr| n.to_string_lossy().into_owned());
        let info = DeviceInfo {
            name: name.clone(),
            device_type: selection::type_name(props.device_type),
            api_version: (
                vk::api_version_major(props.api_version),
                vk::api_version_minor(props.api_version),
                vk::api_version_patch(props.api_version),
            ),
            memory_bytes: memory.heap_bytes,
            max_allocation_bytes,
            max_binding_bytes: u64::from(props.limits.max_storage_buffer_range),
            memory_mapped: memory.tensor_mapped,
            max_loop_iterations: name.starts_with("llvmpipe").then_some(LLVMPIPE_LOOP_LIMIT),
        };
        let submitter = Submitter::new(&device, family, memory.staging_type)?;
        let pipelines = match Pipelines::new(&device) {
            Ok(p) => p,
            Err(status) => {
                // SAFETY: the submitter was just made on this device and never used.
                unsafe { submitter.destroy(&device) };
                return Err(status);
            }
        };
        Ok(DeviceParts {
            info,
            device: device.clone(),
            memory,
            limits: props.limits,
            pipelines,
            submitter,
        })
    };
    finish().inspect_err(|_| {
        // SAFETY: nothing made from the device survives a failed finish.
        unsafe { device.destroy_device(None) };
    })
}

/// The memory types a tensor buffer may be bound to, read from a small probe buffer with the
/// usage every region has.
fn storage_buffer_memory_types(device: &ash::Device) -> Result<u32> {
    let info = vk::BufferCreateInfo::default()
        .size(256)
        .usage(crate::regions::REGION_USAGE)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    // SAFETY: a buffer created, queried and destroyed on a live device.
    unsafe {
        let probe = device.create_buffer(&info, None).vk("creating a probe buffer")?;
        let bits = device.get_buffer_memory_requirements(probe).memory_type_bits;
        device.destroy_buffer(probe, None);
        Ok(bits)
    }
}

/// Mesa's gallivm stops a loop after this many iterations (`LP_MAX_TGSI_LOOP_ITERATIONS`).
const LLVMPIPE_LOOP_LIMIT: u64 = 65535;

fn version_string(v: u32) -> String {
    format!("{}.{}", vk::api_version_major(v), vk::api_version_minor(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn the_device_reports_its_memory_and_limits() {
        let Some(ctx) = testing::context() else { return };
        let info = ctx.info();
        assert!(info.memory_bytes >= 64 << 20, "{info:?}");
        assert!(info.max_allocation_bytes >= 64 << 20, "{info:?}");
        // The least maxStorageBufferRange the specification allows is 2^27.
        assert!(info.max_binding_bytes >= 1 << 27, "{info:?}");
        assert!(info.api_version >= (1, 1, 0), "{info:?}");
        assert!(
            ["discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other"]
                .contains(&info.device_type)
        );
        assert!(ctx.check_alive().is_ok());
        // One context per process.
        assert!(Arc::ptr_eq(&ctx, &VulkanContext::shared().unwrap()));
        eprintln!("Vulkan device: {info:?}");
    }

    /// Runs this test binary again, filtered to `test`, with `env` set; the child's side of
    /// the test checks what opening Vulkan does there.
    fn rerun(test: &str, env: (&str, &str)) {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--test-threads=1"])
            .env_remove(loader::DISABLE_VAR)
            .env_remove(loader::LOADER_VAR)
            .env(env.0, env.1)
            .env("SESSIONFLOW_VULKAN_TEST_CHILD", "1")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&child.stdout);
        assert!(child.status.success(), "the child run with {}={} failed:\n{out}", env.0, env.1);
        assert!(out.contains("1 passed"), "the child ran the test:\n{out}");
    }

    fn in_child() -> bool {
        std::env::var_os("SESSIONFLOW_VULKAN_TEST_CHILD").is_some()
    }

    #[test]
    fn a_missing_loader_makes_vulkan_unavailable_and_nothing_else() {
        if !in_child() {
            return rerun(
                "context::tests::a_missing_loader_makes_vulkan_unavailable_and_nothing_else",
                (loader::LOADER_VAR, "libsessionflow-no-such-vulkan.so.1"),
            );
        }
        let status = VulkanContext::shared().unwrap_err();
        assert_eq!(status.code, Code::Unavailable);
        assert!(
            status.message.contains("libsessionflow-no-such-vulkan.so.1"),
            "{}",
            status.message
        );
        // The same answer again, without retrying the loader.
        assert_eq!(VulkanContext::shared().unwrap_err(), status);
    }

    #[test]
    fn the_disable_variable_keeps_the_loader_closed() {
        if !in_child() {
            return rerun(
                "context::tests::the_disable_variable_keeps_the_loader_closed",
                (loader::DISABLE_VAR, "0"),
            );
        }
        let status = VulkanContext::open().unwrap_err();
        assert_eq!(status.code, Code::Unavailable);
        assert!(status.message.contains(loader::DISABLE_VAR), "{}", status.message);
    }
}
