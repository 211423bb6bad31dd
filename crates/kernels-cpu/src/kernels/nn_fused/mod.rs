//! TensorFlow's fused kernels (`_FusedConv2D`, `_FusedDepthwiseConv2dNative`, `_FusedMatMul`):
//! a convolution or product whose output blocks get their bias (or batch normalisation) and
//! activation while still in cache.

mod conv;
mod fused_ops;
mod matmul;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    conv::register(r);
    matmul::register(r);
}
