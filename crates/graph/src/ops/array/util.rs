//! Shape-function helpers of the array family: TensorFlow's `InferenceContext` operations
//! (`Merge`, `NumElements`, scalar axes) over [`PartialShape`].

use crate::InferenceContext;
use sessionflow_core::{AttrValue, AttrsExt, PartialShape, Result, Status};

pub(super) use crate::{merge_dims as merge_dim, merge_shapes};

/// TensorFlow's `NumElements`: 0 if any dimension is 0, else the product when all are known.
pub(super) fn num_elements(dims: &[Option<usize>]) -> Option<usize> {
    if dims.contains(&Some(0)) {
        return Some(0);
    }
    dims.iter().try_fold(1usize, |acc, d| d.and_then(|d| acc.checked_mul(d)))
}

/// TensorFlow's `WithValue` on a dimension.
pub(super) fn with_value(dim: Option<usize>, value: usize) -> Result<()> {
    match dim {
        Some(d) if d != value => {
            Err(Status::invalid_argument(format!("Dimension must be {value} but is {d}")))
        }
        _ => Ok(()),
    }
}

/// The dims of a shape of known rank, or `None`.
pub(super) fn dims_of(shape: &PartialShape) -> Option<Vec<Option<usize>>> {
    shape.dims().map(<[_]>::to_vec)
}

/// TensorFlow's `MakeDimForScalarInputWithNegativeIndexing`: input `i` must be a scalar; its
/// constant value, wrapped by `rank` when negative, or `None` when not known.
pub(super) fn scalar_axis(
    c: &InferenceContext<'_>,
    i: usize,
    rank: Option<usize>,
) -> Result<Option<usize>> {
    c.with_rank(i, 0)?;
    let Some(v) = c.input_ints(i).and_then(|v| v.first().copied()) else {
        return Ok(None);
    };
    let out_of_range = |r: usize| {
        Status::invalid_argument(format!(
            "Dimension size, given by scalar input {v} must be in range [-{r}, {r})"
        ))
    };
    match rank {
        None if v < 0 => Ok(None),
        None => Ok(Some(v as usize)),
        Some(r) if v < 0 && v + (r as i64) < 0 => Err(out_of_range(r)),
        Some(r) if v < 0 => Ok(Some((v + r as i64) as usize)),
        Some(r) if r > 0 && v >= r as i64 => Err(out_of_range(r)),
        Some(_) => Ok(Some(v as usize)),
    }
}

/// Fails unless the list attr `name` is at least `min` long (TF's attr minimum).
pub(super) fn check_min(c: &InferenceContext<'_>, name: &str, min: i64) -> Result<i64> {
    let v = c.attr_int(name)?;
    if v < min {
        return Err(Status::invalid_argument(format!(
            "Value for attr '{name}' of {v} must be at least minimum {min}"
        )));
    }
    Ok(v)
}

/// A `list(int)` attr (its kind was checked when the node was built).
pub(super) fn list_int_attr<'a>(c: &'a InferenceContext<'_>, name: &str) -> Result<&'a [i64]> {
    match c.attrs.attr(name)? {
        AttrValue::ListInt(v) => Ok(v),
        other => Err(Status::invalid_argument(format!(
            "attr '{name}' should be list(int), but is {}",
            other.kind()
        ))),
    }
}
