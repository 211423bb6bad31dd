//! DepthwiseConv2dNative.

use super::*;

#[test]
fn depthwise_multiplier_2_same_stride_2_both_layouts() {
    let (x, f) = (ramp(32, 7, 11, 0.25), ramp(36, 5, 7, 0.5));
    let expected = [
        2.5, -2.25, -2.75, -2.5, 2.5, -0.875, 1.0, 0.0, 1.125, -2.25, -2.25, 1.0, -2.5, 0.625,
        0.875, -0.125,
    ];
    for dtype in FLOATS {
        let t = conv("DepthwiseConv2dNative", dtype, (&[1, 4, 4, 2], &x), (&[3, 3, 2, 2], &f))
            .attr_ints("strides", &[1, 2, 2, 1])
            .attr_str("padding", "SAME")
            .output();
        assert_close(&t, dtype, &[1, 2, 2, 4], &expected, tolerance(dtype));
        let x = to_nchw(&x, [1, 4, 4, 2]);
        let t = conv("DepthwiseConv2dNative", dtype, (&[1, 2, 4, 4], &x), (&[3, 3, 2, 2], &f))
            .attr_ints("strides", &[1, 1, 2, 2])
            .attr_str("padding", "SAME")
            .attr_str("data_format", "NCHW")
            .output();
        assert_close(&t, dtype, &[1, 4, 2, 2], &to_nchw(&expected, [1, 2, 2, 4]), tolerance(dtype));
    }
}

#[test]
fn depthwise_valid_multiplier_1_with_batch() {
    let (x, f) = (ramp(150, 3, 13, 0.25), ramp(12, 5, 9, 0.5));
    let t = conv("DepthwiseConv2dNative", DType::Float64, (&[2, 5, 5, 3], &x), (&[2, 2, 3, 1], &f))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .output();
    let expected = [
        5.75, -0.5, -2.25, -3.75, -0.875, 4.125, -1.875, -1.25, 0.75, 4.875, 3.25, -2.625, -2.75,
        -0.75, 0.375, 4.0, 3.75, -3.0, 1.0, -1.5, -1.5, -2.0, -0.25, 4.875, 0.125, -1.0, -1.875,
        -2.875, -1.375, 4.5, -1.0, -1.75, -3.75, 5.75, -0.5, -2.25, -1.875, -1.25, 0.75, 4.875,
        3.25, -2.625, -4.625, -2.0, 3.75, -2.75, -0.75, 0.375, -1.0, -1.75, -3.75, 5.75, -0.5,
        -2.25, -3.75, -0.875, 4.125, -1.875, -1.25, 0.75, -4.625, -2.0, 3.75, -2.75, -0.75, 0.375,
        4.0, 3.75, -3.0, 1.0, -1.5, -1.5, 3.125, 4.25, -3.375, 0.125, -1.0, -1.875, -2.875, -1.375,
        4.5, -1.0, -1.75, -3.75, -3.75, -0.875, 4.125, -1.875, -1.25, 0.75, 4.875, 3.25, -2.625,
        -4.625, -2.0, 3.75,
    ];
    assert_close(&t, DType::Float64, &[2, 4, 4, 3], &expected, 1e-12);
}

#[test]
fn depthwise_dilation_2() {
    let (x, f) = (ramp(50, 5, 17, 0.25), ramp(16, 3, 7, 0.5));
    let t = conv("DepthwiseConv2dNative", DType::Float32, (&[1, 5, 5, 2], &x), (&[2, 2, 2, 2], &f))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_ints("dilations", &[1, 2, 2, 1])
        .attr_str("padding", "VALID")
        .output();
    let expected = [
        3.5, 3.0, 0.25, -0.875, -0.25, -0.875, -1.875, 3.0, 2.375, -2.625, 0.25, -1.625, -2.5,
        2.75, 0.25, -0.625, 0.125, -1.125, -1.875, 3.25, 2.75, -2.875, 0.25, -1.375, -6.375, 4.625,
        0.25, -0.375, 0.5, -1.375, 0.25, -2.875, 3.125, 3.25, 0.25, -1.125,
    ];
    assert_close(&t, DType::Float32, &[1, 3, 3, 4], &expected, 1e-6);
}

