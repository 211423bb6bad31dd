//! GatherV2 and GatherNd.

use super::{FLAT, any_tensor, assert_any};
use sessionflow_op_tests::core::{AttrValue, Code, DType};
use sessionflow_op_tests::{OpCase, assert_values, tensor};

fn gather(
    params: sessionflow_op_tests::core::Tensor,
    indices: &[usize],
    idx: &[i32],
    axis: i32,
) -> OpCase {
    OpCase::new("GatherV2").input_tensor(params).input(indices, idx).input(&[], &[axis])
}

#[test]
fn gather_rows_of_every_dtype() {
    for dtype in FLAT.into_iter().chain([DType::String]) {
        let params = any_tensor(dtype, &[3, 2], &[1., 2., 3., 4., 5., 6.]);
        let t = gather(params, &[2], &[2, 0], 0).output();
        assert_any(&t, dtype, &[2, 2], &[5., 6., 1., 2.]);
    }
}

#[test]
fn gather_accepts_every_index_and_axis_dtype() {
    let params = || tensor(&[3], &[10f32, 20., 30.]);
    let want = [30f32, 10.];
    let t = OpCase::new("GatherV2")
        .input_tensor(params())
        .input(&[2], &[2i16, 0])
        .input(&[], &[0i64])
        .output();
    assert_values(&t, &[2], &want);
    let t = OpCase::new("GatherV2")
        .input_tensor(params())
        .input(&[2], &[2i64, 0])
        .input(&[], &[0i32])
        .output();
    assert_values(&t, &[2], &want);
}

#[test]
fn gather_along_inner_and_negative_axes() {
    // params [[0,1,2],[3,4,5]], indices [[2],[0]] along axis 1: out[i,j,0] = params[i, idx[j,0]].
    let p = || tensor(&[2, 3], &[0i32, 1, 2, 3, 4, 5]);
    let want = [2, 0, 5, 3];
    assert_values(&gather(p(), &[2, 1], &[2, 0], 1).output(), &[2, 2, 1], &want);
    assert_values(&gather(p(), &[2, 1], &[2, 0], -1).output(), &[2, 2, 1], &want);
    // A scalar index drops the axis.
    assert_values(&gather(p(), &[], &[1], 0).output(), &[3], &[3, 4, 5]);
}

#[test]
fn gather_with_batch_dims() {
    // TF: params = range(12) reshaped [2,3,2], indices [[2,0],[1,1]], axis 1, batch_dims 1.
    let p = || tensor(&[2, 3, 2], &(0..12).map(|v| v as f32).collect::<Vec<_>>());
    let want = [4f32, 5., 0., 1., 8., 9., 8., 9.];
    let case = gather(p(), &[2, 2], &[2, 0, 1, 1], 1).attr_int("batch_dims", 1);
    assert_values(&case.output(), &[2, 2, 2], &want);
    let case = gather(p(), &[2, 2], &[2, 0, 1, 1], -2).attr_int("batch_dims", -1);
    assert_values(&case.output(), &[2, 2, 2], &want);
    // batch_dims equal to the indices' rank: one index per batch (TF: [[4,5],[6,7]]).
    let case = gather(p(), &[2], &[2, 0], 1).attr_int("batch_dims", 1);
    assert_values(&case.output(), &[2, 2], &[4f32, 5., 6., 7.]);
}

#[test]
fn gather_empty_tensors() {
    let p = tensor(&[3, 2], &[1u8, 2, 3, 4, 5, 6]);
    assert_values::<u8>(&gather(p, &[0], &[], 0).output(), &[0, 2], &[]);
    // No element is read, so an out-of-range index is not an error (TF gives shape [1,0]).
    let p = tensor::<f32>(&[2, 0], &[]);
    assert_values::<f32>(&gather(p, &[1], &[5], 0).output(), &[1, 0], &[]);
}

#[test]
fn big_gathers_run_in_parallel_and_agree() {
    // params[r][c] = 1000 r + c for 1000 rows of 50; rows picked 999, 0, 500, 999, 0, 500, ...
    let params: Vec<i32> = (0..1000).flat_map(|r| (0..50).map(move |c| 1000 * r + c)).collect();
    let picks: Vec<i32> = [999, 0, 500].iter().copied().cycle().take(2000).collect();
    let t = gather(tensor(&[1000, 50], &params), &[2000], &picks, 0).output();
    let v = t.as_slice::<i32>().unwrap();
    assert_eq!(t.shape().dims(), &[2000, 50]);
    for (row, &pick) in picks.iter().enumerate() {
        assert_eq!(v[row * 50], 1000 * pick);
        assert_eq!(v[row * 50 + 49], 1000 * pick + 49);
    }
}

