//! FusedBatchNormV3.

use super::*;

fn batch_norm(dtype: DType, dims: &[usize], x: &[f64], stats: [&[f64]; 4]) -> OpCase {
    let mut case = OpCase::new("FusedBatchNormV3").input_tensor(tensor_of(dtype, dims, x));
    for s in stats {
        case = case.input_tensor(tensor_of(DType::Float32, &[s.len()], s));
    }
    case
}

const SCALE: [f64; 3] = [0.5, 1.0, 2.0];
const OFFSET: [f64; 3] = [0.0, 1.0, -1.0];
const MEAN: [f64; 3] = [0.25, -0.5, 0.0];
const VARIANCE: [f64; 3] = [1.0, 0.5, 2.0];

#[test]
fn fused_batch_norm_inference_in_both_layouts() {
    let x = ramp(24, 7, 11, 0.5);
    let y = [
        -1.3743129968643188,
        3.119202136993408,
        -2.413860321044922,
        1.124437928199768,
        2.412801504135132,
        -3.1207902431488037,
        0.8745628595352173,
        1.706400752067566,
        -3.8277204036712646,
        0.6246877312660217,
        1.0,
        -4.534650802612305,
        0.37481266260147095,
        0.2935992479324341,
        2.5346505641937256,
        0.12493754923343658,
        -0.41280150413513184,
        1.8277204036712646,
        -0.12493754923343658,
        -1.1192021369934082,
        1.1207902431488037,
        -0.37481266260147095,
        -1.8256030082702637,
        0.4138602018356323,
    ];
    for dtype in [DType::Float32, DType::Float16, DType::BFloat16] {
        let out = batch_norm(dtype, &[2, 2, 2, 3], &x, [&SCALE, &OFFSET, &MEAN, &VARIANCE])
            .attr_float("epsilon", 0.001)
            .attr_bool("is_training", false)
            .outputs();
        assert_eq!(out.len(), 6);
        assert_close(&out[0], dtype, &[2, 2, 2, 3], &y, tolerance(dtype));
        assert_close(&out[1], DType::Float32, &[3], &MEAN, 0.0);
        assert_close(&out[2], DType::Float32, &[3], &VARIANCE, 0.0);
        assert_values(&out[5], &[], &[0f32]);
    }
    let out = batch_norm(
        DType::Float32,
        &[2, 3, 2, 2],
        &to_nchw(&x, [2, 2, 2, 3]),
        [&SCALE, &OFFSET, &MEAN, &VARIANCE],
    )
    .attr_float("epsilon", 0.001)
    .attr_bool("is_training", false)
    .attr_str("data_format", "NCHW")
    .outputs();
    assert_close(&out[0], DType::Float32, &[2, 3, 2, 2], &to_nchw(&y, [2, 2, 2, 3]), 1e-5);
}

#[test]
fn fused_batch_norm_training_computes_batch_statistics() {
    let x = ramp(24, 7, 11, 0.5);
    let y = [
        -1.0286710262298584,
        2.5269436836242676,
        -2.0885009765625,
        0.6507918834686279,
        2.0906739234924316,
        -2.632751226425171,
        0.48284560441970825,
        1.6544044017791748,
        -3.177001714706421,
        0.3148992955684662,
        1.2181347608566284,
        -3.721252202987671,
        0.14695300161838531,
        0.7818651795387268,
        1.721252202987671,
        -0.02099328674376011,
        0.3455955982208252,
        1.177001714706421,
        -0.18893958628177643,
        -0.09067404270172119,
        0.6327512264251709,
        -0.3568858802318573,
        -0.5269436836242676,
        0.08850085735321045,
    ];
    for (format, dims, data, y) in [
        ("NHWC", [2, 2, 2, 3], x.clone(), y.to_vec()),
        ("NCHW", [2, 3, 2, 2], to_nchw(&x, [2, 2, 2, 3]), to_nchw(&y, [2, 2, 2, 3])),
    ] {
        let out = batch_norm(DType::Float32, &dims, &data, [&SCALE, &OFFSET, &[], &[]])
            .attr_float("epsilon", 0.001)
            .attr_str("data_format", format)
            .outputs();
        assert_close(&out[0], DType::Float32, &dims, &y, 1e-5);
        assert_close(&out[1], DType::Float32, &[3], &[0.5625, -0.75, 0.0], 1e-6);
        assert_close(
            &out[2],
            DType::Float32,
            &[3],
            &[2.53125, 1.5000001192092896, 3.857142925262451],
            1e-6,
        );
        assert_close(&out[3], DType::Float32, &[3], &[0.5625, -0.75, 0.0], 1e-6);
        assert_close(&out[4], DType::Float32, &[3], &[2.21484375, 1.3125, 3.375], 1e-6);
    }
    // With a running average the given statistics are blended in.
    let out = batch_norm(DType::Float32, &[2, 2, 2, 3], &x, [&SCALE, &OFFSET, &MEAN, &VARIANCE])
        .attr_float("epsilon", 0.001)
        .attr_float("exponential_avg_factor", 0.25)
        .outputs();
    assert_close(&out[1], DType::Float32, &[3], &[0.328125, -0.5625, 0.0], 1e-6);
    assert_close(&out[2], DType::Float32, &[3], &[1.3828125, 0.75, 2.4642858505249023], 1e-6);
}

#[test]
fn fused_batch_norm_of_nothing_reports_nan_statistics() {
    let out = batch_norm(DType::Float32, &[0, 2, 2, 3], &[], [&SCALE, &OFFSET, &[], &[]]).outputs();
    assert_eq!(out[0].shape().dims(), [0, 2, 2, 3]);
    assert!(values_f64(&out[1]).iter().all(|v| v.is_nan()));
    assert!(values_f64(&out[2]).iter().all(|v| v.is_nan()));
}

#[test]
fn fused_batch_norm_errors() {
    let x = ramp(24, 7, 11, 0.5);
    batch_norm(DType::Float32, &[2, 2, 2, 3], &x, [&[1.0, 1.0], &OFFSET, &MEAN, &VARIANCE])
        .attr_bool("is_training", false)
        .expect_error(Code::InvalidArgument, "");
    batch_norm(DType::Float32, &[2, 2, 2, 3], &x, [&SCALE, &OFFSET, &[], &[]])
        .attr_bool("is_training", false)
        .expect_error(Code::InvalidArgument, "");
    batch_norm(DType::Float32, &[4, 2, 3], &x, [&SCALE, &OFFSET, &MEAN, &VARIANCE])
        .expect_error(Code::InvalidArgument, "rank 4");
    batch_norm(DType::Float32, &[2, 2, 2, 3], &x, [&SCALE, &OFFSET, &MEAN, &VARIANCE])
        .attr_str("data_format", "HWCN")
        .expect_error(Code::InvalidArgument, "data_format");
    // TensorFlow has no float64 batch-norm kernel.
    batch_norm(DType::Float64, &[2, 2, 2, 3], &x, [&SCALE, &OFFSET, &MEAN, &VARIANCE])
        .expect_error(Code::InvalidArgument, "");
}
