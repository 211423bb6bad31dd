//! Const, Identity, NoOp, Reshape, ExpandDims and Squeeze on the device: what a `tf.device`
//! scope needs besides math.

use super::context;
use super::reshape::{expand_dims_target, reshape_target, squeeze_target};
use sessionflow_core::{
    AttrValue, AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel,
    Result, Status, Tensor,
};
use std::sync::{Mutex, PoisonError};

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

/// How a [`NewShape`] kernel finds its output's shape.
enum Shaping {
    /// From the host-memory `shape` input.
    Reshape,
    /// A 1 inserted at the host-memory `dim` input.
    ExpandDims,
    /// Size-1 dims removed (those of the `squeeze_dims` attr, or all).
    Squeeze(Vec<i64>),
}

/// Reshape, ExpandDims and Squeeze: the input's device buffer under a new shape, no copy and
/// no dispatch.
struct NewShape(Shaping);

impl OpKernel for NewShape {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let input = ctx.input(0);
        let shape = match &self.0 {
            Shaping::Reshape => reshape_target(input.shape(), ctx.input(1))?,
            Shaping::ExpandDims => expand_dims_target(input.shape(), ctx.input(1))?,
            Shaping::Squeeze(dims) => squeeze_target(input.shape(), dims)?,
        };
        let out = input.reshaped(shape)?;
        ctx.set_output(0, out);
        Ok(())
    }

    fn host_memory_inputs(&self) -> &[usize] {
        // A shape or dim is read on the host; only the data lives on the device.
        match self.0 {
            Shaping::Reshape | Shaping::ExpandDims => &[1],
            Shaping::Squeeze(_) => &[],
        }
    }

    fn is_expensive(&self) -> bool {
        false
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    for dtype in DType::FLAT {
        r.register("Const", DeviceType::VULKAN, Some(dtype), |node: &NodeView<'_>| {
            context()?;
            let value = node.attrs.get_tensor("value")?.clone();
            Ok(Box::new(DeviceConst { value, uploaded: Mutex::new(None) }))
        });
        r.register("Identity", DeviceType::VULKAN, Some(dtype), |_: &NodeView<'_>| {
            Ok(Box::new(Forward))
        });
        r.register("Reshape", DeviceType::VULKAN, Some(dtype), |_: &NodeView<'_>| {
            Ok(Box::new(NewShape(Shaping::Reshape)))
        });
        r.register("ExpandDims", DeviceType::VULKAN, Some(dtype), |_: &NodeView<'_>| {
            Ok(Box::new(NewShape(Shaping::ExpandDims)))
        });
        r.register("Squeeze", DeviceType::VULKAN, Some(dtype), |node: &NodeView<'_>| {
            let dims = match node.attrs.get("squeeze_dims") {
                None => Vec::new(),
                Some(AttrValue::ListInt(v)) => v.clone(),
                Some(_) => {
                    return Err(Status::invalid_argument(
                        "attr 'squeeze_dims' should be a list(int)",
                    ));
                }
            };
            Ok(Box::new(NewShape(Shaping::Squeeze(dims))))
        });
    }
    r.register("NoOp", DeviceType::VULKAN, None, |_: &NodeView<'_>| Ok(Box::new(Forward)));
}
