//! Conv2D, DepthwiseConv2dNative, MaxPool and AvgPool (float32, NHWC): their attrs read as
//! TensorFlow reads them, and what the Vulkan kernels do not support (NCHW, EXPLICIT padding,
//! windows or strides across batch or depth) refused when the kernel is built, with the node
//! named by the executor.

use super::context;
use crate::VulkanContext;
use crate::kernels::{self, Padding, PoolOp, Window};
use sessionflow_core::{
    AttrMap, AttrValue, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel,
    Result, Status,
};
use std::sync::Arc;

/// A `list(int)` attr, or `default` where the node has none.
fn ints<'a>(attrs: &'a AttrMap, name: &str, default: &'a [i64]) -> Result<&'a [i64]> {
    match attrs.get(name) {
        None => Ok(default),
        Some(AttrValue::ListInt(v)) => Ok(v),
        Some(_) => Err(Status::invalid_argument(format!("attr '{name}' should be a list(int)"))),
    }
}

/// A `string` attr, or `default` where the node has none.
fn string<'a>(attrs: &'a AttrMap, name: &str, default: &'a str) -> Result<&'a str> {
    match attrs.get(name) {
        None => Ok(default),
        Some(AttrValue::String(s)) => Ok(s),
        Some(_) => Err(Status::invalid_argument(format!("attr '{name}' should be a string"))),
    }
}

/// NHWC, or Unimplemented naming the op: NCHW is a valid TensorFlow layout the Vulkan kernels
/// do not run.
fn nhwc_only(op: &str, attrs: &AttrMap) -> Result<()> {
    match string(attrs, "data_format", "NHWC")? {
        "NHWC" => Ok(()),
        "NCHW" => Err(Status::unimplemented(format!(
            "{op} on Vulkan supports data_format NHWC only, not NCHW"
        ))),
        other => Err(Status::invalid_argument(format!("Invalid data format: {other}"))),
    }
}

/// SAME or VALID; EXPLICIT is Unimplemented on Vulkan.
fn padding(op: &str, attrs: &AttrMap) -> Result<Padding> {
    match string(attrs, "padding", "")? {
        "SAME" => Ok(Padding::Same),
        "VALID" => Ok(Padding::Valid),
        "EXPLICIT" => Err(Status::unimplemented(format!(
            "{op} on Vulkan supports SAME and VALID padding only, not EXPLICIT"
        ))),
        other => Err(Status::invalid_argument(format!("Invalid padding: {other}"))),
    }
}

/// The (height, width) entries of a 4-entry NHWC attr whose batch and depth entries must be 1
/// (TensorFlow's checks and messages).
fn spatial(values: &[i64], name: &str) -> Result<[usize; 2]> {
    let &[n, h, w, c] = values else {
        return Err(Status::invalid_argument(format!(
            "Sliding window {name} field must specify 4 dimensions"
        )));
    };
    if n != 1 || c != 1 {
        return Err(Status::unimplemented(format!(
            "Current implementation does not yet support {name} in the batch and depth dimensions."
        )));
    }
    if h <= 0 || w <= 0 {
        return Err(Status::invalid_argument(format!(
            "Sliding window {name} must be positive: {values:?}"
        )));
    }
    Ok([h as usize, w as usize])
}

/// The window of a convolution node: strides, dilations, padding.
fn conv_window(op: &str, attrs: &AttrMap) -> Result<Window> {
    nhwc_only(op, attrs)?;
    Ok(Window {
        padding: padding(op, attrs)?,
        strides: spatial(ints(attrs, "strides", &[])?, "strides")?,
        dilations: spatial(ints(attrs, "dilations", &[1, 1, 1, 1])?, "dilations")?,
    })
}

struct Conv {
    ctx: Arc<VulkanContext>,
    window: Window,
    depthwise: bool,
}

impl OpKernel for Conv {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, filter) = (ctx.input(0), ctx.input(1));
        let alloc = ctx.allocator();
        let out = if self.depthwise {
            kernels::depthwise_conv2d(&self.ctx, alloc, input, filter, &self.window)?
        } else {
            kernels::conv2d(&self.ctx, alloc, input, filter, &self.window)?
        };
        ctx.set_output(0, out);
        Ok(())
    }
}

