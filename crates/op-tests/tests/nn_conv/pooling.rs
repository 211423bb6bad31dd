//! MaxPool and AvgPool.

use super::*;

fn pool(op: &str, t: Tensor, ksize: &[i64], strides: &[i64], padding: &str) -> OpCase {
    OpCase::new(op)
        .input_tensor(t)
        .attr_ints("ksize", ksize)
        .attr_ints("strides", strides)
        .attr_str("padding", padding)
}

#[test]
fn max_pool_same_and_valid_every_dtype() {
    let x = ramp(32, 7, 11, 0.25);
    let same = [0.75, 1.25, 1.25, 0.5, 1.0, 1.25, 1.0, 0.75];
    let valid = [-0.25, 1.25, 1.25, 0.25, 0.25, 1.25, 1.0, 0.75];
    for dtype in FLOATS {
        let t = pool(
            "MaxPool",
            tensor_of(dtype, &[1, 4, 4, 2], &x),
            &[1, 3, 3, 1],
            &[1, 2, 2, 1],
            "SAME",
        );
        assert_close(&t.output(), dtype, &[1, 2, 2, 2], &same, 0.0);
        let t = pool(
            "MaxPool",
            tensor_of(dtype, &[1, 4, 4, 2], &x),
            &[1, 2, 2, 1],
            &[1, 2, 2, 1],
            "VALID",
        );
        assert_close(&t.output(), dtype, &[1, 2, 2, 2], &valid, 0.0);
    }
    let nchw = tensor_of(DType::Float32, &[1, 2, 4, 4], &to_nchw(&x, [1, 4, 4, 2]));
    let t =
        pool("MaxPool", nchw, &[1, 1, 3, 3], &[1, 1, 2, 2], "SAME").attr_str("data_format", "NCHW");
    assert_close(&t.output(), DType::Float32, &[1, 2, 2, 2], &to_nchw(&same, [1, 2, 2, 2]), 0.0);
}

#[test]
fn max_pool_integers() {
    let x = ramp(50, 3, 13, 1.0);
    let expected =
        [-1.0, 5.0, 6.0, 3.0, 6.0, 5.0, 5.0, 6.0, 1.0, 6.0, 2.0, 5.0, 6.0, 6.0, 6.0, 2.0, 6.0, 6.0];
    for dtype in [DType::Int8, DType::Int16, DType::Int32, DType::Int64] {
        let t = pool(
            "MaxPool",
            tensor_of(dtype, &[2, 5, 5, 1], &x),
            &[1, 3, 3, 1],
            &[1, 2, 2, 1],
            "SAME",
        );
        assert_close(&t.output(), dtype, &[2, 3, 3, 1], &expected, 0.0);
    }
    let shifted: Vec<f64> = x.iter().map(|v| v + 6.0).collect();
    let t = pool(
        "MaxPool",
        tensor_of(DType::UInt8, &[2, 5, 5, 1], &shifted),
        &[1, 3, 3, 1],
        &[1, 2, 2, 1],
        "SAME",
    );
    let expected: Vec<f64> = expected.iter().map(|v| v + 6.0).collect();
    assert_close(&t.output(), DType::UInt8, &[2, 3, 3, 1], &expected, 0.0);
}

#[test]
fn max_pool_explicit_padding_and_depth_windows() {
    let x: Vec<f64> = ramp(9, 5, 11, 1.0).iter().map(|v| v - 10.0).collect();
    let t = pool(
        "MaxPool",
        tensor_of(DType::Float32, &[1, 3, 3, 1], &x),
        &[1, 2, 2, 1],
        &[1, 1, 1, 1],
        "EXPLICIT",
    )
    .attr_ints("explicit_paddings", &[0, 0, 1, 0, 0, 1, 0, 0]);
    let expected = [-10.0, -5.0, -5.0, -6.0, -5.0, -5.0, -6.0, -6.0, -8.0];
    assert_close(&t.output(), DType::Float32, &[1, 3, 3, 1], &expected, 0.0);
    let x = ramp(16, 5, 11, 1.0);
    let t = pool(
        "MaxPool",
        tensor_of(DType::Float32, &[1, 2, 2, 4], &x),
        &[1, 1, 1, 2],
        &[1, 1, 1, 2],
        "VALID",
    );
    let expected = [0.0, 5.0, 4.0, 3.0, 2.0, 1.0, 5.0, 4.0];
    assert_close(&t.output(), DType::Float32, &[1, 2, 2, 2], &expected, 0.0);
    let nchw = tensor_of(DType::Float32, &[1, 4, 2, 2], &to_nchw(&x, [1, 2, 2, 4]));
    let t = pool("MaxPool", nchw, &[1, 2, 1, 1], &[1, 2, 1, 1], "VALID")
        .attr_str("data_format", "NCHW");
    assert_close(
        &t.output(),
        DType::Float32,
        &[1, 2, 2, 2],
        &to_nchw(&expected, [1, 2, 2, 2]),
        0.0,
    );
}

