//! Reductions and scans: Sum, Mean, Max, Min, Prod, All, Any, ArgMax, ArgMin, Cumsum, TopKV2.
//! Expected values were computed with TensorFlow 2.21 (`tf.raw_ops`, CPU) or by hand.

// Expected values are TensorFlow's printouts, kept digit for digit.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

#[path = "reduction/property.rs"]
mod property;
#[path = "reduction/scans.rs"]
mod scans;

use sessionflow_op_tests::core::{Code, DType};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor, tensor_of, tolerance};

fn reduce(op: &str, x: sessionflow_op_tests::core::Tensor, axes: &[i32], keep: bool) -> OpCase {
    OpCase::new(op).input_tensor(x).input(&[axes.len()], axes).attr_bool("keep_dims", keep)
}

/// 0..24 as a [2,3,4] tensor of `dtype`.
fn arange_234(dtype: DType) -> sessionflow_op_tests::core::Tensor {
    tensor_of(dtype, &[2, 3, 4], &(0..24).map(f64::from).collect::<Vec<_>>())
}

#[test]
fn every_numeric_dtype_reduces_rows() {
    // [[1,2,3],[4,5,6]] over axis 1.
    let cases: [(&str, [f64; 2]); 5] = [
        ("Sum", [6., 15.]),
        ("Mean", [2., 5.]),
        ("Max", [3., 6.]),
        ("Min", [1., 4.]),
        ("Prod", [6., 120.]),
    ];
    for dtype in DType::NUMERIC {
        for (op, expected) in cases {
            let x = tensor_of(dtype, &[2, 3], &[1., 2., 3., 4., 5., 6.]);
            let t = reduce(op, x, &[1], false).output();
            assert_close(&t, dtype, &[2], &expected, tolerance(dtype));
        }
    }
}

#[test]
fn three_dimensional_layouts() {
    let x = || arange_234(DType::Float32);
    let t = reduce("Sum", x(), &[1], false).output();
    assert_values(&t, &[2, 4], &[12f32, 15., 18., 21., 48., 51., 54., 57.]);
    let t = reduce("Sum", x(), &[0, 2], false).output();
    assert_values(&t, &[3], &[60f32, 92., 124.]);
    let t = reduce("Max", x(), &[0, -1], true).output();
    assert_values(&t, &[1, 3, 1], &[15f32, 19., 23.]);
    let t = reduce("Mean", x(), &[1, 2], false).output();
    assert_values(&t, &[2], &[5.5f32, 17.5]);
    let t = reduce("Min", x(), &[2], false).output();
    assert_values(&t, &[2, 3], &[0f32, 4., 8., 12., 16., 20.]);
    let plus_one =
        tensor_of(DType::Float32, &[2, 3, 4], &(1..25).map(f64::from).collect::<Vec<_>>());
    let t = reduce("Prod", plus_one, &[0], false).output();
    let expected = [13f32, 28., 45., 64., 85., 108., 133., 160., 189., 220., 253., 288.];
    assert_values(&t, &[3, 4], &expected);
}

#[test]
fn int64_axes_and_scalar_axis() {
    let t =
        OpCase::new("Sum").input_tensor(arange_234(DType::Int32)).input(&[2], &[0i64, 2]).output();
    assert_values(&t, &[3], &[60i32, 92, 124]);
    // A scalar axis works like a one-element list.
    let t = OpCase::new("Sum").input_tensor(arange_234(DType::Int64)).input(&[], &[-3i32]).output();
    assert_values(&t, &[3, 4], &[12i64, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34]);
}

#[test]
fn keep_dims_and_all_axes() {
    let x = || tensor(&[2, 3], &[1f64, 2., 3., 4., 5., 6.]);
    let t = reduce("Sum", x(), &[-1], true).output();
    assert_values(&t, &[2, 1], &[6f64, 15.]);
    let t = reduce("Sum", x(), &[0, 1], false).output();
    assert_values(&t, &[], &[21f64]);
    let t = reduce("Sum", x(), &[1, 0], true).output();
    assert_values(&t, &[1, 1], &[21f64]);
}

#[test]
fn empty_axes_and_unit_axes_change_nothing() {
    let x = || tensor(&[2, 2], &[1i32, 2, 3, 4]);
    for op in ["Sum", "Mean", "Max", "Min", "Prod"] {
        assert_values(&reduce(op, x(), &[], true).output(), &[2, 2], &[1i32, 2, 3, 4]);
        assert_values(&reduce(op, x(), &[], false).output(), &[2, 2], &[1i32, 2, 3, 4]);
    }
    let t = reduce("Mean", tensor(&[2, 1], &[7i8, -3]), &[1], false).output();
    assert_values(&t, &[2], &[7i8, -3]);
    // A scalar reduced over no axes is itself.
    assert_values(&reduce("Sum", tensor(&[], &[5f32]), &[], false).output(), &[], &[5f32]);
}

