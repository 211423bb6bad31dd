//! sessionflow's Rust entry point: re-exports the engine's crates and wires the devices and
//! kernels this build has into sessions. Adding a device means registering it here and
//! nowhere else.

pub use sessionflow_checkpoint as checkpoint;
pub use sessionflow_core as core;
pub use sessionflow_exec::{
    Callable, NodeExecStats, RunMetadata, RunOptions, RunSignature, Session, SessionOptions,
    adopt_calling_thread,
};
pub use sessionflow_graph as graph;
pub use sessionflow_graphdef as graphdef;

mod config;
mod graph_options;
pub use config::{GpuOptions, SessionConfig};
pub use graph_options::{GraphOptions, OptimizerOptions, RewriterConfig};

use sessionflow_alloc::{CpuAllocator, HostRegions};
use sessionflow_core::{Allocator, Device, KernelRegistry, Result};
use sessionflow_graph::Graph;
use sessionflow_kernels_cpu::CpuDevice;
use sessionflow_kernels_vulkan::{VulkanContext, VulkanDevice};
use std::sync::{Arc, LazyLock, RwLock};

static KERNELS: LazyLock<Arc<KernelRegistry>> = LazyLock::new(|| {
    let mut registry = KernelRegistry::new();
    sessionflow_kernels_cpu::register_kernels(&mut registry);
    sessionflow_kernels_vulkan::register_kernels(&mut registry);
    Arc::new(registry)
});

static HOST_ALLOCATOR: LazyLock<Arc<dyn Allocator>> =
    LazyLock::new(|| Arc::new(CpuAllocator::default()));

/// Every kernel of every device this build supports.
pub fn kernel_registry() -> &'static Arc<KernelRegistry> {
    &KERNELS
}

/// Host memory for tensors that belong to no session: constants in graphs, values in flight.
pub fn host_allocator() -> &'static Arc<dyn Allocator> {
    &HOST_ALLOCATOR
}

/// Bytes of host memory held by the device allocators of every session in the process (their
/// BFC regions); it falls when a session's devices are dropped.
pub fn host_memory_held() -> u64 {
    HostRegions::bytes_held()
}

/// The devices a new session gets, each with its own allocator: the CPUs first (the default
/// placement), then the Vulkan device when one is present and `device_count` does not say
/// `VULKAN: 0`.
pub fn local_devices(config: &SessionConfig) -> Result<Vec<Arc<dyn Device>>> {
    config.gpu_options.validate()?;
    // TensorFlow always keeps one CPU, even when `device_count` says 0.
    let cpus = config.device_count.get("CPU").copied().unwrap_or(1).max(1);
    let mut devices = (0..cpus)
        .map(|i| Ok(Arc::new(CpuDevice::new(i, config.cpu_memory_limit)?) as Arc<dyn Device>))
        .collect::<Result<Vec<_>>>()?;
    if config.device_count.get("VULKAN").copied().unwrap_or(1) > 0
        && let Some(ctx) = vulkan_context()
    {
        let mut options = config.gpu_options.allocator_options(ctx.info().memory_bytes, 2 << 20);
        // Each session has its own allocator (TensorFlow's is per process), so TensorFlow's
        // default of reserving nearly all of the device would leave nothing for a second
        // session; and on a CPU implementation (lavapipe) it would take the host's RAM. A
        // session reserves up front only the fraction it is explicitly given.
        if config.gpu_options.per_process_gpu_memory_fraction.is_none() {
            options.allow_growth = true;
        }
        devices.push(Arc::new(VulkanDevice::new(0, ctx, options)?));
    }
    Ok(devices)
}

/// The process's Vulkan context, or None when there is no usable Vulkan (no loader, no device,
/// `SESSIONFLOW_VULKAN=0`): sessions then simply have no Vulkan device, as TensorFlow has no
/// GPU device without a driver. The reason is in [`vulkan_status`].
fn vulkan_context() -> Option<Arc<VulkanContext>> {
    VulkanContext::shared().ok()
}

/// Why this process has no Vulkan device (Unavailable, saying why), or Ok when it has one.
pub fn vulkan_status() -> Result<()> {
    VulkanContext::shared().map(|_| ())
}

/// Opens a session on `graph` with this build's devices and kernels.
pub fn open_session(graph: Arc<RwLock<Graph>>, config: &SessionConfig) -> Result<Session> {
    let options = SessionOptions {
        intra_op_threads: config.intra_op_threads,
        inter_op_threads: config.inter_op_threads,
        default_timeout: config.operation_timeout,
        allow_soft_placement: config.allow_soft_placement,
        log_device_placement: config.log_device_placement,
        rewrites: config.graph_options.rewrites()?,
    };
    Session::new(graph, local_devices(config)?, Arc::clone(kernel_registry()), &options)
}
