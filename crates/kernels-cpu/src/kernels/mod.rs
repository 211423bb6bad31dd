//! CPU kernels, one folder per op family (matching `sessionflow-graph`'s op files). Each
//! registers its kernels for every dtype TensorFlow supports for the op (of those sessionflow
//! has).

mod array;
mod constant;
mod control_flow;
mod identity;
mod image;
mod indexing;
mod io;
mod linalg;
mod math;
mod nn_activation;
mod nn_conv;
mod nn_fused;
mod numeric;
mod placeholder;
mod random;
mod reduction;
mod space_batch;
mod state;
mod training;
mod util;

use sessionflow_core::KernelRegistry;

/// Registers every CPU kernel.
pub fn register_kernels(registry: &mut KernelRegistry) {
    constant::register(registry);
    placeholder::register(registry);
    identity::register(registry);
    array::register(registry);
    control_flow::register(registry);
    indexing::register(registry);
    io::register(registry);
    linalg::register(registry);
    math::register(registry);
    nn_activation::register(registry);
    nn_conv::register(registry);
    nn_fused::register(registry);
    image::register(registry);
    space_batch::register(registry);
    random::register(registry);
    reduction::register(registry);
    state::register(registry);
    training::register(registry);
}
