//! Small helpers every kernel family uses: reading int inputs and normalising axes.

use sessionflow_core::{DType, Result, Status, Tensor, TensorShape};

/// The values of an int32 or int64 tensor (axes, shapes, indices given as inputs), widened.
pub(crate) fn read_ints(t: &Tensor, what: &str) -> Result<Vec<i64>> {
    match t.dtype() {
        DType::Int32 => Ok(t.as_slice::<i32>()?.iter().map(|&v| v as i64).collect()),
        DType::Int64 => Ok(t.as_slice::<i64>()?.to_vec()),
        other => {
            Err(Status::invalid_argument(format!("{what} must be int32 or int64, got {other}")))
        }
    }
}

/// A possibly negative axis in `[-rank, rank)` as an index in `[0, rank)`, or TensorFlow's
/// InvalidArgument.
pub(crate) fn normalize_axis(axis: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(Status::invalid_argument(format!(
            "Expected axis in the range [{}, {r}), but got {axis}",
            -r
        )));
    }
    Ok(if axis < 0 { (axis + r) as usize } else { axis as usize })
}

/// A 1-D int tensor read as a shape; negative dimensions are TF's InvalidArgument.
pub(crate) fn shape_from_dims(dims: &[i64]) -> Result<TensorShape> {
    let dims = dims
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| Status::invalid_argument(format!("Dimension {d} must be >= 0")))
        })
        .collect::<Result<Vec<_>>>()?;
    let shape = TensorShape::new(dims);
    shape.num_elements()?;
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_wrap_like_python() {
        assert_eq!(normalize_axis(-1, 3).unwrap(), 2);
        assert_eq!(normalize_axis(0, 3).unwrap(), 0);
        assert!(normalize_axis(3, 3).is_err());
        assert!(normalize_axis(-4, 3).is_err());
        assert!(normalize_axis(0, 0).is_err());
    }
}