#[test]
fn gather_index_errors_name_the_index() {
    let p = || tensor(&[3], &[1f32, 2., 3.]);
    gather(p(), &[2], &[0, 5], 0)
        .expect_error(Code::InvalidArgument, "indices[1] = 5 is not in [0, 3)");
    gather(p(), &[2, 2], &[0, 1, 2, -1], 0)
        .expect_error(Code::InvalidArgument, "indices[1,1] = -1 is not in [0, 3)");
    gather(p(), &[], &[7], 0).expect_error(Code::InvalidArgument, "indices = 7 is not in [0, 3)");
    let empty = tensor::<f32>(&[0, 3], &[]);
    gather(empty, &[1], &[0], 0)
        .expect_error(Code::InvalidArgument, "indices[0] = 0 is not in [0, 0)");
}

#[test]
fn gather_shape_errors() {
    let p = || tensor(&[2, 3, 2], &[0f32; 12]);
    gather(p(), &[2, 2], &[0; 4], 0).attr_int("batch_dims", 1).expect_error(
        Code::InvalidArgument,
        "batch_dims (1) must be less than or equal to axis (0).",
    );
    gather(p(), &[3, 2], &[0; 6], 1).attr_int("batch_dims", 1).expect_error(
        Code::InvalidArgument,
        "params.shape[0]: 2 should be equal to indices.shape[0]: 3",
    );
    gather(p(), &[1], &[0], 3).expect_error(Code::InvalidArgument, "");
    gather(p(), &[1], &[0], -4).expect_error(Code::InvalidArgument, "");
    gather(tensor(&[], &[1f32]), &[1], &[0], 0).expect_error(Code::InvalidArgument, "");
    OpCase::new("GatherV2")
        .input_tensor(p())
        .input(&[1], &[0i32])
        .input(&[1], &[0i32])
        .expect_error(Code::InvalidArgument, "");
}

fn gather_nd(params: sessionflow_op_tests::core::Tensor, indices: &[usize], idx: &[i32]) -> OpCase {
    OpCase::new("GatherNd").input_tensor(params).input(indices, idx)
}

#[test]
fn gather_nd_elements_and_slices_of_every_dtype() {
    for dtype in FLAT.into_iter().chain([DType::String]) {
        let p = any_tensor(dtype, &[2, 3], &[0., 1., 2., 3., 4., 5.]);
        let t = gather_nd(p, &[2, 2], &[1, 2, 0, 0]).output();
        assert_any(&t, dtype, &[2], &[5., 0.]);
    }
    let p = || tensor(&[2, 3], &[0i64, 1, 2, 3, 4, 5]);
    assert_values(&gather_nd(p(), &[1, 1], &[1]).output(), &[1, 3], &[3i64, 4, 5]);
    // Index vectors under a [2,1] prefix.
    assert_values(&gather_nd(p(), &[2, 1, 2], &[0, 1, 1, 0]).output(), &[2, 1], &[1i64, 3]);
    // Empty index vectors take the whole of params each.
    let t = gather_nd(p(), &[2, 0], &[]).output();
    assert_values(&t, &[2, 2, 3], &[0i64, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    let t = OpCase::new("GatherNd").input_tensor(p()).input(&[1, 2], &[1i64, 1]).output();
    assert_values(&t, &[1], &[4i64]);
}

#[test]
fn gather_nd_empty_tensors() {
    let t = gather_nd(tensor::<f32>(&[0, 3], &[]), &[0, 1], &[]).output();
    assert_values::<f32>(&t, &[0, 3], &[]);
    gather_nd(tensor::<f32>(&[0, 3], &[]), &[1, 1], &[0]).expect_error(
        Code::InvalidArgument,
        "Requested more than 0 entries, but params is empty.  Params shape: [0,3]",
    );
}

#[test]
fn gather_nd_errors() {
    let p = || tensor(&[2, 3], &[0f32, 1., 2., 3., 4., 5.]);
    gather_nd(p(), &[2, 2], &[1, 3, 0, 0]).expect_error(
        Code::InvalidArgument,
        "indices[0] = [1, 3] does not index into param shape [2,3], node name: op",
    );
    gather_nd(p(), &[2, 1, 2], &[0, 0, 1, 3]).expect_error(
        Code::InvalidArgument,
        "indices[1,0] = [1, 3] does not index into param shape",
    );
    gather_nd(p(), &[1, 3], &[1, 2, 0]).expect_error(Code::InvalidArgument, "");
    gather_nd(p(), &[], &[1]).expect_error(Code::InvalidArgument, "");
    gather_nd(tensor(&[], &[1f32]), &[2, 0], &[]).expect_error(Code::InvalidArgument, "");
}

#[test]
fn gather_nd_can_ignore_bad_indices() {
    let p = tensor(&[2, 3], &[1f32, 2., 3., 4., 5., 6.]);
    let t = gather_nd(p, &[2, 2], &[1, 3, 0, 1])
        .attr("bad_indices_policy", AttrValue::String("IGNORE".into()))
        .output();
    assert_values(&t, &[2], &[0f32, 2.]);
    let p = tensor(&[2], &[1f32, 2.]);
    gather_nd(p, &[1, 1], &[0])
        .attr("bad_indices_policy", AttrValue::String("FOO".into()))
        .expect_error(Code::InvalidArgument, "bad_indices_policy");
}
