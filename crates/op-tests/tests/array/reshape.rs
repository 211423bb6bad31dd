//! Reshape, ExpandDims, Squeeze.

use super::{FLAT, assert_iota, assert_strings, iota, string_iota};
use sessionflow_op_tests::core::Code;
use sessionflow_op_tests::{OpCase, assert_values};

fn reshape(x: sessionflow_op_tests::core::Tensor, shape: &[i32]) -> OpCase {
    OpCase::new("Reshape").input_tensor(x).input(&[shape.len()], shape)
}

#[test]
fn reshape_keeps_the_elements_of_every_dtype_in_order() {
    for dtype in FLAT {
        let t = reshape(iota(dtype, &[2, 3]), &[3, 2]).output();
        assert_iota(&t, dtype, &[3, 2], &[0, 1, 2, 3, 4, 5]);
    }
    let s = reshape(string_iota(&[2, 3]), &[6]).output();
    assert_strings(&s, &[6], &[0, 1, 2, 3, 4, 5].map(Some));
}

#[test]
fn reshape_infers_one_minus_one() {
    let t = reshape(iota(sessionflow_op_tests::core::DType::Float32, &[2, 3]), &[-1, 2]).output();
    assert_values(&t, &[3, 2], &[0f32, 1., 2., 3., 4., 5.]);
    // int64 shape; a -1 alone flattens.
    let t = OpCase::new("Reshape").input(&[2, 2], &[1i8, 2, 3, 4]).input(&[1], &[-1i64]).output();
    assert_values(&t, &[4], &[1i8, 2, 3, 4]);
    // To and from scalars.
    let t = OpCase::new("Reshape").input(&[1, 1], &[7i32]).input(&[0], &[0i32; 0]).output();
    assert_values(&t, &[], &[7i32]);
}

#[test]
fn reshape_of_empty_tensors_infers_around_the_zero() {
    // TF: tf.reshape(tf.zeros([0, 3]), [0, -1]).shape == (0, 3)
    let t = OpCase::new("Reshape").input(&[0, 3], &[0f32; 0]).input(&[2], &[0i32, -1]).output();
    assert_values(&t, &[0, 3], &[0f32; 0]);
    let t = OpCase::new("Reshape").input(&[2, 0], &[0u8; 0]).input(&[3], &[0i32, 5, 7]).output();
    assert_values(&t, &[0, 5, 7], &[0u8; 0]);
}

#[test]
fn reshape_errors() {
    let x = || iota(sessionflow_op_tests::core::DType::Float32, &[3]);
    // Build time says "Cannot reshape a tensor with 3 elements…", run time "Input to reshape…".
    reshape(x(), &[2, 2]).expect_error(Code::InvalidArgument, "reshape a tensor with 3");
    reshape(x(), &[2, -1]).expect_error(Code::InvalidArgument, "evenly divisible by 2 but is 3");
    reshape(x(), &[-1, -1])
        .expect_error(Code::InvalidArgument, "Only one input size may be -1, not both 0 and 1");
    reshape(x(), &[-2, 3])
        .expect_error(Code::InvalidArgument, "Size 0 must be non-negative, not -2");
    OpCase::new("Reshape")
        .input_tensor(x())
        .input(&[1, 1], &[3i32])
        .expect_error(Code::InvalidArgument, "rank 1");
}

#[test]
fn expand_dims_inserts_a_one_at_any_position() {
    for (dim, dims) in
        [(0, [1, 2, 3]), (1, [2, 1, 3]), (2, [2, 3, 1]), (-1, [2, 3, 1]), (-3, [1, 2, 3])]
    {
        let t = OpCase::new("ExpandDims")
            .input_tensor(iota(sessionflow_op_tests::core::DType::Int16, &[2, 3]))
            .input(&[], &[dim])
            .output();
        assert_iota(&t, sessionflow_op_tests::core::DType::Int16, &dims, &[0, 1, 2, 3, 4, 5]);
    }
    for dtype in FLAT {
        let t =
            OpCase::new("ExpandDims").input_tensor(iota(dtype, &[])).input(&[], &[0i64]).output();
        assert_iota(&t, dtype, &[1], &[0]);
    }
    let t = OpCase::new("ExpandDims").input(&[0, 2], &[0u8; 0]).input(&[], &[-2i32]).output();
    assert_values(&t, &[0, 1, 2], &[0u8; 0]);
    let s = OpCase::new("ExpandDims").input_tensor(string_iota(&[2])).input(&[1], &[1i32]).output();
    assert_strings(&s, &[2, 1], &[Some(0), Some(1)]);
}

#[test]
fn expand_dims_errors() {
    let x = || iota(sessionflow_op_tests::core::DType::Float32, &[2, 3]);
    OpCase::new("ExpandDims")
        .input_tensor(x())
        .input(&[], &[3i32])
        .expect_error(Code::InvalidArgument, "");
    OpCase::new("ExpandDims")
        .input_tensor(x())
        .input(&[], &[-4i32])
        .expect_error(Code::InvalidArgument, "dim -4 not in the interval [-3, 2]");
    OpCase::new("ExpandDims")
        .input_tensor(x())
        .input(&[2], &[0i32, 1])
        .expect_error(Code::InvalidArgument, "'dim' input must be a tensor with a single value");
}

fn squeeze(x: sessionflow_op_tests::core::Tensor, dims: &[i64]) -> OpCase {
    OpCase::new("Squeeze").input_tensor(x).attr_ints("squeeze_dims", dims)
}

#[test]
fn squeeze_removes_ones() {
    use sessionflow_op_tests::core::DType;
    for dtype in FLAT {
        let t = squeeze(iota(dtype, &[1, 2, 1, 3, 1]), &[]).output();
        assert_iota(&t, dtype, &[2, 3], &[0, 1, 2, 3, 4, 5]);
    }
    let t = squeeze(iota(DType::Float64, &[1, 2, 1, 3, 1]), &[2, -1]).output();
    assert_iota(&t, DType::Float64, &[1, 2, 3], &[0, 1, 2, 3, 4, 5]);
    // The same axis twice (once negative) is squeezed once, as in TensorFlow.
    let t = squeeze(iota(DType::Float32, &[2, 1]), &[1, -1]).output();
    assert_iota(&t, DType::Float32, &[2], &[0, 1]);
    let t = squeeze(iota(DType::Int32, &[1, 1]), &[]).output();
    assert_iota(&t, DType::Int32, &[], &[0]);
    let t = squeeze(iota(DType::Int32, &[0, 1]), &[]).output();
    assert_iota(&t, DType::Int32, &[0], &[]);
    let s = squeeze(string_iota(&[1, 2]), &[0]).output();
    assert_strings(&s, &[2], &[Some(0), Some(1)]);
}

#[test]
fn squeeze_errors() {
    use sessionflow_op_tests::core::DType;
    squeeze(iota(DType::Float32, &[2, 1]), &[0]).expect_error(
        Code::InvalidArgument,
        "Can not squeeze dim[0], expected a dimension of 1, got 2",
    );
    // Build time: "squeeze_dims[0] not in [-2, 2)."; run time: "Tried to squeeze dim index 2…".
    squeeze(iota(DType::Float32, &[2, 1]), &[2]).expect_error(Code::InvalidArgument, "2");
}
