//! Ops whose output is their input: StopGradient (which only matters to gradients) and
//! PlaceholderWithDefault (which runs only when not fed, and then yields its default).

use sessionflow_core::{DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result};

/// Forwards input 0 (shared storage, no copy).
struct Forward;

impl OpKernel for Forward {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let t = ctx.input(0).clone();
        ctx.set_output(0, t);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    for op in ["StopGradient", "PlaceholderWithDefault"] {
        r.register(op, DeviceType::CPU, None, |_: &NodeView<'_>| Ok(Box::new(Forward)));
    }
}
