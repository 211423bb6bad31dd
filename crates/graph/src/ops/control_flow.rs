//! TensorFlow 1's dataflow control flow. For conditionals, `Switch` routes a value to one of
//! two outputs and marks the other dead, and `Merge` forwards whichever input is alive. For
//! loops, `Enter` brings a value into a child frame (a while loop's body), `NextIteration`
//! carries it to the next iteration, `LoopCond` marks the loop's predicate and `Exit` hands the
//! final value back to the parent frame. The executor runs all of them itself (deadness and
//! frames are not a kernel's business); the definitions here give them TensorFlow's names,
//! attrs and shape functions so graphs built with `tf.cond` and `tf.while_loop` import and
//! export one to one.

use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result};

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Switch")
            .input("data: T")
            .input("pred: bool")
            .output("output_false: T")
            .output("output_true: T")
            .type_attr("T", &DType::ALL)
            .shape(switch_shape),
    );
    r.register(
        OpDef::new("Merge")
            .input("inputs: N * T")
            .output("output: T")
            .output("value_index: int32")
            .type_attr("T", &DType::ALL)
            .attr("N: int")
            .shape(merge_shape),
    );
    r.register(
        OpDef::new("Enter")
            .input("data: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .attr("frame_name: string")
            .attr("is_constant: bool = false")
            .attr("parallel_iterations: int = 10")
            .shape(enter_shape),
    );
    r.register(
        OpDef::new("Exit")
            .input("data: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("NextIteration")
            .input("data: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("LoopCond").input("input: bool").output("output: bool").shape(loop_cond_shape),
    );
    // Backprop stops at a loop's predicate (TF's `_LoopCondGrad` returns None).
    super::not_differentiable(r, &["LoopCond"]);
}

/// Both outputs have the data's shape; the predicate is a scalar.
fn switch_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(1, 0)?;
    let data = c.input(0).clone();
    c.set_output(0, data.clone());
    c.set_output(1, data);
    Ok(())
}

/// The output is what all inputs agree on (a dimension differing between inputs is unknown; a
/// rank differing makes the rank unknown), as TensorFlow's `MergeShape`.
fn merge_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let mut out = c.input(0).clone();
    for i in 1..c.num_inputs() {
        out = match (out.dims(), c.input(i).dims()) {
            (Some(a), Some(b)) if a.len() == b.len() => PartialShape::new(
                a.iter().zip(b).map(|(x, y)| if x == y { *x } else { None }).collect(),
            ),
            _ => PartialShape::unknown(),
        };
    }
    c.set_output(0, out);
    c.set_output(1, PartialShape::scalar());
    Ok(())
}

/// A loop variable may change shape from one iteration to the next, so a non-constant `Enter`
/// promises nothing (the builder narrows it to the loop's shape invariant); a loop-invariant
/// (`is_constant`) one keeps its input's shape. This is TensorFlow's `Enter` shape function.
fn enter_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let shape =
        if c.attr_bool("is_constant")? { c.input(0).clone() } else { PartialShape::unknown() };
    c.set_output(0, shape);
    Ok(())
}

fn unchanged_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let shape = c.input(0).clone();
    c.set_output(0, shape);
    Ok(())
}

/// The loop predicate is a scalar.
fn loop_cond_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(0, 0)?;
    c.set_output(0, PartialShape::scalar());
    Ok(())
}
