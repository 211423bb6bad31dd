//! DepthwiseConv2dNative (NHWC, float32), one invocation per output element
//! (shaders/depthwise_conv2d.wgsl).

use super::conv2d::rank4;
use super::window::Window;
use super::{as_u32, float32_only, groups_for, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// `input` [n, h, w, c] convolved channel by channel with `filter` [kh, kw, c, mult]: output
/// channel `c·mult + q` is channel `c` under filter `[·, ·, c, q]` (TensorFlow's
/// `DepthwiseConv2dNative`, NHWC), in new memory from `alloc`.
pub fn depthwise_conv2d(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    input: &Tensor,
    filter: &Tensor,
    window: &Window,
) -> Result<Tensor> {
    float32_only("DepthwiseConv2dNative", &[input, filter])?;
    let ([n, h, w, c], [kh, kw, fc, mult]) = rank4(input, filter)?;
    if c != fc {
        return Err(Status::invalid_argument(format!(
            "input and filter must have the same depth: {c} vs {fc}"
        )));
    }
    let [rows, cols] = window.axes([h, w], [kh, kw])?;
    let shape = TensorShape::new([n, rows.output, cols.output, c * mult]);
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
    let total = out.num_elements();
    if total == 0 {
        return Ok(out);
    }
    let words = [
        as_u32(total, "output elements")?,
        as_u32(h, "the input height")?,
        as_u32(w, "the input width")?,
        as_u32(c, "input channels")?,
        as_u32(mult, "the depth multiplier")?,
        as_u32(rows.output, "the output height")?,
        as_u32(cols.output, "the output width")?,
        as_u32(kh, "the filter height")?,
        as_u32(kw, "the filter width")?,
        as_u32(rows.stride, "a stride")?,
        as_u32(cols.stride, "a stride")?,
        as_u32(rows.dilation, "a dilation")?,
        as_u32(cols.dilation, "a dilation")?,
        as_u32(rows.pad, "padding")?,
        as_u32(cols.pad, "padding")?,
    ];
    let spans =
        [ctx.resolve_tensor(input)?, ctx.resolve_tensor(filter)?, ctx.resolve_tensor(&out)?];
    let groups = [groups_for(total, 256), 1, 1];
    ctx.run("DepthwiseConv2dNative", |r| {
        r.dispatch(Shader::DepthwiseConv2dF32, &spans, &push(&words), groups)
    })?;
    Ok(out)
}
