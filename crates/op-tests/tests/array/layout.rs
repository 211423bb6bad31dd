//! Transpose, ReverseV2, Tile, BroadcastTo. Expected orders from numpy (`np.transpose`,
//! `np.flip`, `np.tile`, `np.broadcast_to` of `np.arange`).

use super::{FLAT, assert_iota, assert_strings, iota, string_iota};
use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_values};

fn with_ints(op: &str, x: Tensor, ints: &[i32]) -> OpCase {
    OpCase::new(op).input_tensor(x).input(&[ints.len()], ints)
}

#[test]
fn transpose_of_a_matrix_for_every_dtype() {
    for dtype in FLAT {
        let t = with_ints("Transpose", iota(dtype, &[2, 3]), &[1, 0]).output();
        assert_iota(&t, dtype, &[3, 2], &[0, 3, 1, 4, 2, 5]);
    }
    let s = with_ints("Transpose", string_iota(&[2, 3]), &[1, 0]).output();
    assert_strings(&s, &[3, 2], &[0, 3, 1, 4, 2, 5].map(Some));
}

#[test]
fn transpose_of_three_dimensions() {
    let x = || iota(DType::Int32, &[2, 3, 4]);
    let t = with_ints("Transpose", x(), &[2, 0, 1]).output();
    assert_iota(
        &t,
        DType::Int32,
        &[4, 2, 3],
        &[0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23],
    );
    let t = with_ints("Transpose", x(), &[0, 2, 1]).output();
    assert_iota(
        &t,
        DType::Int32,
        &[2, 4, 3],
        &[0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 16, 20, 13, 17, 21, 14, 18, 22, 15, 19, 23],
    );
    let t = OpCase::new("Transpose").input_tensor(x()).input(&[3], &[1i64, 0, 2]).output();
    assert_iota(
        &t,
        DType::Int32,
        &[3, 2, 4],
        &[0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23],
    );
    // Negative entries count from the end (TF's kernel accepts them): [-1, -2] is [1, 0].
    let t = with_ints("Transpose", iota(DType::Int32, &[2, 3]), &[-1, -2]).output();
    assert_iota(&t, DType::Int32, &[3, 2], &[0, 3, 1, 4, 2, 5]);
}

#[test]
fn transpose_edge_cases() {
    let t = with_ints("Transpose", iota(DType::Float32, &[0, 3]), &[1, 0]).output();
    assert_values(&t, &[3, 0], &[0f32; 0]);
    let t = with_ints("Transpose", iota(DType::Float32, &[]), &[]).output();
    assert_values(&t, &[], &[0f32]);
    let t = with_ints("Transpose", iota(DType::Float32, &[2, 2]), &[0, 1]).output();
    assert_values(&t, &[2, 2], &[0f32, 1., 2., 3.]);
}

#[test]
fn transpose_errors() {
    let x = || iota(DType::Float32, &[2, 3]);
    with_ints("Transpose", x(), &[0, 0])
        .expect_error(Code::InvalidArgument, "1 is missing from {0,0}.");
    with_ints("Transpose", x(), &[1, -1])
        .expect_error(Code::InvalidArgument, "0 is missing from {1,1}.");
    with_ints("Transpose", x(), &[2, 0]).expect_error(Code::InvalidArgument, "out of range");
    with_ints("Transpose", x(), &[0]).expect_error(Code::InvalidArgument, "");
    OpCase::new("Transpose")
        .input_tensor(x())
        .input(&[1, 2], &[1i32, 0])
        .expect_error(Code::InvalidArgument, "rank 1");
}

#[test]
fn reverse_along_axes() {
    for dtype in FLAT {
        let t = with_ints("ReverseV2", iota(dtype, &[2, 3]), &[1]).output();
        assert_iota(&t, dtype, &[2, 3], &[2, 1, 0, 5, 4, 3]);
    }
    let x = || iota(DType::UInt8, &[2, 3, 4]);
    let t = with_ints("ReverseV2", x(), &[0, -1]).output();
    assert_iota(
        &t,
        DType::UInt8,
        &[2, 3, 4],
        &[15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8],
    );
    let t = OpCase::new("ReverseV2").input_tensor(x()).input(&[1], &[1i64]).output();
    assert_iota(
        &t,
        DType::UInt8,
        &[2, 3, 4],
        &[8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 20, 21, 22, 23, 16, 17, 18, 19, 12, 13, 14, 15],
    );
    let t = with_ints("ReverseV2", x(), &[]).output();
    assert_iota(&t, DType::UInt8, &[2, 3, 4], &(0..24).collect::<Vec<_>>());
    let t = with_ints("ReverseV2", iota(DType::Int64, &[0, 2]), &[1]).output();
    assert_values(&t, &[0, 2], &[0i64; 0]);
    let s = with_ints("ReverseV2", string_iota(&[3]), &[0]).output();
    assert_strings(&s, &[3], &[Some(2), Some(1), Some(0)]);
}

