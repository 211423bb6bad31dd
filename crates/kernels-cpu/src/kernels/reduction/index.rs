//! Index inputs and outputs: axes and `k` arrive as int16/int32/int64 tensors, and ArgMax,
//! ArgMin and TopKV2 write positions as the index dtype their node asks for.

use sessionflow_core::{Element, Result, Status, Tensor, TensorShape};

pub(crate) use crate::kernels::util::read_ints as read_index_ints;

/// The value of `t`, which must be a scalar: else InvalidArgument with `not_scalar(shape)`.
pub(crate) fn read_scalar(
    t: &Tensor,
    what: &str,
    not_scalar: impl Fn(&TensorShape) -> String,
) -> Result<i64> {
    if t.shape().rank() != 0 {
        return Err(Status::invalid_argument(not_scalar(t.shape())));
    }
    // A rank-0 tensor holds exactly one value.
    Ok(read_index_ints(t, what)?[0])
}

/// An index output dtype; positions convert as C++'s `static_cast` (wrapping), as in
/// TensorFlow.
pub(crate) trait IndexOut: Element {
    fn from_index(i: usize) -> Self;
}

impl IndexOut for i16 {
    #[inline]
    fn from_index(i: usize) -> Self {
        i as i16
    }
}

impl IndexOut for i32 {
    #[inline]
    fn from_index(i: usize) -> Self {
        i as i32
    }
}

impl IndexOut for i64 {
    #[inline]
    fn from_index(i: usize) -> Self {
        i as i64
    }
}

/// Calls `$run::<$t, O>(args)` with `O` the index type named by `$dtype`.
macro_rules! with_index_type {
    ($dtype:expr, $run:ident :: <$t:ty>($($arg:expr),*)) => {
        match $dtype {
            sessionflow_core::DType::Int16 => $run::<$t, i16>($($arg),*),
            sessionflow_core::DType::Int32 => $run::<$t, i32>($($arg),*),
            sessionflow_core::DType::Int64 => $run::<$t, i64>($($arg),*),
            other => Err(sessionflow_core::Status::invalid_argument(format!(
                "index outputs must be int16, int32 or int64, got {other}"
            ))),
        }
    };
}
pub(crate) use with_index_type;

/// The outer size, the size of dimension `axis` and the inner size of `shape`.
pub(crate) fn split_at_axis(shape: &TensorShape, axis: usize) -> (usize, usize, usize) {
    let dims = shape.dims();
    (dims[..axis].iter().product(), dims[axis], dims[axis + 1..].iter().product())
}
