//! AddN: the sum of N same-shaped tensors.

use super::{NUMERIC, assert_unsupported};
use sessionflow_op_tests::core::{Code, DType};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor_of, tolerance};

#[test]
fn add_n_sums_every_numeric_dtype() {
    for dtype in NUMERIC {
        let t = OpCase::new("AddN")
            .input_tensor(tensor_of(dtype, &[2, 2], &[1., 2., 3., 4.]))
            .input_tensor(tensor_of(dtype, &[2, 2], &[5., 6., 7., 8.]))
            .input_tensor(tensor_of(dtype, &[2, 2], &[0., 10., 20., 1.]))
            .output();
        assert_close(&t, dtype, &[2, 2], &[6., 18., 30., 13.], tolerance(dtype));
    }
}

#[test]
fn add_n_of_one_input_is_that_input_and_integers_wrap() {
    let t = OpCase::new("AddN").input(&[3], &[1.5f64, -2., 0.]).output();
    assert_values(&t, &[3], &[1.5f64, -2., 0.]);
    let t = OpCase::new("AddN").input(&[1], &[100i8]).input(&[1], &[100i8]).output();
    assert_values(&t, &[1], &[-56i8]);
    let t = OpCase::new("AddN").input(&[0, 2], &[0f32; 0]).input(&[0, 2], &[0f32; 0]).output();
    assert_values(&t, &[0, 2], &[0f32; 0]);
    let t = OpCase::new("AddN")
        .input(&[2], &[f32::INFINITY, 1.])
        .input(&[2], &[f32::NEG_INFINITY, f32::NAN])
        .output();
    assert!(t.as_slice::<f32>().unwrap().iter().all(|v| v.is_nan()));
}

#[test]
fn add_n_sums_long_inputs_in_chunks() {
    let n = 50_000;
    let inputs: Vec<Vec<i64>> =
        (0..5).map(|k| (0..n).map(|i| i * (k + 1) - 7 * k).collect()).collect();
    let mut case = OpCase::new("AddN");
    for input in &inputs {
        case = case.input(&[n as usize], input);
    }
    // Σ_k (i (k+1) - 7k) for k = 0..5 = 15 i - 70.
    let want: Vec<i64> = (0..n).map(|i| 15 * i - 70).collect();
    assert_values(&case.output(), &[n as usize], &want);
}

#[test]
fn add_n_rejects_different_shapes_and_dtypes() {
    OpCase::new("AddN")
        .input(&[2], &[1f32, 2.])
        .input(&[1], &[3f32])
        .expect_error(Code::InvalidArgument, "must be equal");
    // Same size, different shape: only the kernel can tell when shapes are unknown.
    OpCase::new("AddN")
        .input(&[2, 1], &[1f32, 2.])
        .input(&[1, 2], &[3f32, 4.])
        .expect_error(Code::InvalidArgument, "must be equal");
    OpCase::new("AddN")
        .input(&[1], &[1f32])
        .input(&[1], &[1f64])
        .expect_error(Code::InvalidArgument, "does not match");
    assert_unsupported("AddN", DType::Bool, 2);
    assert_unsupported("AddN", DType::String, 2);
}

#[test]
fn add_n_kernel_names_the_node_and_both_shapes() {
    // With unknown static shapes only the kernel sees the mismatch; its message is TensorFlow's.
    use sessionflow_op_tests::InputMode;
    let err = OpCase::new("AddN")
        .input(&[2], &[1i32, 2])
        .input(&[3], &[1i32, 2, 3])
        .run_mode(InputMode::FedUnknownShape)
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert!(
        err.message.contains(
            "Inputs to operation op of type AddN must have the same size and shape.  Input 0: [2] != input 1: [3]"
        ),
        "{}",
        err.message
    );
}
