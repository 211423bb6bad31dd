//! Copies between host and device memory at kernel boundaries: in a session with a device of
//! its own memory, each kernel is wrapped so that its inputs are where it reads them before it
//! runs, and fetched values are brought to the host.

use sessionflow_core::{Allocator, Device, KernelContext, MemoryKind, OpKernel, Result, Tensor};
use std::sync::Arc;

/// Where a session's values must be copied between memories, if anywhere.
#[derive(Clone)]
pub(crate) struct MemoryPlacement {
    /// Host memory for copies to the host (the first host device's allocator); None when no
    /// device of the session has memory of its own, so nothing is ever copied.
    host: Option<Arc<dyn Allocator>>,
}

impl MemoryPlacement {
    /// The placement for a session on `devices`.
    pub fn new(devices: &[Arc<dyn Device>]) -> MemoryPlacement {
        let kind = |d: &Arc<dyn Device>| d.allocator().memory_kind();
        let any_device_memory = devices.iter().any(|d| kind(d) == MemoryKind::Device);
        let host =
            devices.iter().find(|d| kind(d) == MemoryKind::Host).map(|d| Arc::clone(d.allocator()));
        MemoryPlacement { host: host.filter(|_| any_device_memory) }
    }

    /// `kernel`, made to run on `device`: wrapped to place its inputs when the session mixes
    /// memories, else as it is (no cost for host-only sessions).
    pub fn wrap(&self, kernel: Arc<dyn OpKernel>, device: &dyn Device) -> Arc<dyn OpKernel> {
        match &self.host {
            None => kernel,
            Some(host) => Arc::new(PlacedKernel {
                inner: kernel,
                kind: device.allocator().memory_kind(),
                host: Arc::clone(host),
            }),
        }
    }

    /// Fetched values, in host memory.
    pub fn fetched(&self, values: Vec<Tensor>) -> Result<Vec<Tensor>> {
        match &self.host {
            None => Ok(values),
            Some(host) => values.into_iter().map(|t| t.to_host(host)).collect(),
        }
    }
}

/// A kernel whose inputs are copied to its device's memory (or to the host, for those it reads
/// there) before it runs.
struct PlacedKernel {
    inner: Arc<dyn OpKernel>,
    kind: MemoryKind,
    host: Arc<dyn Allocator>,
}

impl OpKernel for PlacedKernel {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        ctx.place_inputs(self.kind, self.inner.host_memory_inputs(), &self.host)?;
        self.inner.compute(ctx)
    }

    fn is_expensive(&self) -> bool {
        self.inner.is_expensive()
    }

    fn host_memory_inputs(&self) -> &[usize] {
        self.inner.host_memory_inputs()
    }

    fn constant_output(&self) -> Option<&Tensor> {
        self.inner.constant_output()
    }
}
