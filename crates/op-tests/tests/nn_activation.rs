//! Activations, softmax, BiasAdd and losses. Expected values were computed with TensorFlow
//! 2.21 (`tf.raw_ops`, CPU) and written here as literals.

// Expected values are TensorFlow's printouts, kept digit for digit.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

#[path = "nn_activation/losses.rs"]
mod losses;

use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{
    InputMode, OpCase, assert_close, assert_values, tensor, tensor_of, tolerance,
};

const FLOATS: [DType; 4] = [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16];
const XS: [f64; 10] = [-3., -1., -0.5, 0., 0.5, 1., 6., 7., 30., -30.];

fn unary(op: &str, x: Tensor) -> OpCase {
    OpCase::new(op).input_tensor(x)
}

#[test]
fn relu_and_relu6_for_every_real_dtype() {
    for dtype in FLOATS {
        let t = unary("Relu", tensor_of(dtype, &[10], &XS)).output();
        assert_close(&t, dtype, &[10], &[0., 0., 0., 0., 0.5, 1., 6., 7., 30., 0.], 0.0);
        let t = unary("Relu6", tensor_of(dtype, &[2, 5], &XS)).output();
        assert_close(&t, dtype, &[2, 5], &[0., 0., 0., 0., 0.5, 1., 6., 6., 6., 0.], 0.0);
    }
    for dtype in [DType::Int8, DType::Int16, DType::Int32, DType::Int64] {
        let x = || tensor_of(dtype, &[5], &[-3., 0., 3., 6., 9.]);
        assert_close(&unary("Relu", x()).output(), dtype, &[5], &[0., 0., 3., 6., 9.], 0.0);
        assert_close(&unary("Relu6", x()).output(), dtype, &[5], &[0., 0., 3., 6., 6.], 0.0);
    }
    let t = unary("Relu6", tensor(&[3], &[0u8, 5, 200])).output();
    assert_values(&t, &[3], &[0u8, 5, 6]);
    OpCase::new("Relu")
        .input(&[1], &[true])
        .expect_error(Code::InvalidArgument, "not in the list of allowed values");
}

#[test]
fn relu_keeps_nan_and_negative_zero() {
    let t = unary("Relu", tensor(&[2], &[f32::NAN, -0.0])).output();
    let v = t.as_slice::<f32>().unwrap();
    assert!(v[0].is_nan() && v[1] == 0.0 && v[1].is_sign_negative());
    let t = unary("Relu6", tensor(&[1], &[f64::NAN])).output();
    assert!(t.as_slice::<f64>().unwrap()[0].is_nan());
}

#[test]
fn elu_and_selu() {
    let x = || tensor(&[10], &XS);
    let elu = [
        -0.950212931632136,
        -0.6321205588285577,
        -0.3934693402873666,
        0.,
        0.5,
        1.,
        6.,
        7.,
        30.,
        -0.9999999999999064,
    ];
    assert_close(&unary("Elu", x()).output(), DType::Float64, &[10], &elu, 1e-15);
    let selu = [
        -1.670568728767112,
        -1.1113307378125628,
        -0.6917581878028713,
        0.,
        0.5253504936777402,
        1.0507009873554805,
        6.304205924132883,
        7.354906911488364,
        31.521029620664414,
        -1.7580993408472123,
    ];
    assert_close(&unary("Selu", x()).output(), DType::Float64, &[10], &selu, 1e-15);
    // TensorFlow computes exp(x) − 1, not expm1: visible near 0.
    let tiny = || tensor(&[3], &[-1e-10f64, -1e-5, -0.5]);
    let want = [-1.000000082740371e-10, -9.999950000172397e-06, -0.3934693402873666];
    assert_close(&unary("Elu", tiny()).output(), DType::Float64, &[3], &want, 1e-15);
    let want = [-1.7580994863131687e-10, -1.7580905503809817e-05, -0.6917581878028713];
    assert_close(&unary("Selu", tiny()).output(), DType::Float64, &[3], &want, 1e-15);
    let t = unary("Elu", tensor_of(DType::Float16, &[3], &[-5., -0.001, 0.5])).output();
    assert_close(&t, DType::Float16, &[3], &[-0.9931640625, -0.0009765625, 0.5], 0.0);
    let t = unary("Selu", tensor(&[4], &[-5f32, -0.001, 0.5, 2.])).output();
    let want =
        [-1.7462533712387085, -0.0017572384094819427, 0.5253505110740662, 2.1014020442962646];
    assert_close(&t, DType::Float32, &[4], &want, 1e-7);
    let t = unary("Elu", tensor_of(DType::BFloat16, &[2], &[-1., 2.])).output();
    assert_close(&t, DType::BFloat16, &[2], &[-0.6321205588285577, 2.], tolerance(DType::BFloat16));
    unary("Elu", tensor(&[1], &[1i32])).expect_error(Code::InvalidArgument, "allowed values");
}

