//! The fused kernels TensorFlow's optimizer writes into graphs (`_FusedConv2D`,
//! `_FusedDepthwiseConv2dNative`, `_FusedMatMul`) and the older batch normalisations
//! (`FusedBatchNorm`, `FusedBatchNormV2`). Expected values were computed with TensorFlow 2.21
//! on CPU (oneDNN off), by its own fused kernels where it has them and by the unfused ops for
//! the depthwise convolution, which has no CPU kernel there (`nn_fused/expected.rs`).

#[path = "nn_fused/expected.rs"]
mod expected;

use expected::*;
use sessionflow_op_tests::core::{AttrValue, Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_close, tensor_of, tolerance};

/// `((i·a) mod m − ⌊m/2⌋)·scale` for i in 0..n, as the expectation script builds its inputs.
fn ramp(n: usize, a: usize, m: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|i| ((i * a) % m) as f64 - (m / 2) as f64).map(|v| v * scale).collect()
}

fn f32s(dims: &[usize], data: &[f64]) -> Tensor {
    tensor_of(DType::Float32, dims, data)
}

fn ops(names: &[&str]) -> AttrValue {
    AttrValue::ListString(names.iter().map(|s| (*s).to_owned()).collect())
}

const BIAS: [f64; 4] = [0.5, -0.25, 1.0, -2.0];
/// scale, offset, mean, variance.
const BATCH_NORM: [[f64; 4]; 4] =
    [[1.5, 0.5, -1.0, 2.0], [0.1, -0.2, 0.3, 0.0], [0.2, -0.1, 0.0, 0.4], [0.5, 1.0, 2.0, 0.25]];

/// `_FusedConv2D` of the 1×4×5×3 ramp image by the 3×3×3×4 ramp filter.
fn fused_conv(dtype: DType, fused: &[&str], args: &[&[f64]]) -> OpCase {
    let mut case = OpCase::new("_FusedConv2D")
        .input_tensor(tensor_of(dtype, &[1, 4, 5, 3], &ramp(60, 7, 11, 0.25)))
        .input_tensor(tensor_of(dtype, &[3, 3, 3, 4], &ramp(108, 5, 9, 0.125)))
        .attr_int("num_args", args.len() as i64)
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "SAME")
        .attr("fused_ops", ops(fused))
        .attr_float("epsilon", 0.001);
    for a in args {
        case = case.input_tensor(tensor_of(dtype, &[a.len()], a));
    }
    case
}

#[test]
fn fused_conv2d_with_bias_and_each_activation_matches_tensorflow() {
    let bias4: Vec<f64> = BIAS.iter().map(|b| b * 4.0).collect();
    let cases: [(&[&str], &[f64]); 5] = [
        (&["BiasAdd"], &CONV_BIAS),
        (&["BiasAdd", "Relu"], &CONV_BIAS_RELU),
        (&["BiasAdd", "Relu6"], &CONV_BIAS_RELU6),
        (&["BiasAdd", "Elu"], &CONV_BIAS_ELU),
        (&["BiasAdd", "LeakyRelu"], &CONV_BIAS_LEAKY_RELU),
    ];
    for (fused, want) in cases {
        for dtype in [DType::Float32, DType::Float64, DType::Float16] {
            let out = fused_conv(dtype, fused, &[&bias4]).output();
            assert_close(&out, dtype, &[1, 4, 5, 4], want, tolerance(dtype).max(1e-6));
        }
    }
}

#[test]
fn fused_conv2d_with_batch_norm_matches_tensorflow() {
    let args: Vec<&[f64]> = BATCH_NORM.iter().map(|a| &a[..]).collect();
    let out = fused_conv(DType::Float32, &["FusedBatchNorm"], &args).output();
    assert_close(&out, DType::Float32, &[1, 4, 5, 4], &CONV_BATCH_NORM, 1e-5);
    let out = fused_conv(DType::Float32, &["FusedBatchNorm", "Relu6"], &args).output();
    assert_close(&out, DType::Float32, &[1, 4, 5, 4], &CONV_BATCH_NORM_RELU6, 1e-5);
}

#[test]
fn fused_conv2d_strides_padding_and_leaky_relu_alpha() {
    let out = fused_conv(DType::Float32, &["BiasAdd", "LeakyRelu"], &[&BIAS])
        .attr_ints("strides", &[1, 2, 2, 1])
        .attr_str("padding", "VALID")
        .attr_float("leakyrelu_alpha", 0.3)
        .output();
    assert_close(&out, DType::Float32, &[1, 1, 2, 4], &CONV_LEAKY_03_VALID_STRIDE2, 1e-6);
}

