//! The elementwise math family: every op on every dtype TensorFlow's CPU kernels register,
//! special values, integer semantics, broadcasting and errors. Expected values were computed
//! with TensorFlow 2.21 / numpy (float64) and checked against TensorFlow per dtype; they are
//! literals here.

#[path = "math/add_n.rs"]
mod add_n;
#[path = "math/arithmetic.rs"]
mod arithmetic;
#[path = "math/broadcast.rs"]
mod broadcast;
#[path = "math/compare.rs"]
mod compare;
#[path = "math/unary.rs"]
mod unary;

use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, string_tensor, tensor_of, values_f64};

/// The floating dtypes.
pub const FLOAT: [DType; 4] = [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16];
/// Floats and signed integers.
pub const SIGNED: [DType; 8] = [
    DType::Float32,
    DType::Float64,
    DType::Float16,
    DType::BFloat16,
    DType::Int8,
    DType::Int16,
    DType::Int32,
    DType::Int64,
];
/// Every numeric dtype.
pub const NUMERIC: [DType; 9] = DType::NUMERIC;

/// `op(x, y)` with both operands of `dtype` built from f64 values.
pub fn binary(op: &str, dtype: DType, x: (&[usize], &[f64]), y: (&[usize], &[f64])) -> Tensor {
    OpCase::new(op)
        .input_tensor(tensor_of(dtype, x.0, x.1))
        .input_tensor(tensor_of(dtype, y.0, y.1))
        .output()
}

/// Asserts that building `op` on `dtype` inputs fails with InvalidArgument (as TensorFlow
/// rejects a dtype its op has no kernel for).
pub fn assert_unsupported(op: &str, dtype: DType, inputs: usize) {
    let mut case = OpCase::new(op);
    for _ in 0..inputs {
        case = case.input_tensor(match dtype {
            DType::String => string_tensor(&[1], &["1"]),
            _ => tensor_of(dtype, &[1], &[1.0]),
        });
    }
    let err = case.expect_error(Code::InvalidArgument, "");
    let at_build = ["is not in the list of allowed values", "does not match expected type"];
    assert!(at_build.iter().any(|m| err.message.contains(m)), "{op} on {dtype}: {err}");
}

/// Asserts `t` has this dtype and dims and values within `rel` relative error (NaN matches
/// NaN; infinities and zeros must match exactly): for results near 0, where an absolute
/// tolerance would say nothing.
#[track_caller]
pub fn assert_rel(t: &Tensor, dtype: DType, dims: &[usize], expected: &[f64], rel: f64) {
    assert_eq!(t.dtype(), dtype, "dtype");
    assert_eq!(t.shape().dims(), dims, "shape");
    let got = values_f64(t);
    assert_eq!(got.len(), expected.len(), "element count");
    for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
        let ok = if e.is_nan() {
            g.is_nan()
        } else if e.is_infinite() || e == 0.0 {
            g == e
        } else {
            ((g - e) / e).abs() <= rel
        };
        assert!(ok, "element {i}: got {g:e}, expected {e:e} (rel {rel:e}); all: {got:?}");
    }
}

/// Asserts an f32 tensor holds exactly `want`, telling -0.0 from 0.0 (any NaN matches NaN).
#[track_caller]
pub fn assert_f32_exact(t: &Tensor, want: &[f32]) {
    let got = t.as_slice::<f32>().unwrap();
    assert_eq!(got.len(), want.len(), "element count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let same = g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan());
        assert!(same, "element {i}: got {g:?}, expected {w:?}; all: {got:?}");
    }
}