#[test]
fn leaky_relu_scales_negatives_by_a_float32_alpha() {
    let x = || tensor(&[10], &XS);
    let t = unary("LeakyRelu", x()).attr_float("alpha", 0.1).output();
    let want = [
        -0.30000000447034836,
        -0.10000000149011612,
        -0.05000000074505806,
        0.,
        0.5,
        1.,
        6.,
        7.,
        30.,
        -3.0000000447034836,
    ];
    assert_close(&t, DType::Float64, &[10], &want, 1e-16);
    // alpha > 1 still selects (x > 0 ? x : alpha·x).
    let t = unary("LeakyRelu", x()).attr_float("alpha", 2.0).output();
    assert_close(&t, DType::Float64, &[10], &[-6., -2., -1., 0., 0.5, 1., 6., 7., 30., -60.], 0.0);
    // The default alpha is 0.2.
    let t = unary("LeakyRelu", tensor(&[2], &[-1f32, 1.])).output();
    assert_values(&t, &[2], &[-0.2f32, 1.]);
    let t = unary("LeakyRelu", tensor_of(DType::Float16, &[4], &[-5., -0.001, 0.5, 2.]))
        .attr_float("alpha", 0.3)
        .output();
    assert_close(&t, DType::Float16, &[4], &[-1.5, -0.0003001689910888672, 0.5, 2.], 0.0);
    let t = unary("LeakyRelu", tensor_of(DType::BFloat16, &[2], &[-2., 3.])).output();
    assert_close(&t, DType::BFloat16, &[2], &[-0.4, 3.], tolerance(DType::BFloat16));
}

#[test]
fn softplus_is_stable_at_both_ends() {
    let mut x = XS.to_vec();
    x.extend([100., -100., 1000.]);
    let t = unary("Softplus", tensor(&[13], &x)).output();
    let want = [
        4.8587351573742055e-02,
        3.1326168751822281e-01,
        4.7407698418010669e-01,
        6.9314718055994529e-01,
        9.7407698418010669e-01,
        1.3132616875182228e+00,
        6.0024756851377301e+00,
        7.0009114664537746e+00,
        3.0000000000000089e+01,
        9.3576229688397368e-14,
        1.0000000000000000e+02,
        3.7200759760208356e-44,
        1000.,
    ];
    assert_close(&t, DType::Float64, &[13], &want, 1e-15);
    let t = unary("Softplus", tensor(&[7], &[-100f32, -20., -15., 0., 15., 20., 100.])).output();
    let want = [0., 2.0611537e-09, 3.0590232e-07, 0.69314718, 15., 20., 100.];
    assert_close(&t, DType::Float32, &[7], &want, 1e-7);
    let t = unary("Softplus", tensor(&[5], &[-13f32, -14., -1e-3, 13., 14.])).output();
    let want =
        [2.260326937175705e-06, 8.315287232107949e-07, 0.6926472783088684, 13.000001907348633, 14.];
    assert_close(&t, DType::Float32, &[5], &want, 1e-7);
    let t = unary("Softplus", tensor_of(DType::BFloat16, &[5], &[-3., -2., 0.5, 2., 3.])).output();
    let want = [0.0498046875, 0.126953125, 0.97265625, 2.125, 3.0];
    assert_close(&t, DType::BFloat16, &[5], &want, 0.0);
    let t = unary("Softplus", tensor_of(DType::Float16, &[5], &[-5., -4., 0.5, 4., 5.])).output();
    let want = [0.0067138671875, 0.0181427001953125, 0.97412109375, 4.01953125, 5.0078125];
    assert_close(&t, DType::Float16, &[5], &want, 0.0);
}

