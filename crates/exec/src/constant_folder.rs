//! How the plan-time rewrites (`sessionflow_graph::rewrite`) evaluate constant subgraphs: each
//! node's own CPU kernel, run once on the constant inputs, outside any session state (folded
//! nodes are stateless by construction).

use crate::plan::build_kernel;
use sessionflow_core::{
    Allocator, Code, Device, DeviceType, KernelContext, KernelRegistry, Result, Status, Tensor,
};
use sessionflow_graph::Node;
use sessionflow_graph::rewrite::ConstantEvaluator;
use std::sync::Arc;

/// Evaluates nodes with the kernels of the session's first CPU device.
pub(crate) struct ConstantFolder<'a> {
    registry: &'a KernelRegistry,
    device: Option<&'a Arc<dyn Device>>,
}

impl<'a> ConstantFolder<'a> {
    pub(crate) fn new(registry: &'a KernelRegistry, devices: &'a [Arc<dyn Device>]) -> Self {
        let device = devices.iter().find(|d| d.device_type() == DeviceType::CPU);
        ConstantFolder { registry, device }
    }
}

impl ConstantEvaluator for ConstantFolder<'_> {
    fn evaluate(&self, node: &Node, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let device = self
            .device
            .ok_or_else(|| Status::new(Code::Unavailable, "constant folding needs a CPU device"))?;
        let kernel = build_kernel(node, device.as_ref(), self.registry)?;
        let mut ctx = KernelContext::new(inputs, node.num_outputs(), device.allocator());
        kernel.compute(&mut ctx)?;
        ctx.into_outputs()
    }

    fn allocator(&self) -> Option<&Arc<dyn Allocator>> {
        self.device.map(|d| d.allocator())
    }
}
