//! Gradients: every differentiable op's symbolic gradient against central finite differences
//! in float64 (a test generated from the op tables in `gradients/*_table.rs`), a check that
//! every registered op is either in those tables or declared not differentiable, and the
//! rules of the backward walk itself.

#[path = "gradients/array_table.rs"]
mod array_table;
#[path = "gradients/checker.rs"]
mod checker;
#[path = "gradients/conv_table.rs"]
mod conv_table;
#[path = "gradients/image_table.rs"]
mod image_table;
#[path = "gradients/indexing_table.rs"]
mod indexing_table;
#[path = "gradients/linalg_table.rs"]
mod linalg_table;
#[path = "gradients/math_table.rs"]
mod math_table;
#[path = "gradients/nn_table.rs"]
mod nn_table;
#[path = "gradients/reduction_table.rs"]
mod reduction_table;
#[path = "gradients/walk.rs"]
mod walk;

use checker::{GradCase, check_all};
use sessionflow::graph::{Gradient, OpRegistry};
use std::collections::BTreeSet;

/// Every case of every table.
fn all_cases() -> Vec<GradCase> {
    [
        math_table::cases(),
        reduction_table::cases(),
        linalg_table::cases(),
        array_table::cases(),
        indexing_table::cases(),
        nn_table::cases(),
        conv_table::cases(),
        image_table::cases(),
    ]
    .concat()
}

#[test]
fn math_gradients_match_finite_differences() {
    check_all(&math_table::cases());
}

#[test]
fn reduction_gradients_match_finite_differences() {
    check_all(&reduction_table::cases());
}

#[test]
fn linalg_gradients_match_finite_differences() {
    check_all(&linalg_table::cases());
}

#[test]
fn array_gradients_match_finite_differences() {
    check_all(&array_table::cases());
}

#[test]
fn indexing_gradients_match_finite_differences() {
    check_all(&indexing_table::cases());
}

#[test]
fn nn_gradients_match_finite_differences() {
    check_all(&nn_table::cases());
}

#[test]
fn conv_gradients_match_finite_differences() {
    check_all(&conv_table::cases());
}

#[test]
fn image_block_and_batch_norm_gradients_match_finite_differences() {
    check_all(&image_table::cases());
}

/// Ops with a gradient function that no finite difference can check, and why.
const CHECKED_ELSEWHERE: [(&str, &str); 3] = [
    ("PreventGradient", "its gradient is an error, checked in walk.rs"),
    ("Switch", "needs a cond around it; checked in crates/sessionflow/tests/cond_gradients.rs"),
    ("Merge", "needs a cond around it; checked in crates/sessionflow/tests/cond_gradients.rs"),
];

/// Ops whose gradient TensorFlow defines but sessionflow does not yet: differentiating
/// through them fails with NotFound.
const NO_GRADIENT_YET: [(&str, &str); 4] = [
    ("FusedBatchNormGradV3", "second derivative of batch normalisation"),
    ("Enter", "gradients through tf.while_loop need a gradient loop (TF's control_flow_grad)"),
    ("Exit", "gradients through tf.while_loop need a gradient loop (TF's control_flow_grad)"),
    ("NextIteration", "gradients through tf.while_loop need a gradient loop"),
];

#[test]
fn every_op_has_a_checked_gradient_or_is_declared_not_differentiable() {
    let tabled: BTreeSet<String> = all_cases().iter().map(|c| c.op().to_owned()).collect();
    let registry = OpRegistry::global();
    let mut problems = Vec::new();
    for name in registry.op_names() {
        let def = registry.get(name).expect("listed ops are registered");
        let exempt = CHECKED_ELSEWHERE.iter().any(|(op, _)| *op == name);
        match def.gradient {
            Gradient::Function(_) if tabled.contains(name) || exempt => {}
            Gradient::Function(_) => problems.push(format!("{name}: gradient not in any table")),
            Gradient::NotDifferentiable if tabled.contains(name) => {
                problems.push(format!("{name}: tabled but declared not differentiable"))
            }
            Gradient::NotDifferentiable => {}
            Gradient::Undefined if NO_GRADIENT_YET.iter().any(|(op, _)| *op == name) => {}
            Gradient::Undefined => problems.push(format!("{name}: no gradient and not declared")),
        }
    }
    for op in &tabled {
        if registry.get(op).is_err() {
            problems.push(format!("{op}: tabled but not registered"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
