//! Pad, PadV2, MirrorPad. Expected values from `np.pad` of `np.arange` (constant, reflect,
//! symmetric).

use super::{FLAT, assert_iota, assert_strings, iota, string_iota};
use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_values, string_tensor, tensor};

fn paddings(p: &[[i32; 2]]) -> Tensor {
    let flat: Vec<i32> = p.iter().flatten().copied().collect();
    tensor(&[p.len(), 2], &flat)
}

fn pad(x: Tensor, p: &[[i32; 2]]) -> OpCase {
    OpCase::new("Pad").input_tensor(x).input_tensor(paddings(p))
}

fn mirror(x: Tensor, p: &[[i32; 2]], mode: &str) -> OpCase {
    OpCase::new("MirrorPad").input_tensor(x).input_tensor(paddings(p)).attr_str("mode", mode)
}

#[test]
fn pad_with_zeros_for_every_dtype() {
    for dtype in FLAT {
        // np.pad(arange(6).reshape(2, 3), [[1, 0], [2, 1]]); position 0 holds zero.
        let t = pad(iota(dtype, &[2, 3]), &[[1, 0], [2, 1]]).output();
        assert_iota(&t, dtype, &[3, 6], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 3, 4, 5, 0]);
    }
    let s = pad(string_iota(&[2]), &[[1, 1]]).output();
    assert_strings(&s, &[4], &[None, Some(0), Some(1), None]);
}

#[test]
fn pad_edge_cases() {
    // No padding: the same values; an empty input padded to a border only; a scalar.
    let t = pad(iota(DType::Int32, &[2, 2]), &[[0, 0], [0, 0]]).output();
    assert_iota(&t, DType::Int32, &[2, 2], &[0, 1, 2, 3]);
    let t = OpCase::new("Pad").input(&[0, 2], &[0f32; 0]).input(&[2, 2], &[1i64, 1, 0, 1]).output();
    assert_values(&t, &[2, 3], &[0f32; 6]);
    let t = OpCase::new("Pad").input(&[], &[5i16]).input(&[0, 2], &[0i32; 0]).output();
    assert_values(&t, &[], &[5i16]);
}

#[test]
fn pad_v2_uses_the_constant() {
    // TF: tf.pad([1, 2, 3], [[1, 2]], constant_values=9) == [9, 1, 2, 3, 9, 9]
    let t = OpCase::new("PadV2")
        .input(&[3], &[1i32, 2, 3])
        .input_tensor(paddings(&[[1, 2]]))
        .input(&[], &[9i32])
        .output();
    assert_values(&t, &[6], &[9i32, 1, 2, 3, 9, 9]);
    let t = OpCase::new("PadV2")
        .input(&[1, 1], &[true])
        .input_tensor(paddings(&[[0, 1], [1, 0]]))
        .input(&[], &[true])
        .output();
    assert_values(&t, &[2, 2], &[true, true, true, true]);
    let s = OpCase::new("PadV2")
        .input_tensor(string_iota(&[1]))
        .input_tensor(paddings(&[[1, 0]]))
        .input_tensor(string_tensor(&[], &["z"]))
        .output();
    assert_eq!(s.as_strings().unwrap(), [b"z".to_vec(), b"s0".to_vec()]);
}

#[test]
fn pad_errors() {
    let x = || iota(DType::Float32, &[3]);
    pad(x(), &[[-1, 0]]).expect_error(Code::InvalidArgument, "");
    pad(x(), &[[1, 0], [0, 0]]).expect_error(Code::InvalidArgument, "");
    OpCase::new("Pad")
        .input_tensor(x())
        .input(&[1, 3], &[1i32, 0, 0])
        .expect_error(Code::InvalidArgument, "");
    OpCase::new("PadV2")
        .input_tensor(x())
        .input_tensor(paddings(&[[1, 0]]))
        .input(&[1], &[1f32])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn mirror_pad_reflect_and_symmetric() {
    for dtype in FLAT {
        let t = mirror(iota(dtype, &[2, 3]), &[[1, 1], [2, 2]], "REFLECT").output();
        assert_iota(
            &t,
            dtype,
            &[4, 7],
            &[5, 4, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 1, 0, 5, 4, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 1, 0],
        );
    }
    let t = mirror(iota(DType::Int32, &[2, 3]), &[[2, 1], [3, 1]], "SYMMETRIC").output();
    assert_iota(
        &t,
        DType::Int32,
        &[5, 7],
        &[
            5, 4, 3, 3, 4, 5, 5, 2, 1, 0, 0, 1, 2, 2, 2, 1, 0, 0, 1, 2, 2, 5, 4, 3, 3, 4, 5, 5, 5,
            4, 3, 3, 4, 5, 5,
        ],
    );
    let t = mirror(iota(DType::Int64, &[4]), &[[3, 3]], "REFLECT").output();
    assert_iota(&t, DType::Int64, &[10], &[3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
    let t = mirror(iota(DType::Int64, &[4]), &[[4, 2]], "SYMMETRIC").output();
    assert_iota(&t, DType::Int64, &[10], &[3, 2, 1, 0, 0, 1, 2, 3, 3, 2]);
    let t = mirror(iota(DType::Int64, &[0]), &[[0, 0]], "SYMMETRIC").output();
    assert_iota(&t, DType::Int64, &[0], &[]);
    let s = mirror(string_iota(&[3]), &[[1, 1]], "REFLECT").output();
    assert_strings(&s, &[5], &[Some(1), Some(0), Some(1), Some(2), Some(1)]);
}

#[test]
fn mirror_pad_errors() {
    let x = || iota(DType::Float32, &[3]);
    mirror(x(), &[[3, 0]], "REFLECT").expect_error(
        Code::InvalidArgument,
        "paddings must be less than the dimension size: 3, 0 not less than 3",
    );
    mirror(x(), &[[4, 0]], "SYMMETRIC").expect_error(
        Code::InvalidArgument,
        "paddings must be no greater than the dimension size: 4, 0 greater than 3",
    );
    // REFLECT cannot pad an empty dimension, not even by nothing (TensorFlow's check).
    mirror(iota(DType::Float32, &[0]), &[[0, 0]], "REFLECT")
        .expect_error(Code::InvalidArgument, "not less than 0");
    mirror(x(), &[[-1, 0]], "REFLECT").expect_error(Code::InvalidArgument, "");
    mirror(x(), &[[1, 0]], "EDGE").expect_error(Code::InvalidArgument, "mode");
}