struct Pool {
    ctx: Arc<VulkanContext>,
    op: PoolOp,
    ksize: [usize; 2],
    window: Window,
}

impl OpKernel for Pool {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let out = kernels::pool(
            &self.ctx,
            ctx.allocator(),
            self.op,
            ctx.input(0),
            self.ksize,
            &self.window,
        )?;
        ctx.set_output(0, out);
        Ok(())
    }
}

fn pool(node: &NodeView<'_>, op: PoolOp) -> Result<Box<dyn OpKernel>> {
    nhwc_only(node.op, node.attrs)?;
    let ksize = spatial(ints(node.attrs, "ksize", &[])?, "ksize")?;
    let window = Window {
        padding: padding(node.op, node.attrs)?,
        strides: spatial(ints(node.attrs, "strides", &[])?, "strides")?,
        dilations: [1, 1],
    };
    Ok(Box::new(Pool { ctx: context()?, op, ksize, window }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    let f32 = Some(DType::Float32);
    r.register("Conv2D", DeviceType::VULKAN, f32, |node: &NodeView<'_>| {
        let window = conv_window(node.op, node.attrs)?;
        Ok(Box::new(Conv { ctx: context()?, window, depthwise: false }))
    });
    r.register("DepthwiseConv2dNative", DeviceType::VULKAN, f32, |node: &NodeView<'_>| {
        let window = conv_window(node.op, node.attrs)?;
        Ok(Box::new(Conv { ctx: context()?, window, depthwise: true }))
    });
    r.register("MaxPool", DeviceType::VULKAN, f32, |node: &NodeView<'_>| pool(node, PoolOp::Max));
    r.register("AvgPool", DeviceType::VULKAN, f32, |node: &NodeView<'_>| pool(node, PoolOp::Avg));
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionflow_core::Code;

    fn attrs(pairs: &[(&str, AttrValue)]) -> AttrMap {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    fn s(v: &str) -> AttrValue {
        AttrValue::String(v.into())
    }

    fn l(v: &[i64]) -> AttrValue {
        AttrValue::ListInt(v.to_vec())
    }

    #[test]
    fn convolution_attrs_are_read_with_tensorflows_defaults() {
        let a = attrs(&[("padding", s("SAME")), ("strides", l(&[1, 2, 3, 1]))]);
        let w = conv_window("Conv2D", &a).unwrap();
        assert_eq!(
            w,
            Window { padding: Padding::Same, strides: [2, 3], dilations: [1, 1] },
            "NHWC and no dilation when the attrs are absent"
        );
        let a = attrs(&[
            ("padding", s("VALID")),
            ("strides", l(&[1, 1, 1, 1])),
            ("dilations", l(&[1, 2, 4, 1])),
            ("data_format", s("NHWC")),
        ]);
        assert_eq!(conv_window("Conv2D", &a).unwrap().dilations, [2, 4]);
    }

    #[test]
    fn what_vulkan_does_not_run_is_unimplemented_and_what_is_invalid_says_so() {
        let base = [("padding", s("SAME")), ("strides", l(&[1, 1, 1, 1]))];
        let with = |extra: (&str, AttrValue)| {
            let mut a = attrs(&base);
            a.insert(extra.0.into(), extra.1);
            conv_window("Conv2D", &a).unwrap_err()
        };
        let e = with(("data_format", s("NCHW")));
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::Unimplemented, "Conv2D on Vulkan supports data_format NHWC only, not NCHW")
        );
        let e = with(("padding", s("EXPLICIT")));
        assert_eq!(e.code, Code::Unimplemented);
        let e = with(("padding", s("FULL")));
        assert_eq!((e.code, e.message.as_str()), (Code::InvalidArgument, "Invalid padding: FULL"));
        let e = with(("strides", l(&[2, 1, 1, 1])));
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                Code::Unimplemented,
                "Current implementation does not yet support strides in the batch and depth dimensions."
            )
        );
        let e = with(("dilations", l(&[1, 1, 1])));
        assert_eq!(e.message, "Sliding window dilations field must specify 4 dimensions");
        let e = with(("strides", l(&[1, 0, 1, 1])));
        assert_eq!(e.code, Code::InvalidArgument);
    }
}
