//! Array ops: constants and placeholders, and the data-movement ops (reshaping, transposing,
//! joining, splitting, tiling, padding, reversing and slicing), one file per kind under
//! `array/`.

mod join;
mod layout;
mod pad;
mod reshape;
mod slice;
mod split;
mod util;

use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{AttrsExt, DType, PartialShape, Result, Status};

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Const")
            .output("output: dtype")
            .attr("value: tensor")
            .type_attr("dtype", &DType::ALL)
            .shape(const_shape),
    );
    r.register(
        OpDef::new("Placeholder")
            .output("output: dtype")
            .type_attr("dtype", &DType::ALL)
            .attr("shape: shape = unknown")
            .shape(placeholder_shape),
    );
    r.register(
        OpDef::new("Identity")
            .input("input: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("IdentityN")
            .input("input: T")
            .output("output: T")
            .attr("T: list(type)")
            .shape(identity_n_shape),
    );
    r.register(OpDef::new("NoOp"));
    reshape::register(r);
    layout::register(r);
    join::register(r);
    split::register(r);
    pad::register(r);
    slice::register(r);
}

/// Output i has input i's shape.
fn identity_n_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    if c.num_inputs() == 0 {
        return Err(Status::invalid_argument("IdentityN needs at least one input"));
    }
    for i in 0..c.num_inputs() {
        let shape = c.input(i).clone();
        c.set_output(i, shape);
    }
    Ok(())
}

fn const_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let value = c.attrs.get_tensor("value")?;
    let dtype = c.attrs.get_type("dtype")?;
    if value.dtype() != dtype {
        return Err(Status::invalid_argument(format!(
            "Const value has dtype {} but the dtype attr is {dtype}",
            value.dtype()
        )));
    }
    c.set_output(0, PartialShape::from(value.shape()));
    Ok(())
}

fn placeholder_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let shape = c.attrs.get_shape("shape")?.clone();
    c.set_output(0, shape);
    Ok(())
}

/// Output 0 has input 0's shape.
pub(crate) fn unchanged_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let shape = c.input(0).clone();
    c.set_output(0, shape);
    Ok(())
}
