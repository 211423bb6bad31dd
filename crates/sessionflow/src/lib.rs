//! sessionflow's Rust entry point: re-exports the engine's crates and wires the devices and
//! kernels this build has into sessions. Adding a device means registering it here and
//! nowhere else.

pub use sessionflow_core as core;
pub use sessionflow_exec::{
    Callable, NodeExecStats, RunMetadata, RunOptions, RunSignature, Session, SessionOptions,
};
pub use sessionflow_graph as graph;

use sessionflow_alloc::CpuAllocator;
use sessionflow_core::{Allocator, Device, KernelRegistry, Result};
use sessionflow_graph::Graph;
use sessionflow_kernels_cpu::CpuDevice;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

/// How to open a session (the subset of TensorFlow's `ConfigProto` honoured so far).
#[derive(Clone, Debug, Default)]
pub struct SessionConfig {
    /// Threads inside one kernel; 0 shares the process-wide pool.
    pub intra_op_threads: usize,
    /// Threads running independent nodes concurrently: 0 shares the process-wide pool, 1 runs
    /// on the calling thread.
    pub inter_op_threads: usize,
    /// Timeout of runs that set none (TF's `operation_timeout_in_ms`).
    pub operation_timeout: Option<std::time::Duration>,
    /// How many devices of each type to create at most (TF's `device_count`, e.g. `CPU: 2`);
    /// types not listed get their default (one CPU; every accelerator found).
    pub device_count: HashMap<String, usize>,
    /// Run a node whose requested device cannot run it on one that can.
    pub allow_soft_placement: bool,
    /// Print each node's device to stderr when a plan is built.
    pub log_device_placement: bool,
    /// Most bytes the CPU device may hold at once; `None` means physical memory.
    pub cpu_memory_limit: Option<u64>,
}

static KERNELS: LazyLock<Arc<KernelRegistry>> = LazyLock::new(|| {
    let mut registry = KernelRegistry::new();
    sessionflow_kernels_cpu::register_kernels(&mut registry);
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

/// The devices a new session gets.
pub fn local_devices(config: &SessionConfig) -> Vec<Arc<dyn Device>> {
    // TensorFlow always keeps one CPU, even when `device_count` says 0.
    let cpus = config.device_count.get("CPU").copied().unwrap_or(1).max(1);
    (0..cpus)
        .map(|i| Arc::new(CpuDevice::new(i, config.cpu_memory_limit)) as Arc<dyn Device>)
        .collect()
}

/// Opens a session on `graph` with this build's devices and kernels.
pub fn open_session(graph: Arc<RwLock<Graph>>, config: &SessionConfig) -> Result<Session> {
    let options = SessionOptions {
        intra_op_threads: config.intra_op_threads,
        inter_op_threads: config.inter_op_threads,
        default_timeout: config.operation_timeout,
        allow_soft_placement: config.allow_soft_placement,
        log_device_placement: config.log_device_placement,
    };
    Session::new(graph, local_devices(config), Arc::clone(kernel_registry()), &options)
}