#[test]
fn large_activations_run_in_parallel() {
    let x: Vec<f32> = (0..100_000).map(|i| i as f32 - 50_000.).collect();
    let t = unary("Relu", tensor(&[100_000], &x)).output();
    let v = t.as_slice::<f32>().unwrap();
    assert_eq!((v[0], v[50_000], v[99_999]), (0., 0., 49_999.));
}

fn softmax(op: &str, x: Tensor) -> Tensor {
    OpCase::new(op).input_tensor(x).output()
}

#[test]
fn softmax_and_log_softmax_over_the_last_axis() {
    let x = || tensor(&[2, 3], &[1f64, 2., 3., 1000., 1000., -1000.]);
    let want = [0.09003057317038046, 0.2447284710547976, 0.6652409557748219, 0.5, 0.5, 0.];
    assert_close(&softmax("Softmax", x()), DType::Float64, &[2, 3], &want, 1e-15);
    let want = [
        -2.4076059644443806,
        -1.4076059644443804,
        -0.40760596444438041,
        -0.69314718055994529,
        -0.69314718055994529,
        -2000.6931471805599,
    ];
    assert_close(&softmax("LogSoftmax", x()), DType::Float64, &[2, 3], &want, 1e-15);
    let t = softmax("Softmax", tensor(&[2, 1, 2], &[1f64, 2., 3., 3.]));
    let want = [0.2689414213699951, 0.7310585786300049, 0.5, 0.5];
    assert_close(&t, DType::Float64, &[2, 1, 2], &want, 1e-15);
    assert_values(&softmax("Softmax", tensor(&[4], &[0f64; 4])), &[4], &[0.25; 4]);
    let t = softmax("LogSoftmax", tensor(&[1, 4], &[1f32, 2., 3., 4.]));
    let want = [-3.4401895999908447, -2.4401895999908447, -1.4401897192001343, -0.4401896893978119];
    assert_close(&t, DType::Float32, &[1, 4], &want, 1e-7);
    for dtype in FLOATS {
        let t = softmax("Softmax", tensor_of(dtype, &[1, 4], &[1., 2., 3., 4.]));
        let want =
            [0.032058603280084995, 0.08714431874203257, 0.23688281808991013, 0.6439142598879722];
        assert_close(&t, dtype, &[1, 4], &want, tolerance(dtype));
    }
    assert_values(&softmax("Softmax", tensor(&[2, 0], &[0f32; 0])), &[2, 0], &[0f32; 0]);
    assert_values(&softmax("LogSoftmax", tensor(&[0, 3], &[0f32; 0])), &[0, 3], &[0f32; 0]);
}

#[test]
fn softmax_of_infinities_is_nan_like_tensorflow() {
    let inf = f64::INFINITY;
    let t = softmax("Softmax", tensor(&[3, 2], &[inf, 1., -inf, -inf, f64::NAN, 1.]));
    assert!(t.as_slice::<f64>().unwrap().iter().all(|v| v.is_nan()));
}

#[test]
fn softmax_of_many_rows() {
    // 20000 rows of [0, ln 3]: softmax [0.25, 0.75] each.
    let x: Vec<f64> = (0..40_000).map(|i| if i % 2 == 0 { 0. } else { 3f64.ln() }).collect();
    let t = softmax("Softmax", tensor(&[20_000, 2], &x));
    let v = t.as_slice::<f64>().unwrap();
    assert!((v[0] - 0.25).abs() < 1e-15 && (v[39_999] - 0.75).abs() < 1e-15);
}

#[test]
fn softmax_needs_a_dimension() {
    OpCase::new("Softmax").input(&[], &[1f32]).expect_error(Code::InvalidArgument, "rank");
    let e = OpCase::new("LogSoftmax").input(&[], &[1f32]).run_mode(InputMode::FedUnknownShape);
    assert!(e.unwrap_err().message.contains("logits must have >= 1 dimension, got []"));
}

fn bias_add(x: Tensor, b: Tensor, format: &str) -> OpCase {
    OpCase::new("BiasAdd").input_tensor(x).input_tensor(b).attr_str("data_format", format)
}

