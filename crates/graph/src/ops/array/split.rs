//! Ops that split a tensor: `Split` into equal parts, `SplitV` into given sizes, `Unpack`
//! into its slices along an axis.

use super::join::pack_axis;
use super::util::{check_min, scalar_axis, with_value};
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Split")
            .input("split_dim: int32")
            .input("value: T")
            .output("output: num_split * T")
            .type_attr("T", &DType::ALL)
            .attr("num_split: int")
            .shape(split_shape),
    );
    r.register(
        OpDef::new("SplitV")
            .input("value: T")
            .input("size_splits: Tlen")
            .input("split_dim: int32")
            .output("output: num_split * T")
            .type_attr("T", &DType::ALL)
            .attr("num_split: int")
            .type_attr("Tlen", &[DType::Int8, DType::Int32, DType::Int64])
            .shape(split_v_shape),
    );
    r.register(
        OpDef::new("Unpack")
            .input("value: T")
            .output("output: num * T")
            .type_attr("T", &DType::ALL)
            .attr("num: int")
            .attr("axis: int = 0")
            .shape(unpack_shape),
    );
}

fn split_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let num = check_min(c, "num_split", 1)? as usize;
    let input = c.input(1).clone();
    let axis = scalar_axis(c, 0, input.rank())?;
    let out = match (axis, input.dims()) {
        (None, Some(dims)) => PartialShape::unknown_of_rank(dims.len()),
        (None, None) => PartialShape::unknown(),
        (Some(axis), dims) => {
            c.with_rank_at_least(1, axis + 1)?;
            match dims {
                None => PartialShape::unknown(),
                Some(dims) => {
                    let mut out = dims.to_vec();
                    if let Some(d) = dims[axis] {
                        if !d.is_multiple_of(num) {
                            return Err(Status::invalid_argument(format!(
                                "Dimension size must be evenly divisible by {num} but is {d}\n\tNumber of ways to split should evenly divide the split dimension"
                            )));
                        }
                        out[axis] = Some(d / num);
                    }
                    PartialShape::new(out)
                }
            }
        }
    };
    for i in 0..num {
        c.set_output(i, out.clone());
    }
    Ok(())
}

fn split_v_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let num = check_min(c, "num_split", 1)? as usize;
    let input = c.input(0).clone();
    let axis = scalar_axis(c, 2, input.rank())?;
    let Some(dims) = input.dims() else {
        return Ok(()); // outputs stay unknown: each may differ
    };
    if dims.is_empty() {
        return Err(Status::invalid_argument("Can't split scalars"));
    }
    let sizes = c.input_ints(1);
    let (Some(axis), Some(sizes)) = (axis, sizes) else {
        // Only the rank is known (and, with a known axis, every other dimension).
        let mut out = dims.to_vec();
        match axis {
            Some(a) => out[a] = None,
            None => out.iter_mut().for_each(|d| *d = None),
        }
        for i in 0..num {
            c.set_output(i, PartialShape::new(out.clone()));
        }
        return Ok(());
    };
    c.with_rank_at_least(0, axis + 1)?;
    if sizes.len() != num {
        return Err(Status::invalid_argument(
            "Length of size_splits should be equal to num_outputs",
        ));
    }
    let mut total = 0i64;
    let mut has_neg_one = false;
    for &s in &sizes {
        if s == -1 {
            if has_neg_one {
                return Err(Status::invalid_argument("size_splits can only have one -1"));
            }
            has_neg_one = true;
        } else {
            total = total.saturating_add(s);
        }
    }
    let dim = dims[axis].map(|d| d as i64);
    for (i, &s) in sizes.iter().enumerate() {
        let size = match (s, dim) {
            (-1, Some(d)) => d - total,
            _ => s,
        };
        if size < -1 || (size == -1 && dim.is_some()) {
            return Err(Status::invalid_argument(format!(
                "Split size at index {i} must be >= 0. Got: {size}"
            )));
        }
        let mut out = dims.to_vec();
        out[axis] = usize::try_from(size).ok();
        c.set_output(i, PartialShape::new(out));
    }
    if let Some(d) = dim
        && (if has_neg_one { total > d } else { total != d })
    {
        let list: Vec<String> = sizes.iter().map(i64::to_string).collect();
        return Err(Status::invalid_argument(format!(
            "can't split axis of size {d} into pieces of size [{}]",
            list.join(",")
        )));
    }
    Ok(())
}

fn unpack_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let num = check_min(c, "num", 0)? as usize;
    let out = match c.input(0).dims() {
        Some(dims) => {
            let axis = pack_axis(c.attr_int("axis")?, dims.len())?;
            with_value(dims[axis], num)?;
            let mut out = dims.to_vec();
            out.remove(axis);
            PartialShape::new(out)
        }
        None => PartialShape::unknown(),
    };
    for i in 0..num {
        c.set_output(i, out.clone());
    }
    Ok(())
}
