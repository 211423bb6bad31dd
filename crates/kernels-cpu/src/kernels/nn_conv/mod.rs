//! Convolution, pooling and batch-normalisation kernels.

mod batch_norm;
mod batch_norm_grad;
mod conv2d;
mod conv_grad;
mod depthwise;
mod depthwise_grad;
mod depthwise_rows;
mod direct;
mod epilogue;
mod gemm;
mod im2col;
mod layout;
mod params;
mod patches;
mod pool;
mod pool_grad;
mod pool_ops;
mod simd;
#[cfg(test)]
mod split_tests;
mod widen;

pub(crate) use conv2d::{ConvAttrs, conv_geometry};
pub(crate) use depthwise::{depthwise_geometry, depthwise_nhwc};
pub(crate) use epilogue::{ChannelAffine, ChannelOps, Epilogue};
pub(crate) use gemm::{GemmElement, Mat};
pub(crate) use im2col::conv_nhwc;
pub(crate) use params::{Format, float, string};
pub(crate) use widen::Widen;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    conv2d::register(r);
    depthwise::register(r);
    pool::register(r);
    batch_norm::register(r);
    conv_grad::register(r);
    depthwise_grad::register(r);
    pool_grad::register(r);
    batch_norm_grad::register(r);
}
