//! Slice. Expected values from numpy slicing of `np.arange(24).reshape(2, 3, 4)`.

use super::{FLAT, assert_iota, assert_strings, iota, string_iota};
use sessionflow_op_tests::OpCase;
use sessionflow_op_tests::core::{Code, DType, Tensor};

fn slice(x: Tensor, begin: &[i32], size: &[i32]) -> OpCase {
    OpCase::new("Slice").input_tensor(x).input(&[begin.len()], begin).input(&[size.len()], size)
}

#[test]
fn slice_takes_a_box() {
    for dtype in FLAT {
        // y[1:2, 0:3, 1:3]
        let t = slice(iota(dtype, &[2, 3, 4]), &[1, 0, 1], &[1, 3, 2]).output();
        assert_iota(&t, dtype, &[1, 3, 2], &[13, 14, 17, 18, 21, 22]);
    }
    // y[:, 1:, 2:] with -1 sizes, int64 indices.
    let t = OpCase::new("Slice")
        .input_tensor(iota(DType::Float16, &[2, 3, 4]))
        .input(&[3], &[0i64, 1, 2])
        .input(&[3], &[-1i64, -1, -1])
        .output();
    assert_iota(&t, DType::Float16, &[2, 2, 2], &[6, 7, 10, 11, 18, 19, 22, 23]);
    let s = slice(string_iota(&[4]), &[1], &[2]).output();
    assert_strings(&s, &[2], &[Some(1), Some(2)]);
}

#[test]
fn slice_edge_cases() {
    let x = || iota(DType::Int32, &[3]);
    assert_iota(&slice(x(), &[3], &[0]).output(), DType::Int32, &[0], &[]);
    assert_iota(&slice(x(), &[0], &[3]).output(), DType::Int32, &[3], &[0, 1, 2]);
    assert_iota(&slice(iota(DType::Int32, &[0]), &[0], &[-1]).output(), DType::Int32, &[0], &[]);
    assert_iota(&slice(iota(DType::Int32, &[]), &[], &[]).output(), DType::Int32, &[], &[0]);
}

#[test]
fn slice_errors() {
    let x = || iota(DType::Float32, &[3]);
    slice(x(), &[1], &[3])
        .expect_error(Code::InvalidArgument, "Expected size[0] in [0, 2], but got 3");
    slice(x(), &[4], &[0])
        .expect_error(Code::InvalidArgument, "Expected begin[0] in [0, 3], but got 4");
    slice(x(), &[-1], &[1]).expect_error(Code::InvalidArgument, "");
    slice(x(), &[0], &[-2]).expect_error(Code::InvalidArgument, "");
    slice(x(), &[0, 0], &[1, 1]).expect_error(Code::InvalidArgument, "");
    slice(x(), &[5], &[-1]).expect_error(Code::InvalidArgument, "");
    // begin + size would overflow: still an InvalidArgument, never a panic.
    OpCase::new("Slice")
        .input_tensor(x())
        .input(&[1], &[1i64])
        .input(&[1], &[i64::MAX])
        .expect_error(Code::InvalidArgument, "");
}
