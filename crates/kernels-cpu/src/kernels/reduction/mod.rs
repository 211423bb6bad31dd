//! Reduction and scan kernels.

mod arg;
mod engine;
mod index;
mod plan;
mod reduce;
mod reducer;
mod scan;
mod top_k;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    reduce::register(r);
    arg::register(r);
    scan::register(r);
    top_k::register(r);
}
