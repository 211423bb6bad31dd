//! Elementwise math kernels.

mod binary;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    binary::register(r);
}
