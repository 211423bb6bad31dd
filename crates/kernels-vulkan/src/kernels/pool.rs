//! MaxPool and AvgPool (NHWC, float32), one invocation per output element
//! (shaders/pool.wgsl).

use super::window::Window;
use super::{as_u32, float32_only, groups_for, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// How a window is reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOp {
    /// The largest in-bounds element (NaN never wins, as on TensorFlow's CPU).
    Max,
    /// The mean of the in-bounds elements (padding is not counted).
    Avg,
}

/// `input` [n, h, w, c] pooled over `[kh, kw]` windows placed by `window` (its dilations
/// must be 1), in new memory from `alloc`.
pub fn pool(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    op: PoolOp,
    input: &Tensor,
    ksize: [usize; 2],
    window: &Window,
) -> Result<Tensor> {
    let name = match op {
        PoolOp::Max => "MaxPool",
        PoolOp::Avg => "AvgPool",
    };
    float32_only(name, &[input])?;
    let &[n, h, w, c] = input.shape().dims() else {
        return Err(Status::invalid_argument(format!(
            "tensor_in must be 4-dimensional, got {}",
            input.shape()
        )));
    };
    if window.dilations != [1, 1] {
        return Err(Status::internal(format!("{name} has no dilations")));
    }
    let [rows, cols] = window.axes([h, w], ksize)?;
    let shape = TensorShape::new([n, rows.output, cols.output, c]);
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
    let total = out.num_elements();
    if total == 0 {
        return Ok(out);
    }
    let words = [
        as_u32(total, "output elements")?,
        as_u32(h, "the input height")?,
        as_u32(w, "the input width")?,
        as_u32(c, "channels")?,
        as_u32(rows.output, "the output height")?,
        as_u32(cols.output, "the output width")?,
        as_u32(ksize[0], "the window height")?,
        as_u32(ksize[1], "the window width")?,
        as_u32(rows.stride, "a stride")?,
        as_u32(cols.stride, "a stride")?,
        as_u32(rows.pad, "padding")?,
        as_u32(cols.pad, "padding")?,
    ];
    let shader = match op {
        PoolOp::Max => Shader::MaxPoolF32,
        PoolOp::Avg => Shader::AvgPoolF32,
    };
    let spans = [ctx.resolve_tensor(input)?, ctx.resolve_tensor(&out)?];
    let groups = [groups_for(total, 256), 1, 1];
    ctx.run(name, |r| r.dispatch(shader, &spans, &push(&words), groups))?;
    Ok(out)
}