#[test]
fn reducing_empty_dimensions_gives_the_identity() {
    let empty = |dtype| tensor_of(dtype, &[0, 3], &[]);
    let f32_cases = [
        ("Sum", 0.),
        ("Mean", f64::NAN),
        ("Max", f64::NEG_INFINITY),
        ("Min", f64::INFINITY),
        ("Prod", 1.),
    ];
    for (op, v) in f32_cases {
        let t = reduce(op, empty(DType::Float32), &[0], false).output();
        assert_close(&t, DType::Float32, &[3], &[v; 3], 0.0);
    }
    assert_values(&reduce("Mean", empty(DType::Int32), &[0], false).output(), &[3], &[0i32; 3]);
    assert_values(&reduce("Max", empty(DType::Int32), &[0], false).output(), &[3], &[i32::MIN; 3]);
    assert_values(&reduce("Min", empty(DType::UInt8), &[0], false).output(), &[3], &[255u8; 3]);
    assert_values(&reduce("Prod", empty(DType::Int64), &[0], true).output(), &[1, 3], &[1i64; 3]);
    assert_values(&reduce("All", empty(DType::Bool), &[0], false).output(), &[3], &[true; 3]);
    assert_values(&reduce("Any", empty(DType::Bool), &[0], false).output(), &[3], &[false; 3]);
    // Reducing a non-empty dimension of an empty tensor gives an empty tensor.
    let t = reduce("Sum", empty(DType::Float32), &[1], false).output();
    assert_values(&t, &[0], &[0f32; 0]);
}

#[test]
fn integer_means_truncate_without_overflow() {
    let t = reduce("Mean", tensor(&[6], &[1i32, 2, -1, -2, -3, 0]), &[0], false).output();
    assert_values(&t, &[], &[0i32]);
    let t = reduce("Mean", tensor(&[2, 2], &[-1i32, -2, 1, 2]), &[1], false).output();
    assert_values(&t, &[2], &[-1i32, 1]);
    let t = reduce("Mean", tensor(&[2], &[200u8, 200]), &[0], false).output();
    assert_values(&t, &[], &[200u8]);
    let t = reduce("Mean", tensor(&[2], &[127i8, 1]), &[0], false).output();
    assert_values(&t, &[], &[64i8]);
    let t = reduce("Mean", tensor(&[2], &[-128i8, -1]), &[0], false).output();
    assert_values(&t, &[], &[-64i8]);
    let t = reduce("Mean", tensor(&[3], &[1i32 << 30; 3]), &[0], false).output();
    assert_values(&t, &[], &[1i32 << 30]);
    let t = reduce("Mean", tensor(&[3, 1], &[100i8; 3]), &[0], false).output();
    assert_values(&t, &[1], &[100i8]);
    // int64 sums wrap before dividing, as in TensorFlow.
    let t = reduce("Mean", tensor(&[3], &[1i64 << 62; 3]), &[0], false).output();
    assert_values(&t, &[], &[-1537228672809129301i64]);
}

#[test]
fn integer_sums_and_products_wrap() {
    let t = reduce("Sum", tensor(&[3], &[100i8; 3]), &[0], false).output();
    assert_values(&t, &[], &[44i8]);
    let t = reduce("Prod", tensor(&[3], &[16i8, 16, 3]), &[0], false).output();
    assert_values(&t, &[], &[0i8]);
}

#[test]
fn float_means_round_like_tensorflow() {
    let third = |dtype| reduce("Mean", tensor_of(dtype, &[3], &[1., 1., 2.]), &[0], false).output();
    assert_close(&third(DType::Float64), DType::Float64, &[], &[1.3333333333333333], 0.0);
    assert_close(&third(DType::Float32), DType::Float32, &[], &[1.3333333730697632], 0.0);
    assert_close(&third(DType::Float16), DType::Float16, &[], &[1.333], 1e-3);
    assert_close(&third(DType::BFloat16), DType::BFloat16, &[], &[1.33594], 1e-5);
}

#[test]
fn half_sums_accumulate_in_f32() {
    let t = reduce("Sum", tensor_of(DType::Float16, &[4096], &[1.; 4096]), &[0], false).output();
    assert_close(&t, DType::Float16, &[], &[4096.], 0.0);
    let t = reduce("Sum", tensor_of(DType::BFloat16, &[1000], &[1.; 1000]), &[0], false).output();
    assert_close(&t, DType::BFloat16, &[], &[1000.], 0.0);
    // Over an outer axis TensorFlow accumulates f16 in f16 and stops at 2048; sessionflow
    // accumulates in f32 on every layout.
    let t = reduce("Sum", tensor_of(DType::Float16, &[4096, 2], &[1.; 8192]), &[0], false).output();
    assert_close(&t, DType::Float16, &[2], &[4096., 4096.], 0.0);
}