#[test]
fn fused_conv2d_refuses_what_tensorflow_refuses() {
    fused_conv(DType::Float32, &["BiasAdd", "Tanh"], &[&BIAS])
        .expect_error(Code::Unimplemented, "Fusion is not implemented: [BiasAdd,Tanh]");
    fused_conv(DType::Float32, &["Relu"], &[&BIAS])
        .expect_error(Code::Unimplemented, "Fusion is not implemented: [Relu]");
    fused_conv(DType::Float32, &["FusedBatchNorm"], &[&BIAS])
        .expect_error(Code::InvalidArgument, "must have 4 extra arguments");
    fused_conv(DType::Float32, &["BiasAdd"], &[&BIAS[..3]]).expect_error(Code::InvalidArgument, "");
    OpCase::new("_FusedConv2D")
        .input_tensor(f32s(&[1, 3, 4, 5], &ramp(60, 7, 11, 0.25)))
        .input_tensor(f32s(&[3, 3, 3, 4], &ramp(108, 5, 9, 0.125)))
        .input_tensor(f32s(&[4], &BIAS))
        .attr_int("num_args", 1)
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "SAME")
        .attr_str("data_format", "NCHW")
        .attr("fused_ops", ops(&["BiasAdd"]))
        .expect_error(Code::Unimplemented, "only supports NHWC");
}

/// `_FusedDepthwiseConv2dNative` of the 1×4×5×3 ramp image by a 3×3×3×2 filter.
fn fused_depthwise(fused: &[&str], args: &[&[f64]]) -> OpCase {
    let mut case = OpCase::new("_FusedDepthwiseConv2dNative")
        .input_tensor(f32s(&[1, 4, 5, 3], &ramp(60, 7, 11, 0.25)))
        .input_tensor(f32s(&[3, 3, 3, 2], &ramp(54, 5, 9, 0.25)))
        .attr_int("num_args", args.len() as i64)
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "SAME")
        .attr("fused_ops", ops(fused))
        .attr_float("epsilon", 0.001);
    for a in args {
        case = case.input_tensor(f32s(&[a.len()], a));
    }
    case
}

#[test]
fn fused_depthwise_matches_the_unfused_ops() {
    let bias: Vec<f64> = [0.5, -0.25, 1.0, -2.0, 0.0, 3.0].iter().map(|b| b * 2.0).collect();
    let out = fused_depthwise(&["BiasAdd", "Relu6"], &[&bias]).output();
    assert_close(&out, DType::Float32, &[1, 4, 5, 6], &DEPTHWISE_BIAS_RELU6, 1e-6);
    let out = fused_depthwise(&["BiasAdd", "Elu"], &[&bias]).output();
    assert_close(&out, DType::Float32, &[1, 4, 5, 6], &DEPTHWISE_BIAS_ELU, 1e-6);
    let bn: [&[f64]; 4] = [
        &[1.5, 0.5, -1.0, 2.0, 1.0, 0.25],
        &[0.1, -0.2, 0.3, 0.0, 0.5, -0.5],
        &[0.2, -0.1, 0.0, 0.4, -0.3, 0.1],
        &[0.5, 1.0, 2.0, 0.25, 1.5, 0.75],
    ];
    let out = fused_depthwise(&["FusedBatchNorm", "Relu"], &bn)
        .attr_ints("strides", &[1, 2, 2, 1])
        .attr_str("padding", "VALID")
        .output();
    assert_close(
        &out,
        DType::Float32,
        &[1, 1, 2, 6],
        &DEPTHWISE_BATCH_NORM_RELU_VALID_STRIDE2,
        1e-5,
    );
}

#[test]
fn fused_depthwise_blocks_of_many_channels_take_the_epilogue() {
    // 40 channels: two register blocks of 16 and a remainder of 8 (the kernel's three paths).
    let c = 40;
    let x = ramp(2 * 3 * c, 7, 13, 0.5);
    let f = ramp(c, 3, 7, 0.5);
    let bias: Vec<f64> = ramp(c, 5, 11, 1.0);
    let out = OpCase::new("_FusedDepthwiseConv2dNative")
        .input_tensor(f32s(&[1, 2, 3, c], &x))
        .input_tensor(f32s(&[1, 1, c, 1], &f))
        .input_tensor(f32s(&[c], &bias))
        .attr_int("num_args", 1)
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .attr("fused_ops", ops(&["BiasAdd", "Relu6"]))
        .output();
    // A 1×1 depthwise filter scales each channel: relu6(x·f + b), worked out directly.
    let want: Vec<f64> =
        x.iter().enumerate().map(|(i, &v)| (v * f[i % c] + bias[i % c]).clamp(0.0, 6.0)).collect();
    assert_close(&out, DType::Float32, &[1, 2, 3, c], &want, 1e-6);
}

