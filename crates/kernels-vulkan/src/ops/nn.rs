//! BiasAdd and Softmax (float32); Relu and Relu6 are with the unary math kernels.

use super::context;
use crate::VulkanContext;
use crate::kernels;
use sessionflow_core::{
    AttrValue, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
};
use std::sync::Arc;

struct BiasAdd {
    ctx: Arc<VulkanContext>,
    nchw: bool,
}

impl OpKernel for BiasAdd {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let out =
            kernels::bias_add(&self.ctx, ctx.allocator(), ctx.input(0), ctx.input(1), self.nchw)?;
        ctx.set_output(0, out);
        Ok(())
    }
}

struct Softmax {
    ctx: Arc<VulkanContext>,
}

impl OpKernel for Softmax {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let out = kernels::softmax(&self.ctx, ctx.allocator(), ctx.input(0))?;
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    let f32 = Some(DType::Float32);
    r.register("BiasAdd", DeviceType::VULKAN, f32, |node: &NodeView<'_>| {
        let nchw = match node.attrs.get("data_format") {
            None => false,
            Some(AttrValue::String(f)) if f == "NHWC" => false,
            Some(AttrValue::String(f)) if f == "NCHW" => true,
            Some(other) => {
                return Err(Status::invalid_argument(format!(
                    "BiasAdd's data_format must be NHWC or NCHW, got {other:?}"
                )));
            }
        };
        Ok(Box::new(BiasAdd { ctx: context()?, nchw }))
    });
    r.register("Softmax", DeviceType::VULKAN, f32, |_: &NodeView<'_>| {
        Ok(Box::new(Softmax { ctx: context()? }))
    });
}