/// Direct-loop depthwise convolution in f64, NHWC, VALID or SAME: the definition.
fn reference_depthwise(
    x: &[f64],
    [n, h, w, c]: [usize; 4],
    f: &[f64],
    [kh, kw, m]: [usize; 3],
    stride: usize,
    same: bool,
) -> ([usize; 4], Vec<f64>) {
    let (oh, ow, pt, pl) = if same {
        let (oh, ow) = (h.div_ceil(stride), w.div_ceil(stride));
        let pad = |o: usize, k: usize, i: usize| ((o - 1) * stride + k).saturating_sub(i) / 2;
        (oh, ow, pad(oh, kh, h), pad(ow, kw, w))
    } else {
        ((h - kh) / stride + 1, (w - kw) / stride + 1, 0, 0)
    };
    let mut out = vec![0.0; n * oh * ow * c * m];
    for b in 0..n {
        for y in 0..oh {
            for xo in 0..ow {
                for ch in 0..c {
                    for q in 0..m {
                        let mut acc = 0.0;
                        for i in 0..kh {
                            for j in 0..kw {
                                let iy = (y * stride + i) as isize - pt as isize;
                                let ix = (xo * stride + j) as isize - pl as isize;
                                if iy >= 0 && ix >= 0 && iy < h as isize && ix < w as isize {
                                    let v = x[((b * h + iy as usize) * w + ix as usize) * c + ch];
                                    acc += v * f[((i * kw + j) * c + ch) * m + q];
                                }
                            }
                        }
                        out[(((b * oh + y) * ow + xo) * c + ch) * m + q] = acc;
                    }
                }
            }
        }
    }
    ([n, oh, ow, c * m], out)
}

#[test]
fn depthwise_matches_the_definition_with_many_channels() {
    // 37 channels: two register blocks of 16 and a remainder of 5.
    for (xs, [kh, kw, m], stride, same) in
        [([2, 7, 6, 37], [3, 3, 1], 2, true), ([1, 6, 5, 20], [2, 3, 2], 1, false)]
    {
        let x = ramp(xs.iter().product(), 7, 23, 0.125);
        let f = ramp(kh * kw * xs[3] * m, 5, 19, 0.0625);
        let (dims, expected) = reference_depthwise(&x, xs, &f, [kh, kw, m], stride, same);
        let s = stride as i64;
        let t = conv("DepthwiseConv2dNative", DType::Float32, (&xs, &x), (&[kh, kw, xs[3], m], &f))
            .attr_ints("strides", &[1, s, s, 1])
            .attr_str("padding", if same { "SAME" } else { "VALID" })
            .output();
        assert_close(&t, DType::Float32, &dims, &expected, 1e-5);
    }
}

#[test]
fn depthwise_errors() {
    let case = |f: &[usize], strides: &[i64]| {
        let n = f.iter().product();
        conv(
            "DepthwiseConv2dNative",
            DType::Float32,
            (&[1, 4, 4, 2], &[0.0; 32]),
            (f, &vec![0.0; n]),
        )
        .attr_ints("strides", strides)
        .attr_str("padding", "VALID")
    };
    case(&[2, 2, 3, 1], &[1, 1, 1, 1]).expect_error(Code::InvalidArgument, "");
    case(&[2, 2, 2, 1], &[1, 1])
        .expect_error(Code::InvalidArgument, "stride attribute to contain 4");
    case(&[2, 2, 2, 1], &[2, 1, 1, 1]).expect_error(Code::InvalidArgument, "batch and depth");
    conv(
        "DepthwiseConv2dNative",
        DType::Int32,
        (&[1, 2, 2, 1], &[0.0; 4]),
        (&[1, 1, 1, 1], &[0.0]),
    )
    .attr_ints("strides", &[1, 1, 1, 1])
    .attr_str("padding", "VALID")
    .expect_error(Code::InvalidArgument, "");
}