/// `_FusedMatMul` of the 3×5 and 5×4 ramps with `BIAS`.
fn fused_matmul(dtype: DType, fused: &[&str], transpose: bool) -> OpCase {
    let (a, b) = (ramp(15, 7, 11, 0.25), ramp(20, 5, 9, 0.25));
    let (a, b, da, db) = if transpose {
        (transpose2(&a, 3, 5), transpose2(&b, 5, 4), [5, 3], [4, 5])
    } else {
        (a, b, [3, 5], [5, 4])
    };
    OpCase::new("_FusedMatMul")
        .input_tensor(tensor_of(dtype, &da, &a))
        .input_tensor(tensor_of(dtype, &db, &b))
        .input_tensor(tensor_of(dtype, &[4], &BIAS))
        .attr_int("num_args", 1)
        .attr_bool("transpose_a", transpose)
        .attr_bool("transpose_b", transpose)
        .attr("fused_ops", ops(fused))
}

fn transpose2(v: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    (0..cols).flat_map(|c| (0..rows).map(move |r| v[r * cols + c])).collect()
}

#[test]
fn fused_matmul_with_bias_and_each_activation_matches_tensorflow() {
    let cases: [(&[&str], &[f64]); 7] = [
        (&["BiasAdd"], &MATMUL_BIAS),
        (&["BiasAdd", "Relu"], &MATMUL_BIAS_RELU),
        (&["BiasAdd", "Relu6"], &MATMUL_BIAS_RELU6),
        (&["BiasAdd", "Elu"], &MATMUL_BIAS_ELU),
        (&["BiasAdd", "LeakyRelu"], &MATMUL_BIAS_LEAKY_RELU),
        (&["BiasAdd", "Tanh"], &MATMUL_BIAS_TANH),
        (&["BiasAdd", "Sigmoid"], &MATMUL_BIAS_SIGMOID),
    ];
    for (fused, want) in cases {
        for dtype in [DType::Float32, DType::Float16, DType::BFloat16] {
            let out = fused_matmul(dtype, fused, false).output();
            assert_close(&out, dtype, &[3, 4], want, tolerance(dtype).max(1e-6));
        }
    }
    let out = fused_matmul(DType::Float32, &["BiasAdd", "Relu"], true).output();
    assert_close(&out, DType::Float32, &[3, 4], &MATMUL_BIAS_RELU, 1e-6);
}

#[test]
fn fused_matmul_refuses_what_tensorflow_refuses() {
    fused_matmul(DType::Float32, &["BiasAdd", "GeluApproximate"], false)
        .expect_error(Code::Unimplemented, "Fusion is not implemented: [BiasAdd,GeluApproximate]");
    fused_matmul(DType::Float32, &["FusedBatchNorm"], false)
        .expect_error(Code::Unimplemented, "Fusion is not implemented");
}

#[test]
fn fused_matmul_of_many_rows_runs_in_blocks() {
    // 200 rows: several blocks of the kernel, in parallel. Rows are one-hot, so each product
    // row is a row of b: relu(b[r mod 6] + bias), worked out directly.
    let (m, k, n) = (200, 6, 4);
    let a: Vec<f64> = (0..m * k).map(|i| if i % k == (i / k) % k { 1.0 } else { 0.0 }).collect();
    let b = ramp(k * n, 5, 9, 0.5);
    let out = OpCase::new("_FusedMatMul")
        .input_tensor(f32s(&[m, k], &a))
        .input_tensor(f32s(&[k, n], &b))
        .input_tensor(f32s(&[n], &BIAS))
        .attr_int("num_args", 1)
        .attr("fused_ops", ops(&["BiasAdd", "Relu"]))
        .output();
    let want: Vec<f64> =
        (0..m * n).map(|i| (b[(i / n) % k * n + i % n] + BIAS[i % n]).max(0.0)).collect();
    assert_close(&out, DType::Float32, &[m, n], &want, 0.0);
}

