//! ConcatV2, Pack, Split, SplitV, Unpack. Expected orders from numpy (`np.concatenate`,
//! `np.stack`, `np.split`, `np.unstack` of `np.arange`).

use super::{FLAT, assert_iota, assert_strings, iota, string_iota};
use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_values, tensor};

fn concat(values: Vec<Tensor>, axis: i32) -> OpCase {
    values.into_iter().fold(OpCase::new("ConcatV2"), OpCase::input_tensor).input(&[], &[axis])
}

fn pack(values: Vec<Tensor>, axis: i64) -> OpCase {
    values.into_iter().fold(OpCase::new("Pack"), OpCase::input_tensor).attr_int("axis", axis)
}

#[test]
fn concat_along_each_axis_for_every_dtype() {
    for dtype in FLAT {
        let t = concat(vec![iota(dtype, &[2, 3]), iota(dtype, &[2, 2])], 1).output();
        assert_iota(&t, dtype, &[2, 5], &[0, 1, 2, 0, 1, 3, 4, 5, 2, 3]);
        let t = concat(vec![iota(dtype, &[1, 2]), iota(dtype, &[2, 2])], -2).output();
        assert_iota(&t, dtype, &[3, 2], &[0, 1, 0, 1, 2, 3]);
    }
    let s = concat(vec![string_iota(&[2]), string_iota(&[1])], 0).output();
    assert_strings(&s, &[3], &[Some(0), Some(1), Some(0)]);
}

#[test]
fn concat_of_three_with_empty_pieces_and_an_int64_axis() {
    let t = OpCase::new("ConcatV2")
        .input(&[2, 0], &[0i32; 0])
        .input(&[2, 2], &[1i32, 2, 3, 4])
        .input(&[2, 1], &[5i32, 6])
        .input(&[], &[1i64])
        .output();
    assert_values(&t, &[2, 3], &[1i32, 2, 5, 3, 4, 6]);
    let t = concat(vec![iota(DType::Float32, &[0, 3]), iota(DType::Float32, &[0, 3])], 0).output();
    assert_values(&t, &[0, 3], &[0f32; 0]);
}

#[test]
fn concat_errors() {
    let f = |dims: &[usize]| iota(DType::Float32, dims);
    concat(vec![f(&[2, 3]), f(&[3])], 0).expect_error(Code::InvalidArgument, "rank");
    concat(vec![f(&[2, 3]), f(&[2, 2])], 0).expect_error(Code::InvalidArgument, "");
    concat(vec![f(&[2, 3]), f(&[2, 2])], 2).expect_error(Code::InvalidArgument, "");
    concat(vec![f(&[]), f(&[])], 0).expect_error(Code::InvalidArgument, "");
    // N must be at least 2 (the op definition's minimum).
    concat(vec![f(&[2])], 0).expect_error(Code::InvalidArgument, "must be at least minimum 2");
}

