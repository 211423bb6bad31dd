//! Shape, ShapeN, Size and Rank: facts about a tensor's shape, as tensors.

use super::INT32_64;
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

pub(super) fn register(r: &mut OpRegistry) {
    let shape = OpDef::new("Shape")
        .input("input: T")
        .output("output: out_type")
        .type_attr("T", &DType::ALL)
        .attr("out_type: type = int32")
        .allow_types("out_type", &INT32_64)
        .shape(shape_shape);
    r.register(shape);
    let shape_n = OpDef::new("ShapeN")
        .input("input: N * T")
        .output("output: N * out_type")
        .type_attr("T", &DType::ALL)
        .attr("N: int")
        .attr("out_type: type = int32")
        .allow_types("out_type", &INT32_64)
        .shape(shape_n_shape);
    r.register(shape_n);
    let size = OpDef::new("Size")
        .input("input: T")
        .output("output: out_type")
        .type_attr("T", &DType::ALL)
        .attr("out_type: type = int32")
        .allow_types("out_type", &INT32_64)
        .shape(scalar_shape);
    r.register(size);
    r.register(
        OpDef::new("Rank")
            .input("input: T")
            .output("output: int32")
            .type_attr("T", &DType::ALL)
            .shape(scalar_shape),
    );
}

/// A vector with one element per dimension of the input.
fn shape_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let rank = c.input(0).rank();
    c.set_output(0, PartialShape::new(vec![rank]));
    Ok(())
}

fn shape_n_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    if c.num_inputs() == 0 {
        return Err(Status::invalid_argument("ShapeN needs at least one input (N >= 1)"));
    }
    for i in 0..c.num_inputs() {
        let rank = c.input(i).rank();
        c.set_output(i, PartialShape::new(vec![rank]));
    }
    Ok(())
}

fn scalar_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.set_output(0, PartialShape::scalar());
    Ok(())
}
