//! The shapes `Reshape`, `ExpandDims` and `Squeeze` give their input, read from host-memory
//! inputs and attrs and checked as TensorFlow's kernels check them (one -1 inferred, element
//! counts matched, dims in range).

use sessionflow_core::{DType, Result, Status, Tensor, TensorShape};

/// The shape `sizes` (int32 or int64, rank ≤ 1) gives `input`, its -1 resolved.
pub(super) fn reshape_target(input: &TensorShape, sizes: &Tensor) -> Result<TensorShape> {
    if sizes.shape().rank() > 1 {
        return Err(Status::invalid_argument(format!(
            "sizes input must be 1-D, not {}",
            sizes.shape()
        )));
    }
    let sizes = read_ints(sizes, "shape")?;
    let mut dims = Vec::with_capacity(sizes.len());
    let mut unknown = None;
    // The product of the known sizes, zeros left out so that the -1 can still be inferred.
    let mut known: usize = 1;
    let mut has_zero = false;
    for (d, &size) in sizes.iter().enumerate() {
        if size == -1 {
            if let Some(u) = unknown {
                return Err(Status::invalid_argument(format!(
                    "Only one input size may be -1, not both {u} and {d}"
                )));
            }
            unknown = Some(d);
            dims.push(1);
        } else if size < 0 {
            return Err(Status::invalid_argument(format!(
                "Size {d} must be non-negative, not {size}"
            )));
        } else {
            let size = size as usize;
            has_zero |= size == 0;
            if size > 0 {
                known = known.checked_mul(size).ok_or_else(|| {
                    Status::invalid_argument(format!("Requested shape {sizes:?} is too large"))
                })?;
            }
            dims.push(size);
        }
    }
    let elements = input.num_elements()?;
    if let Some(u) = unknown {
        // With a 0 in the request, the input's zero dims are left out of the count too.
        let counted: usize = input.dims().iter().filter(|&&d| d > 0 || !has_zero).product();
        if !counted.is_multiple_of(known) {
            return Err(Status::invalid_argument(format!(
                "Input to reshape is a tensor with {counted} values, but the requested shape requires a multiple of {known}"
            )));
        }
        dims[u] = counted / known;
    }
    let shape = TensorShape::new(dims);
    let wanted = shape.num_elements()?;
    if wanted != elements {
        return Err(Status::invalid_argument(format!(
            "Input to reshape is a tensor with {elements} values, but the requested shape has {wanted}"
        )));
    }
    Ok(shape)
}

/// An int32 or int64 host tensor's values.
fn read_ints(t: &Tensor, what: &str) -> Result<Vec<i64>> {
    match t.dtype() {
        DType::Int32 => Ok(t.as_slice::<i32>()?.iter().map(|&v| i64::from(v)).collect()),
        DType::Int64 => Ok(t.as_slice::<i64>()?.to_vec()),
        other => Err(Status::invalid_argument(format!(
            "{what} must be an int32 or int64 tensor, got {other}"
        ))),
    }
}

/// `input` with a 1 inserted at `dim` (a one-value host tensor; negative counts from the end,
/// -1 appending).
pub(super) fn expand_dims_target(input: &TensorShape, dim: &Tensor) -> Result<TensorShape> {
    let &[dim] = read_ints(dim, "dim")?.as_slice() else {
        return Err(Status::invalid_argument("'dim' must be a tensor with a single value"));
    };
    let rank = input.rank() as i64;
    if dim < -1 - rank || dim > rank {
        return Err(Status::invalid_argument(format!(
            "Tried to expand dim index {dim} for tensor with {rank} dimensions."
        )));
    }
    let at = if dim < 0 { dim + rank + 1 } else { dim } as usize;
    let mut dims = input.dims().to_vec();
    dims.insert(at, 1);
    Ok(TensorShape::new(dims))
}

