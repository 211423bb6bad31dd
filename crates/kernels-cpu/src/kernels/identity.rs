use sessionflow_core::{DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result};

/// Forwards each input to the output of the same index (Identity, IdentityN), or does nothing
/// (NoOp, which has no inputs or outputs).
struct ForwardKernel;

impl OpKernel for ForwardKernel {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        for i in 0..ctx.num_inputs() {
            let t = ctx.input(i).clone();
            ctx.set_output(i, t);
        }
        Ok(())
    }

    fn is_expensive(&self) -> bool {
        false
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    for op in ["Identity", "IdentityN", "NoOp"] {
        r.register(op, DeviceType::CPU, None, |_: &NodeView<'_>| Ok(Box::new(ForwardKernel)));
    }
}
