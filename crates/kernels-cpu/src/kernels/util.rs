//! Small helpers every kernel family uses: reading int inputs as indices and shapes.

use sessionflow_core::{DType, Result, Status, Tensor, TensorShape};
use std::borrow::Cow;

/// The values of an integer tensor given as an input (axes, shapes, indices, `k`): index
/// attrs such as `Tidx`, `Tlen` and `Index` allow int8 and int16 besides int32 and int64.
/// Borrowed when already int64, so large index tensors are not copied.
pub(crate) fn ints<'a>(t: &'a Tensor, what: &str) -> Result<Cow<'a, [i64]>> {
    Ok(match t.dtype() {
        DType::Int64 => Cow::Borrowed(t.as_slice::<i64>()?),
        DType::Int32 => Cow::Owned(t.as_slice::<i32>()?.iter().map(|&v| i64::from(v)).collect()),
        DType::Int16 => Cow::Owned(t.as_slice::<i16>()?.iter().map(|&v| i64::from(v)).collect()),
        DType::Int8 => Cow::Owned(t.as_slice::<i8>()?.iter().map(|&v| i64::from(v)).collect()),
        other => {
            return Err(Status::invalid_argument(format!(
                "{what} must be an integer tensor, got {other}"
            )));
        }
    })
}

/// [`ints`], owned.
pub(crate) fn read_ints(t: &Tensor, what: &str) -> Result<Vec<i64>> {
    ints(t, what).map(Cow::into_owned)
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