#[test]
fn pack_stacks_along_a_new_axis() {
    let a = || tensor(&[2, 3], &[0i32, 1, 2, 3, 4, 5]);
    let b = || tensor(&[2, 3], &[6i32, 7, 8, 9, 10, 11]);
    assert_values(
        &pack(vec![a(), b()], 0).output(),
        &[2, 2, 3],
        &[0i32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert_values(
        &pack(vec![a(), b()], 1).output(),
        &[2, 2, 3],
        &[0i32, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11],
    );
    assert_values(
        &pack(vec![a(), b()], -1).output(),
        &[2, 3, 2],
        &[0i32, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11],
    );
    assert_values(&pack(vec![a()], 0).output(), &[1, 2, 3], &[0i32, 1, 2, 3, 4, 5]);
    for dtype in FLAT {
        let t = pack(vec![iota(dtype, &[]), iota(dtype, &[])], 0).output();
        assert_iota(&t, dtype, &[2], &[0, 0]);
    }
    let t = pack(vec![iota(DType::Int8, &[0]), iota(DType::Int8, &[0])], 1).output();
    assert_iota(&t, DType::Int8, &[0, 2], &[]);
    let s = pack(vec![string_iota(&[2]), string_iota(&[2])], 1).output();
    assert_strings(&s, &[2, 2], &[Some(0), Some(0), Some(1), Some(1)]);
}

#[test]
fn pack_errors() {
    let f = |dims: &[usize]| iota(DType::Float32, dims);
    pack(vec![f(&[2]), f(&[3])], 0).expect_error(Code::InvalidArgument, "");
    pack(vec![f(&[2]), f(&[2])], 2).expect_error(Code::InvalidArgument, "");
    pack(vec![f(&[2]), f(&[2])], -3).expect_error(Code::InvalidArgument, "");
}

fn split(x: Tensor, axis: i32, num: i64) -> OpCase {
    OpCase::new("Split").input(&[], &[axis]).input_tensor(x).attr_int("num_split", num)
}

#[test]
fn split_into_equal_pieces() {
    for dtype in FLAT {
        let parts = split(iota(dtype, &[2, 3, 4]), 2, 2).outputs();
        assert_iota(&parts[0], dtype, &[2, 3, 2], &[0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21]);
        assert_iota(&parts[1], dtype, &[2, 3, 2], &[2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23]);
    }
    let parts = split(iota(DType::Int32, &[4, 1]), -2, 4).outputs();
    for (i, p) in parts.iter().enumerate() {
        assert_iota(p, DType::Int32, &[1, 1], &[i]);
    }
    let one = split(iota(DType::Int32, &[3]), 0, 1).outputs();
    assert_iota(&one[0], DType::Int32, &[3], &[0, 1, 2]);
    let empty = split(iota(DType::Int32, &[0, 2]), 1, 2).outputs();
    assert_iota(&empty[1], DType::Int32, &[0, 1], &[]);
    let s = split(string_iota(&[4]), 0, 2).outputs();
    assert_strings(&s[1], &[2], &[Some(2), Some(3)]);
}

#[test]
fn split_errors() {
    let x = || iota(DType::Float32, &[3]);
    split(x(), 0, 2).expect_error(Code::InvalidArgument, "evenly divide");
    split(x(), 1, 1).expect_error(Code::InvalidArgument, "");
    split(x(), -2, 1).expect_error(Code::InvalidArgument, "");
    split(x(), 0, 0).expect_error(Code::InvalidArgument, "");
    OpCase::new("Split")
        .input(&[1], &[0i32])
        .input_tensor(x())
        .attr_int("num_split", 1)
        .expect_error(Code::InvalidArgument, "");
}

fn split_v(x: Tensor, sizes: Tensor, axis: i32) -> OpCase {
    let n = sizes.num_elements() as i64;
    OpCase::new("SplitV")
        .input_tensor(x)
        .input_tensor(sizes)
        .input(&[], &[axis])
        .attr_int("num_split", n)
}

#[test]
fn split_v_into_given_sizes() {
    for dtype in FLAT {
        let parts = split_v(iota(dtype, &[2, 3, 4]), tensor(&[3], &[1i32, 2, 1]), -1).outputs();
        assert_iota(&parts[0], dtype, &[2, 3, 1], &[0, 4, 8, 12, 16, 20]);
        assert_iota(&parts[1], dtype, &[2, 3, 2], &[1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]);
        assert_iota(&parts[2], dtype, &[2, 3, 1], &[3, 7, 11, 15, 19, 23]);
    }
    // -1 takes the rest; sizes may be int64 or int8; pieces may be empty.
    let parts = split_v(iota(DType::Int32, &[5]), tensor(&[3], &[2i64, -1, 0]), 0).outputs();
    assert_iota(&parts[0], DType::Int32, &[2], &[0, 1]);
    assert_iota(&parts[1], DType::Int32, &[3], &[2, 3, 4]);
    assert_iota(&parts[2], DType::Int32, &[0], &[]);
    let parts = split_v(iota(DType::Int32, &[3, 2]), tensor(&[2], &[-1i8, 1]), 0).outputs();
    assert_iota(&parts[0], DType::Int32, &[2, 2], &[0, 1, 2, 3]);
    assert_iota(&parts[1], DType::Int32, &[1, 2], &[4, 5]);
    let one = split_v(iota(DType::Int32, &[3]), tensor(&[1], &[3i32]), 0).outputs();
    assert_iota(&one[0], DType::Int32, &[3], &[0, 1, 2]);
    let s = split_v(string_iota(&[3]), tensor(&[2], &[2i32, 1]), 0).outputs();
    assert_strings(&s[0], &[2], &[Some(0), Some(1)]);
    assert_strings(&s[1], &[1], &[Some(2)]);
}

#[test]
fn split_v_errors() {
    let x = || iota(DType::Float32, &[3]);
    let sv = |sizes: &[i32]| split_v(x(), tensor(&[sizes.len()], sizes), 0);
    sv(&[1, 1]).expect_error(Code::InvalidArgument, "");
    sv(&[-1, -1]).expect_error(Code::InvalidArgument, "");
    sv(&[4, -1]).expect_error(Code::InvalidArgument, "");
    sv(&[5, -2]).expect_error(Code::InvalidArgument, "Split size at index 1 must be >= 0. Got: -2");
    // A single piece must be the whole axis: even -1 is refused, as TensorFlow does.
    sv(&[-1]).expect_error(Code::InvalidArgument, "If there is only one output");
    split_v(x(), tensor(&[2], &[1i32, 2]), 1).expect_error(Code::InvalidArgument, "");
    split_v(iota(DType::Float32, &[]), tensor(&[1], &[1i32]), 0)
        .expect_error(Code::InvalidArgument, "");
}

fn unpack(x: Tensor, num: i64, axis: i64) -> OpCase {
    OpCase::new("Unpack").input_tensor(x).attr_int("num", num).attr_int("axis", axis)
}

#[test]
fn unpack_along_each_axis() {
    for dtype in FLAT {
        let parts = unpack(iota(dtype, &[2, 3, 4]), 3, 1).outputs();
        assert_iota(&parts[0], dtype, &[2, 4], &[0, 1, 2, 3, 12, 13, 14, 15]);
        assert_iota(&parts[1], dtype, &[2, 4], &[4, 5, 6, 7, 16, 17, 18, 19]);
        assert_iota(&parts[2], dtype, &[2, 4], &[8, 9, 10, 11, 20, 21, 22, 23]);
    }
    let parts = unpack(iota(DType::Int32, &[2, 3, 4]), 4, -1).outputs();
    assert_iota(&parts[3], DType::Int32, &[2, 3], &[3, 7, 11, 15, 19, 23]);
    let parts = unpack(iota(DType::Int32, &[2]), 2, 0).outputs();
    assert_iota(&parts[1], DType::Int32, &[], &[1]);
    assert!(unpack(iota(DType::Int32, &[0, 2]), 0, 0).outputs().is_empty());
    let s = unpack(string_iota(&[2, 2]), 2, 1).outputs();
    assert_strings(&s[1], &[2], &[Some(1), Some(3)]);
}

#[test]
fn unpack_errors() {
    unpack(iota(DType::Float32, &[2, 3]), 3, 0).expect_error(Code::InvalidArgument, "");
    unpack(iota(DType::Float32, &[2, 3]), 2, 2).expect_error(Code::InvalidArgument, "");
    unpack(iota(DType::Float32, &[]), 1, 0).expect_error(Code::InvalidArgument, "");
}
