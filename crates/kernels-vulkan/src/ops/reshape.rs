//! The shape a `Reshape` asks for: its host-memory `shape` input read and checked as
//! TensorFlow's `ReshapeOp` does (one -1 inferred, element counts matched).

use sessionflow_core::{DType, Result, Status, Tensor, TensorShape};

/// The shape `sizes` (int32 or int64, rank ≤ 1) gives `input`, its -1 resolved.
pub(super) fn reshape_target(input: &TensorShape, sizes: &Tensor) -> Result<TensorShape> {
    if sizes.shape().rank() > 1 {
        return Err(Status::invalid_argument(format!(
            "sizes input must be 1-D, not {}",
            sizes.shape()
        )));
    }
    let sizes: Vec<i64> = match sizes.dtype() {
        DType::Int32 => sizes.as_slice::<i32>()?.iter().map(|&v| i64::from(v)).collect(),
        DType::Int64 => sizes.as_slice::<i64>()?.to_vec(),
        other => {
            return Err(Status::invalid_argument(format!(
                "shape must be an int32 or int64 tensor, got {other}"
            )));
        }
    };
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
}
