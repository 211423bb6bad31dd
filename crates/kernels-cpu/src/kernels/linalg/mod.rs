//! Matrix-product kernels.

mod batch_matmul;
mod matmul;
mod transpose;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    matmul::register(r);
    batch_matmul::register(r);
}
