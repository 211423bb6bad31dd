//! The harness itself, on the ops that existed first (Const, Identity, AddV2, Mul, MatMul).

use sessionflow_op_tests::core::{Code, DType};
use sessionflow_op_tests::{
    OpCase, assert_close, assert_values, string_tensor, tensor_of, tolerance,
};

#[test]
fn identity_passes_every_dtype_through() {
    for dtype in DType::NUMERIC {
        let t = OpCase::new("Identity")
            .input_tensor(tensor_of(dtype, &[2, 2], &[1., 2., 3., 4.]))
            .output();
        assert_close(&t, dtype, &[2, 2], &[1., 2., 3., 4.], 0.0);
    }
    let s = OpCase::new("Identity").input_tensor(string_tensor(&[2], &["a", "bc"])).output();
    assert_eq!(s.as_strings().unwrap(), [b"a".to_vec(), b"bc".to_vec()]);
}

#[test]
fn mul_broadcasts_for_every_numeric_dtype() {
    for dtype in DType::NUMERIC {
        // [[1,2,3],[4,5,6]] * [2,0,1] = [[2,0,3],[8,0,6]]
        let t = OpCase::new("Mul")
            .input_tensor(tensor_of(dtype, &[2, 3], &[1., 2., 3., 4., 5., 6.]))
            .input_tensor(tensor_of(dtype, &[3], &[2., 0., 1.]))
            .output();
        assert_close(&t, dtype, &[2, 3], &[2., 0., 3., 8., 0., 6.], tolerance(dtype));
    }
}

#[test]
fn add_wraps_integers_like_tensorflow() {
    let t = OpCase::new("AddV2").input(&[2], &[127i8, -128]).input(&[2], &[1i8, -1]).output();
    assert_values(&t, &[2], &[-128i8, 127]);
}

#[test]
fn incompatible_shapes_fail_in_every_mode() {
    OpCase::new("AddV2")
        .input(&[2, 3], &[0f32; 6])
        .input(&[4], &[0f32; 4])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn matmul_of_empty_inner_dimension_is_zeros() {
    let t = OpCase::new("MatMul").input(&[2, 0], &[0f32; 0]).input(&[0, 3], &[0f32; 0]).output();
    assert_values(&t, &[2, 3], &[0f32; 6]);
}

#[test]
fn identity_n_forwards_a_list_of_mixed_dtypes() {
    let outs = OpCase::new("IdentityN")
        .input(&[2], &[1.5f32, -2.0])
        .input(&[], &[7i64])
        .input_tensor(string_tensor(&[1], &["s"]))
        .outputs();
    assert_eq!(outs.len(), 3);
    assert_values(&outs[0], &[2], &[1.5f32, -2.0]);
    assert_values(&outs[1], &[], &[7i64]);
    assert_eq!(outs[2].as_strings().unwrap(), [b"s".to_vec()]);
}