#[test]
fn max_pool_ignores_nan_and_floors_at_the_lowest_finite_value() {
    // TensorFlow: max(1, NaN, 3, 4) = 4, and a window of NaN or −∞ gives −FLT_MAX.
    let t = pool(
        "MaxPool",
        tensor_of(DType::Float32, &[1, 2, 2, 1], &[1.0, f64::NAN, 3.0, 4.0]),
        &[1, 2, 2, 1],
        &[1, 1, 1, 1],
        "VALID",
    );
    assert_close(&t.output(), DType::Float32, &[1, 1, 1, 1], &[4.0], 0.0);
    let x = [f64::NAN, f64::NEG_INFINITY, f64::NAN, f64::NAN];
    let t = pool(
        "MaxPool",
        tensor_of(DType::Float32, &[1, 2, 2, 1], &x),
        &[1, 2, 2, 1],
        &[1, 1, 1, 1],
        "VALID",
    );
    assert_values(&t.output(), &[1, 1, 1, 1], &[f32::MIN]);
}

#[test]
fn avg_pool_divides_by_the_unpadded_count() {
    let x = ramp(32, 7, 11, 0.25);
    let expected = [
        -0.25,
        -0.027777777777777776,
        0.4166666666666667,
        -0.125,
        0.125,
        0.041666666666666664,
        -0.125,
        0.25,
    ];
    for dtype in FLOATS {
        let t = pool(
            "AvgPool",
            tensor_of(dtype, &[1, 4, 4, 2], &x),
            &[1, 3, 3, 1],
            &[1, 2, 2, 1],
            "SAME",
        );
        assert_close(&t.output(), dtype, &[1, 2, 2, 2], &expected, tolerance(dtype));
    }
    let nchw = tensor_of(DType::Float64, &[1, 2, 4, 4], &to_nchw(&x, [1, 4, 4, 2]));
    let t =
        pool("AvgPool", nchw, &[1, 1, 3, 3], &[1, 1, 2, 2], "SAME").attr_str("data_format", "NCHW");
    assert_close(
        &t.output(),
        DType::Float64,
        &[1, 2, 2, 2],
        &to_nchw(&expected, [1, 2, 2, 2]),
        1e-12,
    );
    // Padding on every side: corners average 4 values, edges 6, the inside 9.
    let x = ramp(25, 3, 13, 1.0);
    let t = pool(
        "AvgPool",
        tensor_of(DType::Float64, &[1, 5, 5, 1], &x),
        &[1, 3, 3, 1],
        &[1, 1, 1, 1],
        "SAME",
    );
    let expected = [
        -3.5,
        -2.0,
        1.0,
        1.8333333333333333,
        2.25,
        -2.5,
        -1.0,
        0.5555555555555556,
        0.6666666666666666,
        0.0,
        -0.5,
        1.0,
        1.1111111111111112,
        -0.2222222222222222,
        -2.3333333333333335,
        1.5,
        1.5555555555555556,
        0.2222222222222222,
        -1.1111111111111112,
        -2.5,
        2.5,
        1.8333333333333333,
        0.5,
        -0.8333333333333334,
        -1.5,
    ];
    assert_close(&t.output(), DType::Float64, &[1, 5, 5, 1], &expected, 1e-12);
}

/// Direct-loop SAME pooling in f64, NHWC: max, or the mean over elements inside the input.
fn reference_pool(
    x: &[f64],
    [n, h, w, c]: [usize; 4],
    k: usize,
    stride: usize,
    max: bool,
) -> Vec<f64> {
    let (oh, ow) = (h.div_ceil(stride), w.div_ceil(stride));
    let pad = |o: usize, i: usize| ((o - 1) * stride + k).saturating_sub(i) / 2;
    let (pt, pl) = (pad(oh, h), pad(ow, w));
    let mut out = Vec::new();
    for b in 0..n {
        for y in 0..oh {
            for xo in 0..ow {
                for ch in 0..c {
                    let (mut best, mut sum, mut count) = (f64::MIN, 0.0, 0.0);
                    for i in 0..k {
                        for j in 0..k {
                            let iy = (y * stride + i) as isize - pt as isize;
                            let ix = (xo * stride + j) as isize - pl as isize;
                            if iy >= 0 && ix >= 0 && iy < h as isize && ix < w as isize {
                                let v = x[((b * h + iy as usize) * w + ix as usize) * c + ch];
                                best = best.max(v);
                                sum += v;
                                count += 1.0;
                            }
                        }
                    }
                    out.push(if max { best } else { sum / count });
                }
            }
        }
    }
    out
}

