//! Op definitions, one file per TensorFlow op family. Names, arguments and attrs are
//! TensorFlow's GraphDef names so that graphs import and export one to one.

mod array;
mod array_grad;
mod control_flow;
mod control_flow_grad;
mod gradient_ops;
mod image;
mod image_grad;
mod indexing;
mod indexing_grad;
mod io;
mod linalg;
mod linalg_grad;
mod math;
mod math_grad;
mod nn_activation;
mod nn_activation_grad;
mod nn_conv;
mod nn_conv_grad;
mod nn_fused;
mod random;
mod reduction;
mod reduction_grad;
mod space_batch;
mod state;
mod training;

use crate::{Endpoint, GradFn, Gradient, OpRegistry};
use sessionflow_core::Result;

/// What a gradient function returns: one gradient per input, `None` where none flows.
type Grads = Result<Vec<Option<Endpoint>>>;

/// Registers `f` as the gradient of `op` (TF's `@ops.RegisterGradient(op)`).
fn grad(r: &mut OpRegistry, op: &str, f: GradFn) {
    r.set_gradient(op, Gradient::Function(f));
}

/// Declares `ops` not differentiable (TF's `ops.NotDifferentiable`).
fn not_differentiable(r: &mut OpRegistry, ops: &[&str]) {
    for op in ops {
        r.set_gradient(op, Gradient::NotDifferentiable);
    }
}

/// Registers every op definition.
pub(crate) fn register_all(registry: &mut OpRegistry) {
    array::register(registry);
    control_flow::register(registry);
    indexing::register(registry);
    io::register(registry);
    linalg::register(registry);
    math::register(registry);
    nn_activation::register(registry);
    nn_conv::register(registry);
    random::register(registry);
    reduction::register(registry);
    state::register(registry);
    training::register(registry);
    gradient_ops::register(registry);
    image::register(registry);
    nn_fused::register(registry);
    space_batch::register(registry);

    array_grad::register(registry);
    control_flow_grad::register(registry);
    indexing_grad::register(registry);
    linalg_grad::register(registry);
    math_grad::register(registry);
    nn_activation_grad::register(registry);
    nn_conv_grad::register(registry);
    reduction_grad::register(registry);
    image_grad::register(registry);
    // Variables and their updates: gradients are taken with respect to a variable's read value
    // (the `tf.Variable` tensor), so nothing flows into the handle or through an update. TF
    // gives ReadVariableOp an identity gradient onto the handle; here the read is the end.
    not_differentiable(
        registry,
        &[
            "VarHandleOp",
            "ReadVariableOp",
            "AssignVariableOp",
            "AssignAddVariableOp",
            "AssignSubVariableOp",
            "VarIsInitializedOp",
            "DestroyResourceOp",
            "ResourceApplyGradientDescent",
            "ResourceApplyMomentum",
            "ResourceApplyKerasMomentum",
            "ResourceApplyAdam",
            "ResourceApplyRMSProp",
            "ResourceApplyCenteredRMSProp",
            "ResourceApplyAdagrad",
            "ResourceApplyAdagradV2",
        ],
    );
}
