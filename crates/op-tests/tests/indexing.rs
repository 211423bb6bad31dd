//! The indexing family: gather/scatter, one-hot, where/select, fill, shapes, casts, ranges and
//! the identity-like ops. Expected values are worked out by hand or computed with TensorFlow
//! 2.21 (noted where so); error messages are TF's kernel messages.

#[path = "indexing/construct.rs"]
mod construct;
#[path = "indexing/gather.rs"]
mod gather;
#[path = "indexing/props.rs"]
mod props;
#[path = "indexing/scatter.rs"]
mod scatter;
#[path = "indexing/select.rs"]
mod select;
#[path = "indexing/shape_cast.rs"]
mod shape_cast;

use sessionflow_op_tests::core::{DType, Tensor};
use sessionflow_op_tests::{string_tensor, tensor_of};

/// Every dtype but string.
const FLAT: [DType; 10] = DType::FLAT;

/// A test tensor of any dtype: numbers for numeric dtypes, `x != 0` for bool, and the
/// numbers' decimal strings for string.
fn any_tensor(dtype: DType, dims: &[usize], data: &[f64]) -> Tensor {
    if dtype == DType::String {
        let strings: Vec<String> = data.iter().map(|v| v.to_string()).collect();
        let refs: Vec<&str> = strings.iter().map(String::as_str).collect();
        return string_tensor(dims, &refs);
    }
    tensor_of(dtype, dims, data)
}

/// Asserts `t` equals `any_tensor(dtype, dims, data)` exactly.
#[track_caller]
fn assert_any(t: &Tensor, dtype: DType, dims: &[usize], data: &[f64]) {
    let want = any_tensor(dtype, dims, data);
    assert_eq!(t.dtype(), dtype, "dtype");
    assert_eq!(t.shape(), want.shape(), "shape ({dtype})");
    if dtype == DType::String {
        assert_eq!(t.as_strings().unwrap(), want.as_strings().unwrap(), "values ({dtype})");
    } else {
        assert_eq!(t.as_bytes().unwrap(), want.as_bytes().unwrap(), "values ({dtype})");
    }
}

/// The strings of a string tensor.
fn strings(t: &Tensor) -> Vec<String> {
    t.as_strings().unwrap().iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}