#[test]
fn max_and_min_propagate_nan() {
    let nan = f64::NAN;
    for dtype in [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16] {
        for x in [[1., nan, 3.], [nan, 1., 3.], [1., 3., nan]] {
            for op in ["Max", "Min"] {
                let t = reduce(op, tensor_of(dtype, &[3], &x), &[0], false).output();
                assert_close(&t, dtype, &[], &[nan], 0.0);
            }
        }
        let x = tensor_of(dtype, &[3, 2], &[1., 2., nan, 1., 3., 0.]);
        let t = reduce("Max", x, &[0], false).output();
        assert_close(&t, dtype, &[2], &[nan, 2.], 0.0);
    }
}

#[test]
fn all_and_any() {
    let b = || tensor(&[2, 3], &[true, false, true, true, true, true]);
    assert_values(&reduce("All", b(), &[1], false).output(), &[2], &[false, true]);
    assert_values(&reduce("All", b(), &[0, 1], false).output(), &[], &[false]);
    assert_values(&reduce("Any", b(), &[0], true).output(), &[1, 3], &[true; 3]);
    let not_b = tensor(&[2, 3], &[false, true, false, false, false, false]);
    assert_values(&reduce("Any", not_b, &[0], false).output(), &[3], &[false, true, false]);
}

#[test]
fn large_inputs_take_every_parallel_path() {
    // x[i][j] = i + 2j over [300, 500]: 150000 elements, past the parallel threshold.
    let (rows, cols) = (300usize, 500usize);
    let data: Vec<i64> =
        (0..rows).flat_map(|i| (0..cols).map(move |j| (i + 2 * j) as i64)).collect();
    let x = || tensor(&[rows, cols], &data);
    let t = reduce("Sum", x(), &[1], false).output();
    let expected: Vec<i64> = (0..rows as i64).map(|i| 500 * i + 249500).collect();
    assert_values(&t, &[rows], &expected);
    let t = reduce("Sum", x(), &[0], false).output();
    let expected: Vec<i64> = (0..cols as i64).map(|j| 44850 + 600 * j).collect();
    assert_values(&t, &[cols], &expected);
    let t = reduce("Sum", x(), &[0, 1], false).output();
    assert_values(&t, &[], &[(500 * 44850 + 600 * 124750) as i64]);
    let t = reduce("Max", x(), &[0], false).output();
    let expected: Vec<i64> = (0..cols as i64).map(|j| 299 + 2 * j).collect();
    assert_values(&t, &[cols], &expected);
    // [2, 50000, 3] over the middle and [50000, 2, 3] over the outer and inner axes.
    let ones = vec![1f32; 300_000];
    let t = reduce("Sum", tensor(&[2, 50_000, 3], &ones), &[1], false).output();
    assert_values(&t, &[2, 3], &[50_000f32; 6]);
    let t = reduce("Sum", tensor(&[50_000, 2, 3], &ones), &[0, 2], false).output();
    assert_values(&t, &[2], &[150_000f32; 2]);
    let t = reduce("Sum", tensor(&[300_000], &ones), &[0], false).output();
    assert_values(&t, &[], &[300_000f32]);
    let bools: Vec<bool> = (0..300_000).map(|i| i != 123_456).collect();
    let t = reduce("All", tensor(&[300_000], &bools), &[0], false).output();
    assert_values(&t, &[], &[false]);
}

#[test]
fn bad_axes_are_invalid_arguments() {
    let x = || tensor(&[2, 3], &[0f32; 6]);
    reduce("Sum", x(), &[2], false)
        .expect_error(Code::InvalidArgument, "Invalid reduction dimension");
    reduce("Max", x(), &[-3], false)
        .expect_error(Code::InvalidArgument, "Invalid reduction dimension");
    reduce("Sum", x(), &[1, -1], false)
        .expect_error(Code::InvalidArgument, "duplicate dimension: 1");
    reduce("Sum", tensor(&[], &[5f32]), &[0], false)
        .expect_error(Code::InvalidArgument, "Invalid reduction dimension");
    // Static checks: axes of rank 2 and float axes.
    let e = OpCase::new("Sum").input_tensor(x()).input(&[1, 2], &[0i32, 1]);
    e.run_mode(sessionflow_op_tests::InputMode::Const).unwrap_err();
    OpCase::new("Sum")
        .input_tensor(x())
        .input(&[1], &[0f32])
        .expect_error(Code::InvalidArgument, "Tidx");
    OpCase::new("All")
        .input_tensor(x())
        .input(&[1], &[0i32])
        .expect_error(Code::InvalidArgument, "bool");
}
