//! Random kernels.

use sessionflow_core::KernelRegistry;

pub(super) fn register(_r: &mut KernelRegistry) {}
