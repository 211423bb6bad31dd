use sessionflow_core::{
    AttrsExt, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
};

/// Runs only when a placeholder was not fed: it fails with TensorFlow's message.
struct PlaceholderKernel {
    message: String,
}

impl OpKernel for PlaceholderKernel {
    fn compute(&self, _: &mut KernelContext<'_>) -> Result<()> {
        Err(Status::invalid_argument(self.message.clone()))
    }

    fn is_expensive(&self) -> bool {
        false
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("Placeholder", DeviceType::CPU, None, |node: &NodeView<'_>| {
        let dtype = node.attrs.get_type("dtype")?;
        let shape = node.attrs.get_shape("shape")?;
        Ok(Box::new(PlaceholderKernel {
            message: format!(
                "You must feed a value for placeholder tensor '{}' with dtype {dtype} and shape {shape}",
                node.name
            ),
        }))
    });
}
