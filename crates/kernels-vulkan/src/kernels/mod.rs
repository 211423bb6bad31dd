//! The Vulkan kernels as plain functions over device tensors: each validates its inputs
//! (TensorFlow's messages), allocates its output from the given device allocator, records its
//! dispatches and runs them to completion. Float32 only so far.

mod batch_matmul;
mod bias_add;
mod broadcast;
mod conv2d;
mod depthwise_conv2d;
mod elementwise;
mod matmul;
mod pool;
mod reduce;
mod softmax;
mod window;

pub use batch_matmul::batch_matmul;
pub use bias_add::bias_add;
pub use broadcast::{BroadcastPlan, broadcast_shape};
pub use conv2d::conv2d;
pub use depthwise_conv2d::depthwise_conv2d;
pub(crate) use elementwise::binary_into;
pub use elementwise::{BinaryOp, UnaryOp, binary, unary, unary_into};
pub use matmul::matmul;
pub use pool::{PoolOp, pool};
pub use reduce::{ReduceOp, reduce};
pub use softmax::softmax;
pub use window::{Axis, Padding, Window};

use sessionflow_core::{DType, Result, Status, Tensor};

/// Workgroups along x (at most 65535, the least every device allows) for `n` items at
/// `per_group` per workgroup; shaders loop when there are more.
fn groups_for(n: usize, per_group: u32) -> u32 {
    let groups = n.div_ceil(per_group as usize).clamp(1, 65535);
    groups as u32
}

/// Push-constant bytes from 32-bit words (floats as their bits).
fn push(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Unimplemented unless every tensor is float32 (the dtype the Vulkan kernels support so
/// far).
fn float32_only(op: &str, tensors: &[&Tensor]) -> Result<()> {
    match tensors.iter().find(|t| t.dtype() != DType::Float32) {
        None => Ok(()),
        Some(t) => Err(Status::unimplemented(format!(
            "{op} on Vulkan supports float32 only so far, not {}",
            t.dtype()
        ))),
    }
}

/// A count as the u32 shaders index with; InvalidArgument past 2³² − 1.
fn as_u32(n: usize, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| {
        Status::invalid_argument(format!(
            "{what} ({n}) exceeds the 2^32 - 1 a Vulkan kernel indexes"
        ))
    })
}

/// Unimplemented when a shader loop would run `iterations` times on a device that stops
/// loops earlier (llvmpipe): a wrong answer is worse than none.
fn check_loop(ctx: &crate::VulkanContext, op: &str, iterations: usize) -> Result<()> {
    match ctx.info().max_loop_iterations {
        Some(limit) if iterations as u64 > limit => Err(Status::unimplemented(format!(
            "{op}: this shape needs a shader loop of {iterations} iterations, and {} stops loops after {limit}",
            ctx.info().name
        ))),
        _ => Ok(()),
    }
}