#[test]
fn pooling_matches_the_definition_with_many_channels() {
    // 70 channels: more than one block of the average's 64-lane accumulator.
    let dims = [2, 7, 5, 70];
    let x = ramp(dims.iter().product(), 7, 23, 0.125);
    for (op, max) in [("MaxPool", true), ("AvgPool", false)] {
        let expected = reference_pool(&x, dims, 3, 2, max);
        let t =
            pool(op, tensor_of(DType::Float32, &dims, &x), &[1, 3, 3, 1], &[1, 2, 2, 1], "SAME");
        assert_close(&t.output(), DType::Float32, &[2, 4, 3, 70], &expected, 1e-6);
        let nchw = tensor_of(DType::Float32, &[2, 70, 7, 5], &to_nchw(&x, dims));
        let t =
            pool(op, nchw, &[1, 1, 3, 3], &[1, 1, 2, 2], "SAME").attr_str("data_format", "NCHW");
        assert_close(
            &t.output(),
            DType::Float32,
            &[2, 70, 4, 3],
            &to_nchw(&expected, [2, 4, 3, 70]),
            1e-6,
        );
    }
}

#[test]
fn pooling_errors() {
    let x = || tensor_of(DType::Float32, &[1, 4, 4, 2], &[0.0; 32]);
    pool("MaxPool", x(), &[2, 2, 2, 1], &[1, 1, 1, 1], "VALID")
        .expect_error(Code::Unimplemented, "batch dimension");
    pool("AvgPool", x(), &[1, 2, 2, 1], &[2, 1, 1, 1], "VALID")
        .expect_error(Code::Unimplemented, "batch dimension");
    pool("MaxPool", x(), &[1, 2, 2], &[1, 1, 1, 1], "VALID")
        .expect_error(Code::InvalidArgument, "less than minimum 4");
    pool("MaxPool", x(), &[1, 2, 2, 1], &[1, 1, 1, 1], "SOME")
        .expect_error(Code::InvalidArgument, "allowed values");
    pool("AvgPool", x(), &[1, 2, 2, 1], &[1, 1, 1, 1], "EXPLICIT")
        .expect_error(Code::InvalidArgument, "allowed values");
    pool("MaxPool", x(), &[1, 0, 2, 1], &[1, 1, 1, 1], "VALID")
        .expect_error(Code::InvalidArgument, "ksize must be positive");
    pool("MaxPool", x(), &[1, 5, 2, 1], &[1, 1, 1, 1], "VALID")
        .expect_error(Code::InvalidArgument, "Negative dimension size");
    pool("MaxPool", x(), &[1, 2, 2, 2], &[1, 1, 1, 2], "VALID")
        .expect_error(Code::Unimplemented, "exactly one of");
    pool("AvgPool", x(), &[1, 1, 1, 2], &[1, 1, 1, 2], "VALID")
        .expect_error(Code::Unimplemented, "Non-spatial");
    pool(
        "MaxPool",
        tensor_of(DType::Float32, &[1, 2, 2, 3], &[0.0; 12]),
        &[1, 1, 1, 2],
        &[1, 1, 1, 2],
        "VALID",
    )
    .expect_error(Code::Unimplemented, "evenly divide");
    pool("MaxPool", x(), &[1, 2, 2, 1], &[1, 1, 1, 1], "EXPLICIT")
        .attr_ints("explicit_paddings", &[0, 0, 2, 0, 0, 0, 0, 0])
        .expect_error(Code::InvalidArgument, "smaller than the window size");
    pool(
        "AvgPool",
        tensor_of(DType::Int32, &[1, 2, 2, 1], &[0.0; 4]),
        &[1, 1, 1, 1],
        &[1, 1, 1, 1],
        "VALID",
    )
    .expect_error(Code::InvalidArgument, "");
}

#[test]
fn max_pool_grad_of_disjoint_windows_goes_to_each_windows_first_maximum() {
    // Two 2×2 windows with stride 2 over a 2×4 image of two channels (NHWC), worked by hand:
    //   channel 0: [1, 3, -0, 0 / 3, 2, -1, -2]  first maxima: the 3 at (0,1); -0 at (0,2)
    //   channel 1: [4, 4, -1, 7 / 4, 4, 7, -3]   first maxima: (0,0) of the ties; 7 at (0,3)
    let image =
        [1.0, 4.0, 3.0, 4.0, -0.0, -1.0, 0.0, 7.0, 3.0, 4.0, 2.0, 4.0, -1.0, 7.0, -2.0, -3.0];
    let pooled = [3.0, 4.0, -0.0, 7.0];
    let grad = [10.0, 30.0, 20.0, 40.0];
    let case = OpCase::new("MaxPoolGrad")
        .input_tensor(tensor_of(DType::Float32, &[1, 2, 4, 2], &image))
        .input_tensor(tensor_of(DType::Float32, &[1, 1, 2, 2], &pooled))
        .input_tensor(tensor_of(DType::Float32, &[1, 1, 2, 2], &grad))
        .attr_ints("ksize", &[1, 2, 2, 1])
        .attr_ints("strides", &[1, 2, 2, 1])
        .attr_str("padding", "VALID");
    let want = [0.0, 30.0, 10.0, 0.0, 20.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    assert_close(&case.output(), DType::Float32, &[1, 2, 4, 2], &want, 0.0);
}
