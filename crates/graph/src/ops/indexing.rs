//! Indexing and construction ops: gather/scatter, one-hot, where/select, fill, shapes, casts,
//! ranges, and the identity-like ops (StopGradient, PlaceholderWithDefault).
//!
//! `IdentityN` is not defined: its `input: T` argument is a list whose element types come from
//! a `list(type)` attr, which the `OpDef` builder cannot express yet.

mod construct;
mod gather;
mod select;
mod shape_ops;

use crate::OpRegistry;
use sessionflow_core::{DType, PartialShape, Result, Status};

pub(super) fn register(r: &mut OpRegistry) {
    gather::register(r);
    select::register(r);
    construct::register(r);
    shape_ops::register(r);
}

/// Integer dtypes allowed for gather/scatter indices.
const INDEX_TYPES: [DType; 3] = [DType::Int16, DType::Int32, DType::Int64];
/// int32 and int64: axes, shapes and `out_type`s.
const INT32_64: [DType; 2] = [DType::Int32, DType::Int64];
/// Every numeric dtype and bool.
const NUMERIC_AND_BOOL: [DType; 10] = DType::FLAT;

/// Output 0 has input 0's shape.
fn unchanged_shape(c: &mut crate::InferenceContext<'_>) -> Result<()> {
    let shape = c.input(0).clone();
    c.set_output(0, shape);
    Ok(())
}

pub(crate) use crate::merge_shapes;

/// Dims `[start, end)` of a shape of known rank (a slice; empty when out of order).
fn sub_dims(dims: &[Option<usize>], start: usize, end: usize) -> Vec<Option<usize>> {
    dims.get(start..end.min(dims.len())).map_or_else(Vec::new, <[_]>::to_vec)
}

/// A 1-D int input read as an output shape (TF's `MakeShapeFromShapeTensor`): constant
/// values must be >= -1 (-1 meaning unknown); the length fixes the rank when known.
fn shape_from_input(c: &crate::InferenceContext<'_>, i: usize) -> Result<PartialShape> {
    if let Some(values) = c.input_ints(i)
        && let Some(bad) = values.iter().find(|&&v| v < -1)
    {
        return Err(Status::invalid_argument(format!(
            "Invalid value in tensor used for shape: {bad}"
        )));
    }
    c.input_as_shape(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(dims: &[i64]) -> PartialShape {
        PartialShape::from_i64(dims).unwrap()
    }

    #[test]
    fn merge_keeps_known_dimensions() {
        assert_eq!(merge_shapes(&s(&[-1, 3]), &s(&[2, -1])).unwrap(), s(&[2, 3]));
        assert_eq!(merge_shapes(&PartialShape::unknown(), &s(&[2])).unwrap(), s(&[2]));
        let err = merge_shapes(&s(&[3]), &s(&[2])).unwrap_err();
        assert!(err.message.contains("are 3 and 2"), "{}", err.message);
        assert!(merge_shapes(&s(&[]), &s(&[1])).unwrap_err().message.contains("equal rank"));
    }
}
