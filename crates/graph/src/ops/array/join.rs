//! Ops that join tensors: `ConcatV2` along an existing axis, `Pack` along a new one.

use super::util::{check_min, merge_shapes};
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

const INDEX_TYPES: &[DType] = &[DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("ConcatV2")
            .input("values: N * T")
            .input("axis: Tidx")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .attr("N: int")
            .type_attr("Tidx", INDEX_TYPES)
            .shape(concat_shape),
    );
    r.register(
        OpDef::new("Pack")
            .input("values: N * T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .attr("N: int")
            .attr("axis: int = 0")
            .shape(pack_shape),
    );
}

/// TensorFlow's `ConcatShapeHelper`: non-axis dimensions merge, axis dimensions add up.
fn concat_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let n = check_min(c, "N", 2)? as usize;
    let axis_input = c.num_inputs() - 1;
    c.with_rank(axis_input, 0)?;
    let Some(axis) = c.input_ints(axis_input).and_then(|v| v.first().copied()) else {
        // Only the rank can be known: that of any input with a known one.
        let Some(rank) = (0..n).find_map(|i| c.input(i).rank()) else {
            c.set_output(0, PartialShape::unknown());
            return Ok(());
        };
        if rank == 0 {
            return Err(Status::invalid_argument(
                "Can't concatenate scalars (use tf.stack instead)",
            ));
        }
        for i in 0..n {
            c.with_rank(i, rank)?;
        }
        c.set_output(0, PartialShape::unknown_of_rank(rank));
        return Ok(());
    };
    let min_rank = if axis < 0 { axis.unsigned_abs() } else { axis as u64 + 1 } as usize;
    let mut rank = None;
    for i in 0..n {
        c.with_rank_at_least(i, min_rank)?;
        match (rank, c.input(i).rank()) {
            (Some(a), Some(b)) if a != b => {
                return Err(Status::invalid_argument(format!(
                    "Shape must be rank {a} but is rank {b}"
                )));
            }
            (None, r) => rank = r,
            _ => {}
        }
    }
    let Some(rank) = rank else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    // Every input of known rank has this one (merging below checks it).
    let axis = if axis < 0 { axis + rank as i64 } else { axis } as usize;
    let mut merged = PartialShape::unknown();
    let mut total = Some(0usize);
    for i in 0..n {
        let Some(dims) = c.input(i).dims() else {
            total = None;
            continue;
        };
        let mut others = dims.to_vec();
        let middle = others.remove(axis);
        total = match (total, middle) {
            (Some(t), Some(m)) => Some(t.checked_add(m).ok_or_else(|| {
                Status::invalid_argument("Dimension size overflow in concatenation")
            })?),
            _ => None,
        };
        merged = merge_shapes(&merged, &PartialShape::new(others))?;
    }
    let mut out = merged.dims().map_or_else(|| vec![None; rank - 1], <[_]>::to_vec);
    out.insert(axis, total);
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

fn pack_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let n = check_min(c, "N", 1)? as usize;
    let mut cur = c.input(n - 1).clone();
    for i in (0..n - 1).rev() {
        cur = merge_shapes(c.input(i), &cur).map_err(|e| {
            Status::invalid_argument(format!(
                "{}\n\tFrom merging shape {i} with other shapes.",
                e.message
            ))
        })?;
    }
    let Some(dims) = cur.dims() else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let axis = pack_axis(c.attr_int("axis")?, dims.len() + 1)?;
    let mut out = dims.to_vec();
    out.insert(axis, Some(n));
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// TensorFlow's `GetAxisForPackAndUnpack`: `axis` in `[-rank, rank)`, made non-negative.
pub(super) fn pack_axis(axis: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(Status::invalid_argument(format!(
            "Invalid axis: {axis}; must be in [{},{r})",
            -r
        )));
    }
    Ok(if axis < 0 { axis + r } else { axis } as usize)
}