#[test]
fn bias_add_in_both_layouts_and_every_dtype() {
    for dtype in DType::NUMERIC {
        let x = tensor_of(dtype, &[2, 3], &[1., 2., 3., 4., 5., 6.]);
        let t = bias_add(x, tensor_of(dtype, &[3], &[10., 20., 30.]), "NHWC").output();
        assert_close(&t, dtype, &[2, 3], &[11., 22., 33., 14., 25., 36.], tolerance(dtype));
    }
    let range = |dims: &[usize]| {
        let n: usize = dims.iter().product();
        tensor(dims, &(0..n as i32).collect::<Vec<_>>())
    };
    let bias = || tensor(&[2], &[10i32, 20]);
    let t = bias_add(range(&[1, 2, 2, 2]), bias(), "NCHW").output();
    assert_values(&t, &[1, 2, 2, 2], &[10i32, 11, 12, 13, 24, 25, 26, 27]);
    let t = bias_add(range(&[2, 2, 2]), bias(), "NCHW").output();
    assert_values(&t, &[2, 2, 2], &[10i32, 11, 22, 23, 14, 15, 26, 27]);
    let t = bias_add(range(&[1, 2, 2, 2, 2]), bias(), "NCHW").output();
    let want = [10i32, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31, 32, 33, 34, 35];
    assert_values(&t, &[1, 2, 2, 2, 2], &want);
    // Rank 2 with NCHW fails shape inference, but TensorFlow's kernel adds along dimension 1.
    let t = bias_add(range(&[2, 2]), bias(), "NCHW").run_mode(InputMode::FedUnknownShape).unwrap();
    assert_values(&t[0], &[2, 2], &[10i32, 21, 12, 23]);
    let t = OpCase::new("BiasAdd").input(&[1, 1], &[250u8]).input(&[1], &[10u8]).output();
    assert_values(&t, &[1, 1], &[4u8]);
    let t = bias_add(tensor(&[0, 3], &[0f32; 0]), tensor(&[3], &[0f32; 3]), "NHWC").output();
    assert_values(&t, &[0, 3], &[0f32; 0]);
    let big = bias_add(
        tensor(&[20_000, 4], &vec![1f32; 80_000]),
        tensor(&[4], &[0f32, 1., 2., 3.]),
        "NHWC",
    )
    .output();
    assert_eq!(&big.as_slice::<f32>().unwrap()[79_996..], &[1., 2., 3., 4.]);
    let big =
        bias_add(tensor(&[2, 2, 20_000], &vec![1f32; 80_000]), tensor(&[2], &[5f32, 7.]), "NCHW")
            .output();
    let v = big.as_slice::<f32>().unwrap();
    assert_eq!((v[0], v[20_000], v[40_000], v[79_999]), (6., 8., 6., 8.));
}

#[test]
fn bias_add_errors() {
    let case = |x: &[usize], b: &[usize], format: &str| {
        let zeros = |d: &[usize]| tensor(d, &vec![0f32; d.iter().product()]);
        bias_add(zeros(x), zeros(b), format)
    };
    case(&[2], &[2], "NHWC").expect_error(Code::InvalidArgument, "rank");
    case(&[1, 2], &[3], "NHWC").expect_error(Code::InvalidArgument, "");
    case(&[1, 2], &[1, 2], "NHWC").expect_error(Code::InvalidArgument, "rank 1");
    case(&[1, 3, 2, 2], &[2], "NCHW").expect_error(Code::InvalidArgument, "3 and 2");
    case(&[1, 2], &[2], "NCDHW").expect_error(Code::InvalidArgument, "not in: \"NHWC\", \"NCHW\"");
    let e = case(&[1, 2], &[3], "NHWC").run_mode(InputMode::FedUnknownShape).unwrap_err();
    let want =
        "Must provide as many biases as the last dimension of the input tensor: [3] vs. [1,2]";
    assert!(e.message.contains(want), "{e}");
    let e = case(&[2], &[2], "NHWC").run_mode(InputMode::FedUnknownShape).unwrap_err();
    assert!(e.message.contains("Input tensor must be at least 2D: [2]"), "{e}");
    let e = case(&[1, 2], &[1, 2], "NHWC").run_mode(InputMode::FedUnknownShape).unwrap_err();
    assert!(e.message.contains("Biases must be 1D: [1,2]"), "{e}");
}
