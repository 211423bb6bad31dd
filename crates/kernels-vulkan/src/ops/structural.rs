//! Const, Identity, NoOp and Reshape on the device: what a `tf.device` scope needs besides
//! math.

use super::context;
use super::reshape::reshape_target;
use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Tensor,
};
use std::sync::{Mutex, PoisonError};

/// The dtypes whose tensors can live on the device (every flat one).
const FLAT: [DType; 10] = [
    DType::Float32,
    DType::Float64,
    DType::Float16,
    DType::BFloat16,
    DType::Int8,
    DType::Int16,
    DType::Int32,
    DType::Int64,
    DType::UInt8,
    DType::Bool,
];

/// Emits the node's `value` attr in device memory, uploaded on the first run and kept, as
/// TensorFlow keeps constants on a GPU.
struct DeviceConst {
    value: Tensor,
    uploaded: Mutex<Option<Tensor>>,
}

impl OpKernel for DeviceConst {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let mut uploaded = self.uploaded.lock().unwrap_or_else(PoisonError::into_inner);
        let t = match &*uploaded {
            Some(t) => t.clone(),
            None => uploaded.insert(self.value.to_device(ctx.allocator())?).clone(),
        };
        ctx.set_output(0, t);
        Ok(())
    }

    fn is_expensive(&self) -> bool {
        false
    }
}

/// Forwards each input to the output of the same index (Identity), or does nothing (NoOp).
struct Forward;

impl OpKernel for Forward {
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

/// The input's device buffer under the shape of the host-memory `shape` input: no copy, no
/// dispatch.
struct Reshape;

impl OpKernel for Reshape {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let shape = reshape_target(ctx.input(0).shape(), ctx.input(1))?;
        let out = ctx.input(0).reshaped(shape)?;
        ctx.set_output(0, out);
        Ok(())
    }

    fn host_memory_inputs(&self) -> &[usize] {
        // The shape is read on the host; only the data lives on the device.
        &[1]
    }

    fn is_expensive(&self) -> bool {
        false
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    for dtype in FLAT {
        r.register("Const", DeviceType::VULKAN, Some(dtype), |node: &NodeView<'_>| {
            context()?;
            let value = node.attrs.get_tensor("value")?.clone();
            Ok(Box::new(DeviceConst { value, uploaded: Mutex::new(None) }))
        });
        r.register("Identity", DeviceType::VULKAN, Some(dtype), |_: &NodeView<'_>| {
            Ok(Box::new(Forward))
        });
        r.register("Reshape", DeviceType::VULKAN, Some(dtype), |_: &NodeView<'_>| {
            Ok(Box::new(Reshape))
        });
    }
    r.register("NoOp", DeviceType::VULKAN, None, |_: &NodeView<'_>| Ok(Box::new(Forward)));
}
