//! Slicing ops: `Slice` (begin and size) and `StridedSlice` (begin, end and strides with
//! numpy's masks).

use super::util::merge_shapes;
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::strided_slice::{StridedSliceMasks, dense_strided_slice};
use sessionflow_core::{DType, PartialShape, Result, Status};

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Slice")
            .input("input: T")
            .input("begin: Index")
            .input("size: Index")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Index", &[DType::Int32, DType::Int64])
            .shape(slice_shape),
    );
    r.register(
        OpDef::new("StridedSlice")
            .input("input: T")
            .input("begin: Index")
            .input("end: Index")
            .input("strides: Index")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Index", &[DType::Int16, DType::Int32, DType::Int64])
            .attr("begin_mask: int = 0")
            .attr("end_mask: int = 0")
            .attr("ellipsis_mask: int = 0")
            .attr("new_axis_mask: int = 0")
            .attr("shrink_axis_mask: int = 0")
            .shape(strided_slice_shape),
    );
}

fn slice_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let begin_shape = c.with_rank(1, 1)?.clone();
    let size_shape = c.with_rank(2, 1)?.clone();
    let lengths = merge_shapes(&begin_shape, &size_shape)?;
    if let Some([Some(n)]) = lengths.dims() {
        c.with_rank(0, *n)?;
    }
    // `begin` read as a shape gives its known entries (-1 reads as unknown, and is invalid anyway).
    let begin = c.input_as_shape(1)?;
    let input = c.input(0).clone();
    let input_dim = |i: usize| input.dims().and_then(|d| d.get(i).copied().flatten());
    if let Some(sizes) = c.input_ints(2) {
        if begin.rank().is_some_and(|r| r != sizes.len()) {
            return Err(Status::invalid_argument(format!(
                "Shape must be rank {} but is rank {}",
                sizes.len(),
                begin.rank().unwrap_or(0)
            )));
        }
        let mut out = Vec::with_capacity(sizes.len());
        for (i, &s) in sizes.iter().enumerate() {
            out.push(match s {
                -1 => {
                    // To the end: dim - begin, when both are known.
                    let b = begin.dims().and_then(|d| d[i]);
                    match (input_dim(i), b) {
                        (Some(d), Some(b)) if b > d => {
                            return Err(Status::invalid_argument(format!(
                                "Negative dimension size caused by subtracting {b} from {d}"
                            )));
                        }
                        (Some(d), Some(b)) => Some(d - b),
                        _ => None,
                    }
                }
                s if s < 0 => {
                    let d = input_dim(i).map_or("?".to_owned(), |d| d.to_string());
                    return Err(Status::invalid_argument(format!(
                        "Out of bounds slicing on dimension {i} of length {d}: sizes vector cannot be < -1, but was {s}"
                    )));
                }
                s => Some(s as usize),
            });
        }
        c.set_output(0, PartialShape::new(out));
        return Ok(());
    }
    let sizes = c.input_as_shape(2)?;
    let out = match (sizes.rank(), input.rank()) {
        (Some(_), _) => sizes,
        (None, Some(r)) => PartialShape::unknown_of_rank(r),
        (None, None) => PartialShape::unknown(),
    };
    c.set_output(0, out);
    Ok(())
}

/// TensorFlow's StridedSlice shape function: needs the input's rank and constant strides;
/// constant begin/end make every known dimension exact.
fn strided_slice_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let mut spec = c.with_rank(1, 1)?.clone();
    for i in [2, 3] {
        let s = c.with_rank(i, 1)?.clone();
        spec = merge_shapes(&spec, &s)?;
    }
    let sparse_known = matches!(spec.dims(), Some([Some(_)]));
    let (Some(input), Some(strides), true) = (c.input(0).dims(), c.input_ints(3), sparse_known)
    else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let input = input.to_vec();
    let masks = StridedSliceMasks {
        begin: c.attr_int("begin_mask")?,
        end: c.attr_int("end_mask")?,
        ellipsis: c.attr_int("ellipsis_mask")?,
        new_axis: c.attr_int("new_axis_mask")?,
        shrink_axis: c.attr_int("shrink_axis_mask")?,
    };
    let (begin, end) = (c.input_ints(1), c.input_ints(2));
    let dense = dense_strided_slice(&input, begin.as_deref(), end.as_deref(), &strides, masks)?;
    c.set_output(0, PartialShape::new(dense.final_shape));
    Ok(())
}
