//! Activation, softmax, loss and BiasAdd kernels.

mod bias_add;
mod elementwise;
mod exp;
mod losses;
pub(crate) mod simd;
mod softmax;
mod widen;

use sessionflow_core::KernelRegistry;

/// Below this many elements one thread is faster than waking the pool.
const PARALLEL_MIN: usize = 1 << 15;

pub(super) fn register(r: &mut KernelRegistry) {
    elementwise::register(r);
    softmax::register(r);
    bias_add::register(r);
    losses::register(r);
}
