//! `SpaceToBatchND` and `BatchToSpaceND`. Expected values were computed with TensorFlow 2.21.

use sessionflow_op_tests::core::{Code, DType};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor_of};

fn iota(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64).collect()
}

fn case(op: &str, x: (&[usize], &[f64]), block: &[i32], pads: &[i32]) -> OpCase {
    OpCase::new(op)
        .input_tensor(tensor_of(DType::Float32, x.0, x.1))
        .input(&[block.len()], block)
        .input(&[block.len(), 2], pads)
}

/// `SpaceToBatchND(iota([2,3,4,1]), [2,2], [[1,0],[0,2]])`.
const SPACE_TO_BATCH: [f64; 48] = [
    0.0, 0.0, 0.0, 4.0, 6.0, 0.0, 0.0, 0.0, 0.0, 16.0, 18.0, 0.0, 0.0, 0.0, 0.0, 5.0, 7.0, 0.0,
    0.0, 0.0, 0.0, 17.0, 19.0, 0.0, 0.0, 2.0, 0.0, 8.0, 10.0, 0.0, 12.0, 14.0, 0.0, 20.0, 22.0,
    0.0, 1.0, 3.0, 0.0, 9.0, 11.0, 0.0, 13.0, 15.0, 0.0, 21.0, 23.0, 0.0,
];

#[test]
fn space_to_batch_pads_then_moves_blocks_into_the_batch() {
    let x = iota(24);
    let out = case("SpaceToBatchND", (&[2, 3, 4, 1], &x), &[2, 2], &[1, 0, 0, 2]).output();
    assert_close(&out, DType::Float32, &[8, 2, 3, 1], &SPACE_TO_BATCH, 0.0);
    // And back: BatchToSpaceND with the paddings as crops is the inverse.
    let back =
        case("BatchToSpaceND", (&[8, 2, 3, 1], &SPACE_TO_BATCH), &[2, 2], &[1, 0, 0, 2]).output();
    assert_close(&back, DType::Float32, &[2, 3, 4, 1], &x, 0.0);
}

#[test]
fn batch_to_space_crops_and_keeps_trailing_dims() {
    let out = case("BatchToSpaceND", (&[4, 2, 2, 3], &iota(48)), &[2, 2], &[0, 1, 1, 0]).output();
    let want = [
        12.0, 13.0, 14.0, 3.0, 4.0, 5.0, 15.0, 16.0, 17.0, 36.0, 37.0, 38.0, 27.0, 28.0, 29.0,
        39.0, 40.0, 41.0, 18.0, 19.0, 20.0, 9.0, 10.0, 11.0, 21.0, 22.0, 23.0,
    ];
    assert_close(&out, DType::Float32, &[1, 3, 3, 3], &want, 0.0);
}

#[test]
fn one_block_dim_with_int_values_and_int64_paddings() {
    let x: Vec<i32> = (0..12).collect();
    let out = OpCase::new("SpaceToBatchND")
        .input(&[1, 4, 3], &x)
        .input(&[1], &[2i64])
        .input(&[1, 2], &[0i64, 2])
        .output();
    assert_values(&out, &[2, 3, 3], &[0, 1, 2, 6, 7, 8, 0, 0, 0, 3, 4, 5, 9, 10, 11, 0, 0, 0]);
}

#[test]
fn bad_blocks_and_paddings_are_refused() {
    let x = iota(24);
    // 3 + 1 + 1 = 5 rows do not split into blocks of 2.
    case("SpaceToBatchND", (&[2, 3, 4, 1], &x), &[2, 2], &[1, 1, 0, 0])
        .expect_error(Code::InvalidArgument, "divisible");
    case("SpaceToBatchND", (&[2, 3, 4, 1], &x), &[0, 2], &[0, 1, 0, 0])
        .expect_error(Code::InvalidArgument, "");
    case("SpaceToBatchND", (&[2, 3, 4, 1], &x), &[1, 2], &[0, -1, 0, 0])
        .expect_error(Code::InvalidArgument, "");
    // A batch of 2 does not hold blocks of 4.
    case("BatchToSpaceND", (&[2, 3, 4, 1], &x), &[2, 2], &[0, 0, 0, 0])
        .expect_error(Code::InvalidArgument, "divisible");
    // Crops larger than the block dim.
    case("BatchToSpaceND", (&[4, 1, 1, 6], &x), &[2, 2], &[2, 1, 0, 0])
        .expect_error(Code::InvalidArgument, "");
}
