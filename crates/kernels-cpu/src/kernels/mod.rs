//! CPU kernels, one file per op family. Each file registers its kernels for every dtype
//! TensorFlow supports for the op (of those sessionflow has).

mod arith;
mod binary;
mod constant;
mod identity;
mod matmul;
mod placeholder;

use sessionflow_core::KernelRegistry;

/// Registers every CPU kernel.
pub fn register_kernels(registry: &mut KernelRegistry) {
    constant::register(registry);
    placeholder::register(registry);
    identity::register(registry);
    binary::register(registry);
    matmul::register(registry);
}
