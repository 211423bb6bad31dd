//! Where, Select, SelectV2 and OneHot.

use super::{NUMERIC_AND_BOOL, merge_shapes, sub_dims};
use crate::{InferenceContext, OpDef, OpRegistry, broadcast_partial_shapes};
use sessionflow_core::{DType, PartialShape, Result, Status};

/// Index dtypes of OneHot.
const ONE_HOT_INDEX_TYPES: [DType; 4] = [DType::UInt8, DType::Int8, DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Where")
            .input("input: T")
            .output("index: int64")
            .type_attr("T", &NUMERIC_AND_BOOL)
            .shape(where_shape),
    );
    r.register(
        OpDef::new("Select")
            .input("condition: bool")
            .input("t: T")
            .input("e: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .shape(select_shape),
    );
    r.register(
        OpDef::new("SelectV2")
            .input("condition: bool")
            .input("t: T")
            .input("e: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .shape(select_v2_shape),
    );
    r.register(
        OpDef::new("OneHot")
            .input("indices: TI")
            .input("depth: int32")
            .input("on_value: T")
            .input("off_value: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("TI", &ONE_HOT_INDEX_TYPES)
            .attr("axis: int = -1")
            .shape(one_hot_shape),
    );
}

/// `[number of true elements (unknown), rank(input)]`.
fn where_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let rank = c.input(0).rank();
    c.set_output(0, PartialShape::new(vec![None, rank]));
    Ok(())
}

/// TF1's rules: `t` and `e` have one shape; `condition` is a scalar, has that shape too, or is
/// a vector matching its first dimension.
fn select_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let data = merge_shapes(c.input(1), c.input(2))?;
    let cond = c.input(0).clone();
    let (Some(cond_rank), Some(data_rank)) = (cond.rank(), data.rank()) else {
        c.set_output(0, data);
        return Ok(());
    };
    let out = match (cond_rank, data_rank) {
        (0, _) => data,
        (1, r) if r > 0 => {
            let first = data.dims().and_then(|d| d[0]);
            merge_shapes(&cond, &PartialShape::new(vec![first]))?;
            data
        }
        _ => merge_shapes(&data, &cond)?,
    };
    c.set_output(0, out);
    Ok(())
}

/// numpy broadcasting of all three inputs.
fn select_v2_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let other = broadcast_partial_shapes(c.input(1), c.input(2))?;
    let out = broadcast_partial_shapes(c.input(0), &other)?;
    c.set_output(0, out);
    Ok(())
}

/// `indices.shape` with `depth` inserted at `axis` (-1: last).
fn one_hot_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let axis = c.attr_int("axis")?;
    if axis < -1 {
        return Err(Status::invalid_argument("axis must be >= -1"));
    }
    for (i, what) in [(1, "depth"), (2, "on_value"), (3, "off_value")] {
        if let Some(r) = c.input(i).rank()
            && r != 0
        {
            return Err(Status::invalid_argument(format!(
                "{what} must be a scalar, but got: {}",
                c.input(i)
            )));
        }
    }
    let depth = match c.input_ints(1).and_then(|v| v.first().copied()) {
        Some(d) if d < 0 => {
            return Err(Status::invalid_argument(format!("depth must be non-negative, got: {d}")));
        }
        Some(d) => Some(d as usize),
        None => None,
    };
    let Some(indices) = c.input(0).dims() else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let new_rank = indices.len() + 1;
    if axis >= new_rank as i64 {
        return Err(Status::invalid_argument(format!(
            "Expected axis to be -1 or between [0, {new_rank}).  But received: {axis}"
        )));
    }
    let at = if axis == -1 { indices.len() } else { axis as usize };
    let mut out = sub_dims(indices, 0, at);
    out.push(depth);
    out.extend(sub_dims(indices, at, indices.len()));
    c.set_output(0, PartialShape::new(out));
    Ok(())
}
