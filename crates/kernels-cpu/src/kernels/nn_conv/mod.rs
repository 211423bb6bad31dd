//! Convolution, pooling and batch-normalisation kernels.

mod batch_norm;
mod conv2d;
mod depthwise;
mod gemm;
mod im2col;
mod layout;
mod params;
mod pool;
mod pool_ops;
mod widen;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    conv2d::register(r);
    depthwise::register(r);
    pool::register(r);
    batch_norm::register(r);
}
