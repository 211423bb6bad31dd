//! The array family: reshaping, transposing, joining, splitting, tiling, padding, reversing
//! and slicing, for every dtype (strings included). Expected values are worked out by hand or
//! computed with numpy/TensorFlow 2.21 and written here as literals.

#[path = "array/join_split.rs"]
mod join_split;
#[path = "array/layout.rs"]
mod layout;
#[path = "array/pad.rs"]
mod pad;
#[path = "array/props.rs"]
mod props;
#[path = "array/reshape.rs"]
mod reshape;
#[path = "array/shapes.rs"]
mod shapes;
#[path = "array/slice.rs"]
mod slice;
#[path = "array/strided_slice.rs"]
mod strided_slice;

use sessionflow_op_tests::core::{DType, Tensor};
use sessionflow_op_tests::{string_tensor, tensor_of, values_f64};

/// Every dtype but string (tensors of these come from f64 values).
pub(crate) const FLAT: [DType; 10] = DType::FLAT;

/// `0, 1, 2, …` as a tensor of `dtype` (bool: odd/even, so patterns stay visible).
pub(crate) fn iota(dtype: DType, dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    let data: Vec<f64> =
        (0..n).map(|i| if dtype == DType::Bool { (i % 2) as f64 } else { i as f64 }).collect();
    tensor_of(dtype, dims, &data)
}

/// The values `iota` would give at these positions.
pub(crate) fn iota_at(dtype: DType, positions: &[usize]) -> Vec<f64> {
    positions
        .iter()
        .map(|&i| if dtype == DType::Bool { (i % 2) as f64 } else { i as f64 })
        .collect()
}

/// Asserts `t` has this dtype and shape and holds `iota`'s values at `positions`.
#[track_caller]
pub(crate) fn assert_iota(t: &Tensor, dtype: DType, dims: &[usize], positions: &[usize]) {
    assert_eq!(t.dtype(), dtype, "dtype");
    assert_eq!(t.shape().dims(), dims, "shape");
    assert_eq!(values_f64(t), iota_at(dtype, positions), "values ({dtype})");
}

/// String tensor `"s0", "s1", …`.
pub(crate) fn string_iota(dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    string_tensor(dims, &refs)
}

/// Asserts a string tensor has these dims and holds `"s{i}"` for each position (`None`: "").
#[track_caller]
pub(crate) fn assert_strings(t: &Tensor, dims: &[usize], positions: &[Option<usize>]) {
    assert_eq!(t.dtype(), DType::String);
    assert_eq!(t.shape().dims(), dims, "shape");
    let got: Vec<String> =
        t.as_strings().unwrap().iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect();
    let want: Vec<String> =
        positions.iter().map(|p| p.map_or_else(String::new, |i| format!("s{i}"))).collect();
    assert_eq!(got, want);
}
