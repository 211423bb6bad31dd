//! GatherV2, GatherNd and ScatterNd.

use super::{INDEX_TYPES, INT32_64, merge_shapes, shape_from_input, sub_dims};
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("GatherV2")
            .input("params: Tparams")
            .input("indices: Tindices")
            .input("axis: Taxis")
            .output("output: Tparams")
            .type_attr("Tparams", &DType::ALL)
            .type_attr("Tindices", &INDEX_TYPES)
            .type_attr("Taxis", &INT32_64)
            .attr("batch_dims: int = 0")
            .shape(gather_v2_shape),
    );
    r.register(
        OpDef::new("GatherNd")
            .input("params: Tparams")
            .input("indices: Tindices")
            .output("output: Tparams")
            .type_attr("Tparams", &DType::ALL)
            .type_attr("Tindices", &INDEX_TYPES)
            .attr("bad_indices_policy: string = ''")
            .shape(gather_nd_shape),
    );
    r.register(
        OpDef::new("ScatterNd")
            .input("indices: Tindices")
            .input("updates: T")
            .input("shape: Tindices")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tindices", &INDEX_TYPES)
            .attr("bad_indices_policy: string = ''")
            .shape(scatter_nd_shape),
    );
}

fn at_least(rank: usize, needed: usize) -> Result<()> {
    if rank < needed {
        return Err(Status::invalid_argument(format!(
            "Shape must be at least rank {needed} but is rank {rank}"
        )));
    }
    Ok(())
}

