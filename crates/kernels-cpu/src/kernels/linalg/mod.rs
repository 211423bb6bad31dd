//! Matrix-product kernels.

mod matmul;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    matmul::register(r);
}