#[test]
fn reverse_errors() {
    let x = || iota(DType::Float32, &[2, 3]);
    with_ints("ReverseV2", x(), &[2])
        .expect_error(Code::InvalidArgument, "'axis'[0] = 2 is out of valid range [0, 1");
    with_ints("ReverseV2", x(), &[1, -1])
        .expect_error(Code::InvalidArgument, "axis 1 specified more than once.");
    OpCase::new("ReverseV2")
        .input_tensor(x())
        .input(&[1, 1], &[0i32])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn tile_repeats_along_each_dimension() {
    for dtype in FLAT {
        let t = with_ints("Tile", iota(dtype, &[2, 3]), &[2, 2]).output();
        assert_iota(
            &t,
            dtype,
            &[4, 6],
            &[0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5],
        );
    }
    let x = || iota(DType::Int32, &[2, 3]);
    assert_iota(
        &with_ints("Tile", x(), &[2, 1]).output(),
        DType::Int32,
        &[4, 3],
        &[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5],
    );
    let t = OpCase::new("Tile").input_tensor(x()).input(&[2], &[1i64, 2]).output();
    assert_iota(&t, DType::Int32, &[2, 6], &[0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5]);
    let t = with_ints("Tile", iota(DType::Int32, &[3, 1, 1]), &[1, 2, 2]).output();
    assert_iota(&t, DType::Int32, &[3, 2, 2], &[0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    assert_iota(&with_ints("Tile", x(), &[0, 3]).output(), DType::Int32, &[0, 9], &[]);
    assert_iota(
        &with_ints("Tile", x(), &[1, 1]).output(),
        DType::Int32,
        &[2, 3],
        &[0, 1, 2, 3, 4, 5],
    );
    assert_iota(&with_ints("Tile", iota(DType::Int32, &[]), &[]).output(), DType::Int32, &[], &[0]);
    let s = with_ints("Tile", string_iota(&[2]), &[2]).output();
    assert_strings(&s, &[4], &[Some(0), Some(1), Some(0), Some(1)]);
}

#[test]
fn tile_errors() {
    let x = || iota(DType::Float32, &[3]);
    with_ints("Tile", x(), &[-1]).expect_error(Code::InvalidArgument, "");
    with_ints("Tile", x(), &[1, 2]).expect_error(Code::InvalidArgument, "");
    OpCase::new("Tile")
        .input_tensor(x())
        .input(&[1, 1], &[2i32])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn broadcast_to_stretches_ones_and_adds_leading_dimensions() {
    for dtype in FLAT {
        let t = with_ints("BroadcastTo", iota(dtype, &[3]), &[2, 3]).output();
        assert_iota(&t, dtype, &[2, 3], &[0, 1, 2, 0, 1, 2]);
    }
    let t = with_ints("BroadcastTo", iota(DType::Int16, &[3, 1]), &[2, 3, 2]).output();
    assert_iota(&t, DType::Int16, &[2, 3, 2], &[0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
    let t = OpCase::new("BroadcastTo")
        .input_tensor(iota(DType::Int16, &[]))
        .input(&[2], &[2i64, 2])
        .output();
    assert_iota(&t, DType::Int16, &[2, 2], &[0, 0, 0, 0]);
    let t = with_ints("BroadcastTo", iota(DType::Int16, &[1]), &[0]).output();
    assert_iota(&t, DType::Int16, &[0], &[]);
    let t = with_ints("BroadcastTo", iota(DType::Int16, &[2]), &[2]).output();
    assert_iota(&t, DType::Int16, &[2], &[0, 1]);
    let s = with_ints("BroadcastTo", string_iota(&[2, 1]), &[2, 2]).output();
    assert_strings(&s, &[2, 2], &[Some(0), Some(0), Some(1), Some(1)]);
}

#[test]
fn broadcast_to_errors() {
    let b =
        |dims: &[usize], shape: &[i32]| with_ints("BroadcastTo", iota(DType::Float32, dims), shape);
    b(&[3], &[2, 2]).expect_error(Code::InvalidArgument, "");
    b(&[3], &[1]).expect_error(Code::InvalidArgument, "");
    b(&[1, 3], &[3]).expect_error(Code::InvalidArgument, "");
    b(&[3], &[-1]).expect_error(Code::InvalidArgument, "");
    // [0] → [1] passes shape inference (0 is not > 1) and fails in the kernel.
    b(&[0], &[1]).expect_error(
        Code::InvalidArgument,
        "Unable to broadcast tensor of shape [0] to tensor of shape [1]",
    );
}