/// `params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]`.
fn gather_v2_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank_at_least(0, 1)?;
    c.with_rank(2, 0)?;
    let batch_dims = c.attr_int("batch_dims")?;
    let params = c.input(0).dims().map(<[_]>::to_vec);
    let indices = c.input(1).dims().map(<[_]>::to_vec);
    let axis = c.input_ints(2).and_then(|v| v.first().copied());

    // Normalise batch_dims against the indices' rank, as the kernel does.
    let batch_dims = match &indices {
        Some(ind) => {
            at_least(ind.len(), batch_dims.unsigned_abs() as usize)?;
            if batch_dims < 0 { batch_dims + ind.len() as i64 } else { batch_dims }
        }
        None if batch_dims < 0 => {
            c.set_output(0, PartialShape::unknown());
            return Ok(());
        }
        None => batch_dims,
    };
    let batch_dims = batch_dims as usize;
    if let Some(p) = &params {
        at_least(p.len(), batch_dims + 1)?;
    }
    let Some(axis) = axis else {
        // Without the axis only the rank is known.
        let out = match (&params, &indices) {
            (Some(p), Some(i)) => (p.len() + i.len())
                .checked_sub(1 + batch_dims)
                .map_or_else(PartialShape::unknown, PartialShape::unknown_of_rank),
            _ => PartialShape::unknown(),
        };
        c.set_output(0, out);
        return Ok(());
    };
    let (Some(p), Some(ind)) = (params, indices) else {
        if let Some(p) = c.input(0).rank() {
            at_least(p, if axis < 0 { axis.unsigned_abs() as usize } else { axis as usize + 1 })?;
        }
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    at_least(p.len(), if axis < 0 { axis.unsigned_abs() as usize } else { axis as usize + 1 })?;
    let axis = if axis < 0 { (axis + p.len() as i64) as usize } else { axis as usize };
    if batch_dims > axis {
        return Err(Status::invalid_argument(format!(
            "batch_dims ({batch_dims}) must be less than or equal to axis ({axis})."
        )));
    }
    let mut out = Vec::with_capacity(p.len() + ind.len());
    for i in 0..batch_dims {
        out.push(match (p[i], ind[i]) {
            (Some(a), Some(b)) if a != b => {
                return Err(Status::invalid_argument(format!(
                    "params.shape[{i}]: {a} should be equal to indices.shape[{i}]: {b}"
                )));
            }
            (Some(a), _) | (None, Some(a)) => Some(a),
            (None, None) => None,
        });
    }
    out.extend(sub_dims(&p, batch_dims, axis));
    out.extend(sub_dims(&ind, batch_dims, ind.len()));
    out.extend(sub_dims(&p, axis + 1, p.len()));
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// `indices.shape[:-1] + params.shape[indices.shape[-1]:]`.
fn gather_nd_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    check_policy(c)?;
    c.with_rank_at_least(0, 1)?;
    c.with_rank_at_least(1, 1)?;
    let (Some(params), Some(indices)) = (c.input(0).dims(), c.input(1).dims()) else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let Some(Some(depth)) = indices.last().copied() else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    if depth > params.len() {
        return Err(Status::invalid_argument(format!(
            "indices.shape[-1] must be <= params.rank, but saw indices shape: {} and params shape: {}",
            c.input(1),
            c.input(0)
        )));
    }
    let mut out = sub_dims(indices, 0, indices.len() - 1);
    out.extend(sub_dims(params, depth, params.len()));
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// The output is `shape`; indices and updates must agree with it.
fn scatter_nd_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    check_policy(c)?;
    c.with_rank_at_least(0, 1)?;
    c.with_rank_at_least(1, 1)?;
    c.with_rank(2, 1)?;
    let output = shape_from_input(c, 2)?;
    let (indices, updates) = (c.input(0).clone(), c.input(1).clone());
    let known_size = |s: &PartialShape| s.to_tensor_shape().and_then(|t| t.num_elements().ok());
    if known_size(&output) == Some(0)
        && (known_size(&indices).is_some_and(|n| n > 0)
            || known_size(&updates).is_some_and(|n| n > 0))
    {
        return Err(Status::invalid_argument("Indices and updates specified for empty input"));
    }
    if let (Some(ind), Some(upd)) = (indices.dims(), updates.dims())
        && let Some(Some(depth)) = ind.last().copied()
    {
        let outer = ind.len() - 1;
        let prefix_ind = PartialShape::new(sub_dims(ind, 0, outer));
        let prefix_upd = PartialShape::new(sub_dims(upd, 0, outer));
        merge_shapes(&prefix_ind, &prefix_upd).map_err(|s| {
            Status::invalid_argument(format!(
                "Dimensions [0,{outer}) of indices[shape={indices}] = {prefix_ind} must match dimensions [0,{outer}) of updates[shape={updates}] = {prefix_upd}: {}",
                s.message
            ))
        })?;
        if let Some(out) = output.dims() {
            let suffix_upd = PartialShape::new(sub_dims(upd, outer, upd.len()));
            let mismatch = || {
                format!(
                    "Dimensions [{depth},{}) of input[shape={output}] must match dimensions [{outer},{}) of updates[shape={updates}]",
                    out.len(),
                    upd.len()
                )
            };
            if depth > out.len() {
                return Err(Status::invalid_argument(mismatch()));
            }
            let suffix_out = PartialShape::new(sub_dims(out, depth, out.len()));
            merge_shapes(&suffix_out, &suffix_upd)
                .map_err(|s| Status::invalid_argument(format!("{}: {}", mismatch(), s.message)))?;
        }
    }
    c.set_output(0, output);
    Ok(())
}

/// `bad_indices_policy` is one of TF's names: "" or "DEFAULT" (error on CPU), "ERROR", "IGNORE".
fn check_policy(c: &InferenceContext<'_>) -> Result<()> {
    match c.attrs.get("bad_indices_policy") {
        Some(sessionflow_core::AttrValue::String(p))
            if matches!(p.as_str(), "" | "DEFAULT" | "ERROR" | "IGNORE") =>
        {
            Ok(())
        }
        Some(sessionflow_core::AttrValue::String(p)) => Err(Status::invalid_argument(format!(
            "bad_indices_policy must be one of '', 'DEFAULT', 'ERROR' or 'IGNORE', got '{p}'"
        ))),
        _ => Ok(()),
    }
}