/// `input` without its size-1 dims: those of `squeeze_dims` (each must be 1), or all when it
/// is empty.
pub(super) fn squeeze_target(input: &TensorShape, squeeze_dims: &[i64]) -> Result<TensorShape> {
    let dims = input.dims();
    let rank = dims.len() as i64;
    let mut chosen = vec![squeeze_dims.is_empty(); dims.len()];
    for &d in squeeze_dims {
        if d < -rank || d >= rank {
            return Err(Status::invalid_argument(format!(
                "Tried to squeeze dim index {d} for tensor with {rank} dimensions."
            )));
        }
        let i = if d < 0 { d + rank } else { d } as usize;
        if dims[i] != 1 {
            return Err(Status::invalid_argument(format!(
                "Can not squeeze dim[{i}], expected a dimension of 1, got {}",
                dims[i]
            )));
        }
        chosen[i] = true;
    }
    let kept = dims.iter().zip(&chosen).filter(|&(&d, &c)| !(c && d == 1)).map(|(&d, _)| d);
    Ok(TensorShape::new(kept.collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::host;
    use sessionflow_core::Code;

    fn target(input: &[usize], sizes: &[i32]) -> Result<Vec<usize>> {
        let t = Tensor::from_slice(host(), TensorShape::new([sizes.len()]), sizes).unwrap();
        reshape_target(&TensorShape::new(input), &t).map(|s| s.dims().to_vec())
    }

    #[test]
    fn the_minus_one_is_inferred() {
        assert_eq!(target(&[2, 3, 4], &[-1, 4]).unwrap(), [6, 4]);
        assert_eq!(target(&[2, 3, 4], &[2, -1]).unwrap(), [2, 12]);
        assert_eq!(target(&[2, 3, 4], &[24]).unwrap(), [24]);
        assert_eq!(target(&[1], &[]).unwrap(), Vec::<usize>::new());
        // A zero in the request: the -1 is worked out from the other sizes.
        assert_eq!(target(&[0, 3], &[0, -1]).unwrap(), [0, 3]);
    }

    #[test]
    fn mismatches_are_tensorflows_errors() {
        let e = target(&[2, 3], &[4, -1]).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                Code::InvalidArgument,
                "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4"
            )
        );
        let e = target(&[2, 3], &[5]).unwrap_err();
        assert_eq!(
            e.message,
            "Input to reshape is a tensor with 6 values, but the requested shape has 5"
        );
        let e = target(&[2, 3], &[-1, -1]).unwrap_err();
        assert_eq!(e.message, "Only one input size may be -1, not both 0 and 1");
        let e = target(&[2, 3], &[-2, 3]).unwrap_err();
        assert_eq!(e.message, "Size 0 must be non-negative, not -2");
    }

    fn scalar(v: i32) -> Tensor {
        Tensor::from_slice(host(), TensorShape::new([]), &[v]).unwrap()
    }

    #[test]
    fn expand_dims_inserts_a_one_where_asked() {
        let s = TensorShape::new([2, 3]);
        let at = |d| expand_dims_target(&s, &scalar(d)).map(|s| s.dims().to_vec());
        assert_eq!(at(0).unwrap(), [1, 2, 3]);
        assert_eq!(at(2).unwrap(), [2, 3, 1]);
        assert_eq!(at(-1).unwrap(), [2, 3, 1]);
        assert_eq!(at(-3).unwrap(), [1, 2, 3]);
        let e = at(3).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Tried to expand dim index 3 for tensor with 2 dimensions.")
        );
        let two = Tensor::from_slice(host(), TensorShape::new([2]), &[0i32, 1]).unwrap();
        let e = expand_dims_target(&s, &two).unwrap_err();
        assert_eq!(e.message, "'dim' must be a tensor with a single value");
    }

    #[test]
    fn squeeze_drops_ones_all_or_those_named() {
        let s = TensorShape::new([1, 3, 1, 1]);
        let sq = |d: &[i64]| squeeze_target(&s, d).map(|s| s.dims().to_vec());
        assert_eq!(sq(&[]).unwrap(), [3]);
        assert_eq!(sq(&[0, -1]).unwrap(), [3, 1]);
        assert_eq!(sq(&[2]).unwrap(), [1, 3, 1]);
        let e = sq(&[1]).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Can not squeeze dim[1], expected a dimension of 1, got 3")
        );
        let e = sq(&[4]).unwrap_err();
        assert_eq!(e.message, "Tried to squeeze dim index 4 for tensor with 4 dimensions.");
    }
}