#[test]
fn fused_matmul_of_one_row_is_split_by_columns_while_the_pool_is_awake() {
    // A classifier's head: 1×640 by 640×100 (64k multiply-adds), column stripes while a run
    // keeps the pool awake. Row-major ramps, product summed here in f64.
    let (k, n) = (640, 100);
    let a = ramp(k, 7, 11, 0.125);
    let b = ramp(k * n, 5, 13, 0.0625);
    let want: Vec<f64> = (0..n)
        .map(|j| ((0..k).map(|p| a[p] * b[p * n + j]).sum::<f64>() + BIAS[j % 4]).clamp(0.0, 6.0))
        .collect();
    let bias: Vec<f64> = (0..n).map(|j| BIAS[j % 4]).collect();
    let run = || {
        OpCase::new("_FusedMatMul")
            .input_tensor(f32s(&[1, k], &a))
            .input_tensor(f32s(&[k, n], &b))
            .input_tensor(f32s(&[n], &bias))
            .attr_int("num_args", 1)
            .attr("fused_ops", ops(&["BiasAdd", "Relu6"]))
            .output()
    };
    let asleep = run();
    let awake = {
        let _awake = sessionflow_op_tests::core::PoolAwake::new();
        run()
    };
    assert_close(&asleep, DType::Float32, &[1, n], &want, 1e-5);
    assert_close(&awake, DType::Float32, &[1, n], &want, 1e-5);
    assert!(want.contains(&0.0) && want.iter().any(|&v| v > 0.0 && v < 6.0));
}

/// The 2×2×2×3 ramp and the statistics of the expectations.
fn batch_norm(op: &str, training: bool) -> OpCase {
    let x: Vec<f64> = (0..24).map(|i| i as f64 * 0.3 - 2.0).collect();
    let stats: [&[f64]; 4] = if training {
        [&[1.0, 0.5, 2.0], &[0.1, -0.2, 0.3], &[], &[]]
    } else {
        [&[1.0, 0.5, 2.0], &[0.1, -0.2, 0.3], &[0.5, -1.0, 0.0], &[1.0, 2.0, 0.5]]
    };
    let mut case = OpCase::new(op).input_tensor(f32s(&[2, 2, 2, 3], &x));
    for s in stats {
        case = case.input_tensor(f32s(&[s.len()], s));
    }
    case.attr_float("epsilon", 0.001).attr_bool("is_training", training)
}

#[test]
fn fused_batch_norm_v1_and_v2_compute_as_v3() {
    for op in ["FusedBatchNorm", "FusedBatchNormV2"] {
        let out = batch_norm(op, false).outputs();
        assert_eq!(out.len(), 5, "{op} has no reserve_space_3");
        assert_close(&out[0], DType::Float32, &[2, 2, 2, 3], &BATCH_NORM_INFERENCE_Y, 1e-5);
        assert_close(&out[1], DType::Float32, &[3], &[0.5, -1.0, 0.0], 0.0);
        assert_close(&out[2], DType::Float32, &[3], &[1.0, 2.0, 0.5], 0.0);
        let out = batch_norm(op, true).outputs();
        assert_close(&out[0], DType::Float32, &[2, 2, 2, 3], &BATCH_NORM_TRAINING_Y, 1e-5);
        assert_close(&out[1], DType::Float32, &[3], &BATCH_NORM_TRAINING_MEAN, 1e-6);
        assert_close(&out[2], DType::Float32, &[3], &BATCH_NORM_TRAINING_VARIANCE, 1e-6);
        assert_close(&out[3], DType::Float32, &[3], &BATCH_NORM_TRAINING_SAVED_MEAN, 1e-6);
        assert_close(&out[4], DType::Float32, &[3], &BATCH_NORM_TRAINING_SAVED_VARIANCE, 1e-6);
    }
    // V2 takes half-precision data with float32 statistics; V1 only float32.
    let x: Vec<f64> = (0..24).map(|i| i as f64 * 0.3 - 2.0).collect();
    let mut v2 =
        OpCase::new("FusedBatchNormV2").input_tensor(tensor_of(DType::Float16, &[2, 2, 2, 3], &x));
    for s in [[1.0, 0.5, 2.0], [0.1, -0.2, 0.3], [0.5, -1.0, 0.0], [1.0, 2.0, 0.5]] {
        v2 = v2.input_tensor(f32s(&[3], &s));
    }
    let out = v2.attr_float("epsilon", 0.001).attr_bool("is_training", false).outputs();
    assert_close(&out[0], DType::Float16, &[2, 2, 2, 3], &BATCH_NORM_INFERENCE_Y, 4e-3);
    OpCase::new("FusedBatchNorm")
        .input_tensor(tensor_of(DType::Float16, &[1, 1, 1, 1], &[1.0]))
        .input(&[1], &[1f32])
        .input(&[1], &[0f32])
        .input(&[1], &[0f32])
        .input(&[1], &[1f32])
        .expect_error(Code::InvalidArgument, "");
}
