//! ScatterNd.

use super::{FLAT, any_tensor, assert_any, strings};
use sessionflow_op_tests::core::{AttrValue, Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_values, string_tensor, tensor};

fn scatter(indices: &[usize], idx: &[i32], updates: Tensor, shape: &[i32]) -> OpCase {
    OpCase::new("ScatterNd").input(indices, idx).input_tensor(updates).input(&[shape.len()], shape)
}

#[test]
fn duplicates_accumulate_for_every_numeric_dtype() {
    for dtype in FLAT.into_iter().filter(|&d| d != DType::Bool) {
        let t = scatter(&[3, 1], &[1, 1, 3], any_tensor(dtype, &[3], &[1., 2., 3.]), &[5]).output();
        assert_any(&t, dtype, &[5], &[0., 3., 0., 3., 0.]);
    }
    // Integers wrap: 100 + 100 in int8.
    let t = scatter(&[2, 1], &[0, 0], tensor(&[2], &[100i8, 100]), &[1]).output();
    assert_values(&t, &[1], &[-56i8]);
}

#[test]
fn bools_are_ored_and_strings_concatenated() {
    let t = scatter(&[3, 1], &[1, 1, 3], tensor(&[3], &[true, false, false]), &[5]).output();
    assert_values(&t, &[5], &[false, true, false, false, false]);
    let t = scatter(&[3, 1], &[1, 1, 3], string_tensor(&[3], &["a", "b", "c"]), &[5]).output();
    assert_eq!(strings(&t), ["", "ab", "", "c", ""]);
}

#[test]
fn slices_and_int64_indices() {
    let upd = || tensor(&[2, 2], &[1f32, 2., 3., 4.]);
    let t = scatter(&[2, 1], &[1, 0], upd(), &[3, 2]).output();
    assert_values(&t, &[3, 2], &[3f32, 4., 1., 2., 0., 0.]);
    let t = OpCase::new("ScatterNd")
        .input(&[2, 2], &[0i64, 1, 2, 0])
        .input(&[2], &[7f64, 8.])
        .input(&[2], &[3i64, 2])
        .output();
    assert_values(&t, &[3, 2], &[0f64, 7., 0., 0., 8., 0.]);
}

#[test]
fn empty_scatters() {
    let t = scatter(&[0, 1], &[], tensor::<f32>(&[0], &[]), &[0]).output();
    assert_values::<f32>(&t, &[0], &[]);
    let t = scatter(&[0, 1], &[], tensor::<f32>(&[0], &[]), &[3]).output();
    assert_values(&t, &[3], &[0f32; 3]);
    let t = scatter(&[0, 1], &[], tensor::<f32>(&[0, 0], &[]), &[3, 0]).output();
    assert_values::<f32>(&t, &[3, 0], &[]);
}

#[test]
fn scatter_errors() {
    let upd = |v: &[f32]| tensor(&[v.len()], v);
    scatter(&[2, 1], &[1, 7], upd(&[1., 2.]), &[5])
        .expect_error(Code::InvalidArgument, "indices[1] = [7] does not index into shape [5]");
    scatter(&[1, 2, 1], &[1, 7], tensor(&[1, 2], &[1f32, 2.]), &[5])
        .expect_error(Code::InvalidArgument, "indices[0,1] = [7] does not index into shape [5]");
    scatter(&[1, 1], &[1], upd(&[1.]), &[-5]).expect_error(Code::InvalidArgument, "");
    scatter(&[2, 1], &[1, 2], upd(&[1., 2., 3.]), &[5])
        .expect_error(Code::InvalidArgument, "must match dimensions [0,1) of updates");
    scatter(&[2, 1], &[1, 2], tensor(&[2, 3], &[0f32; 6]), &[5, 2])
        .expect_error(Code::InvalidArgument, "Dimensions [1,2) of input[shape=[5,2]] must match");
    scatter(&[1, 2], &[1, 1], upd(&[1.]), &[3])
        .expect_error(Code::InvalidArgument, "Dimensions [2,1) of input[shape=[3]]");
    scatter(&[1, 1], &[0], upd(&[1.]), &[0]).expect_error(Code::InvalidArgument, "empty");
    scatter(&[1, 1], &[1], tensor(&[], &[1f32]), &[3]).expect_error(Code::InvalidArgument, "");
    scatter(&[], &[1], tensor(&[], &[1f32]), &[3]).expect_error(Code::InvalidArgument, "");
    // Empty index vectors with updates: TF's "specified for empty output shape".
    scatter(&[2, 0], &[], tensor(&[2, 2], &[1f32; 4]), &[2]).expect_error(
        Code::InvalidArgument,
        "Indices and updates specified for empty output shape",
    );
}

#[test]
fn scatter_can_ignore_bad_indices() {
    let t = scatter(&[2, 1], &[1, 9], tensor(&[2], &[5f32, 6.]), &[3])
        .attr("bad_indices_policy", AttrValue::String("IGNORE".into()))
        .output();
    assert_values(&t, &[3], &[0f32, 5., 0.]);
}
