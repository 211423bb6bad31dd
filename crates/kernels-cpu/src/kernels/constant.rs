use sessionflow_core::{
    AttrsExt, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Tensor,
};

/// Emits the node's `value` attr; the tensor is shared, never copied.
struct ConstKernel {
    value: Tensor,
}

impl OpKernel for ConstKernel {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        ctx.set_output(0, self.value.clone());
        Ok(())
    }

    fn is_expensive(&self) -> bool {
        false
    }

    fn constant_output(&self) -> Option<&Tensor> {
        Some(&self.value)
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("Const", DeviceType::CPU, None, |node: &NodeView<'_>| {
        Ok(Box::new(ConstKernel { value: node.attrs.get_tensor("value")?.clone() }))
    });
}
