//! Conv2D.

use super::*;

#[test]
fn conv2d_valid_stride_1_every_float_dtype() {
    let (x, f) = (ramp(32, 7, 11, 0.25), ramp(54, 5, 7, 0.5));
    for dtype in FLOATS {
        let t = conv2d(dtype, (&[1, 4, 4, 2], &x), (&[3, 3, 2, 3], &f))
            .attr_ints("strides", &[1, 1, 1, 1])
            .attr_str("padding", "VALID")
            .output();
        let expected =
            [0.375, -1.5, 2.75, -0.5, 1.25, -0.5, -0.375, 1.25, -0.625, 1.5, -0.125, -5.25];
        assert_close(&t, dtype, &[1, 2, 2, 3], &expected, tolerance(dtype));
    }
}

const C2_NHWC: [f64; 36] = [
    2.125, -5.625, -3.75, 3.5, 2.375, 1.625, -1.375, -0.25, 2.5, 8.5, 1.625, -4.5, -2.875, 3.125,
    6.0, 0.25, -4.0, 0.5, 1.375, 4.625, 2.75, -1.375, -1.75, -0.25, 5.625, 2.125, -7.25, 0.375,
    1.125, -6.5, 1.25, -2.875, -3.75, 0.25, 1.625, 0.25,
];

#[test]
fn conv2d_same_stride_2_with_batch_and_channels() {
    let (x, f) = (ramp(150, 3, 13, 0.25), ramp(54, 5, 9, 0.5));
    for dtype in FLOATS {
        let t = conv2d(dtype, (&[2, 5, 5, 3], &x), (&[3, 3, 3, 2], &f))
            .attr_ints("strides", &[1, 2, 2, 1])
            .attr_str("padding", "SAME")
            .output();
        assert_close(&t, dtype, &[2, 3, 3, 2], &C2_NHWC, tolerance(dtype));
    }
}

#[test]
fn conv2d_nchw_is_nhwc_transposed() {
    let (x, f) = (ramp(150, 3, 13, 0.25), ramp(54, 5, 9, 0.5));
    let x = to_nchw(&x, [2, 5, 5, 3]);
    let expected = to_nchw(&C2_NHWC, [2, 3, 3, 2]);
    for dtype in FLOATS {
        let t = conv2d(dtype, (&[2, 3, 5, 5], &x), (&[3, 3, 3, 2], &f))
            .attr_ints("strides", &[1, 1, 2, 2])
            .attr_str("padding", "SAME")
            .attr_str("data_format", "NCHW")
            .output();
        assert_close(&t, dtype, &[2, 2, 3, 3], &expected, tolerance(dtype));
    }
}

#[test]
fn conv2d_same_pads_the_extra_row_after() {
    // 4×4 input, 3×3 window, stride 2: one row and column of padding, all of it after.
    let x: Vec<f64> = (0..16).map(|v| v as f64 - 8.0).collect();
    let f: Vec<f64> = (0..9).map(|v| v as f64 - 4.0).collect();
    let t = conv2d(DType::Float32, (&[1, 4, 4, 1], &x), (&[3, 3, 1, 1], &f))
        .attr_ints("strides", &[1, 2, 2, 1])
        .attr_str("padding", "SAME")
        .output();
    assert_close(&t, DType::Float32, &[1, 2, 2, 1], &[78.0, 54.0, -5.0, -23.0], 1e-6);
}

#[test]
fn conv2d_dilation_2_valid_and_same() {
    let (x, f) = (ramp(72, 5, 17, 0.25), ramp(16, 3, 7, 0.5));
    let run = |padding: &str| {
        conv2d(DType::Float32, (&[1, 6, 6, 2], &x), (&[2, 2, 2, 2], &f))
            .attr_ints("strides", &[1, 1, 1, 1])
            .attr_ints("dilations", &[1, 2, 2, 1])
            .attr_str("padding", padding)
            .output()
    };
    let valid = [
        1.5, -2.0, 2.0, 4.375, 0.375, -2.0, 0.875, 0.125, 2.375, 4.375, 0.75, -2.0, -3.0, 2.25,
        -0.375, -2.0, 1.125, -2.0, 3.75, 0.125, 0.0, -2.0, -3.75, 4.375, 2.0, 4.375, 0.375, -2.0,
        0.875, 0.125, -0.75, -2.0,
    ];
    assert_close(&run("VALID"), DType::Float32, &[1, 4, 4, 2], &valid, 1e-6);
    let same = [
        1.875, -0.75, 1.25, 2.375, 0.125, -2.875, 1.125, 0.375, -2.125, -0.625, 0.625, 1.375,
        -2.375, -2.75, 1.5, -2.0, 2.0, 4.375, 0.375, -2.0, 0.875, 0.125, 1.375, 0.25, -0.375, 1.25,
        2.375, 4.375, 0.75, -2.0, -3.0, 2.25, -0.375, -2.0, -4.0, 2.625, 3.75, -3.25, 1.125, -2.0,
        3.75, 0.125, 0.0, -2.0, -3.75, 4.375, 1.25, 0.75, -0.625, 0.75, 2.0, 4.375, 0.375, -2.0,
        0.875, 0.125, -0.75, -2.0, -4.125, -3.25, 0.0, 2.0, 1.375, 0.125, -3.375, 1.125, 2.5,
        -2.125, -6.5, 3.125, 1.875, -0.625,
    ];
    assert_close(&run("SAME"), DType::Float32, &[1, 6, 6, 2], &same, 1e-6);
}

#[test]
fn conv2d_explicit_padding_in_both_layouts() {
    let (x, f) = (ramp(24, 7, 11, 0.5), ramp(24, 3, 5, 0.5));
    let nhwc = [
        2.0, -0.25, 3.5, -4.25, 0.75, 1.0, -2.25, 1.0, 3.0, -5.0, 1.5, -2.5, -3.0, 2.0, -0.5, -1.5,
        -1.25, 0.0,
    ];
    // Top 1, bottom 0, left 2, right 1; strides 1 (rows) and 2 (columns).
    let t = conv2d(DType::Float64, (&[1, 3, 4, 2], &x), (&[2, 3, 2, 2], &f))
        .attr_ints("strides", &[1, 1, 2, 1])
        .attr_str("padding", "EXPLICIT")
        .attr_ints("explicit_paddings", &[0, 0, 1, 0, 2, 1, 0, 0])
        .output();
    assert_close(&t, DType::Float64, &[1, 3, 3, 2], &nhwc, 1e-12);
    let t =
        conv2d(DType::Float64, (&[1, 2, 3, 4], &to_nchw(&x, [1, 3, 4, 2])), (&[2, 3, 2, 2], &f))
            .attr_ints("strides", &[1, 1, 1, 2])
            .attr_str("padding", "EXPLICIT")
            .attr_ints("explicit_paddings", &[0, 0, 0, 0, 1, 0, 2, 1])
            .attr_str("data_format", "NCHW")
            .output();
    assert_close(&t, DType::Float64, &[1, 2, 3, 3], &to_nchw(&nhwc, [1, 3, 3, 2]), 1e-12);
}

#[test]
fn conv2d_one_by_one_is_a_matrix_product() {
    let (x, f) = (ramp(72, 5, 13, 0.25), ramp(12, 3, 7, 0.5));
    let expected = [
        1.375, -1.25, -3.0, -0.25, 1.875, -0.375, 1.375, -1.5, -2.625, 1.375, -1.625, 3.25, 1.375,
        -1.75, -2.25, 1.375, -1.875, 3.625, -0.25, 2.875, -1.875, 1.375, -2.125, 4.0, -0.25, 2.625,
        -1.5, -3.5, -0.75, 1.125, -0.25, 2.375, -1.125, -3.5, -1.0, 1.5, -0.25, 2.125, -0.75,
        1.375, -1.25, -3.0, -0.25, 1.875, -0.375, 1.375, -1.5, -2.625, 1.375, -1.625, 3.25, 1.375,
        -1.75, -2.25,
    ];
    for dtype in FLOATS {
        let t = conv2d(dtype, (&[2, 3, 3, 4], &x), (&[1, 1, 4, 3], &f))
            .attr_ints("strides", &[1, 1, 1, 1])
            .attr_str("padding", "VALID")
            .output();
        assert_close(&t, dtype, &[2, 3, 3, 3], &expected, tolerance(dtype));
    }
    let t =
        conv2d(DType::Float32, (&[2, 4, 3, 3], &to_nchw(&x, [2, 3, 3, 4])), (&[1, 1, 4, 3], &f))
            .attr_ints("strides", &[1, 1, 1, 1])
            .attr_str("padding", "SAME")
            .attr_str("data_format", "NCHW")
            .output();
    assert_close(&t, DType::Float32, &[2, 3, 3, 3], &to_nchw(&expected, [2, 3, 3, 3]), 1e-6);
}

#[test]
fn conv2d_one_by_one_with_stride_2() {
    let (x, f) = (ramp(32, 7, 11, 0.25), ramp(4, 3, 5, 1.0));
    let t = conv2d(DType::Float32, (&[1, 4, 4, 2], &x), (&[1, 1, 2, 2], &f))
        .attr_ints("strides", &[1, 2, 2, 1])
        .attr_str("padding", "SAME")
        .output();
    let expected = [2.0, -0.25, 0.25, -1.25, 0.5, 1.25, -1.25, 0.25];
    assert_close(&t, DType::Float32, &[1, 2, 2, 2], &expected, 1e-6);
}

#[test]
fn conv2d_window_covering_the_image() {
    let (x, f) = (ramp(36, 7, 11, 0.25), ramp(72, 5, 9, 0.5));
    let t = conv2d(DType::Float32, (&[2, 3, 3, 2], &x), (&[3, 3, 2, 4], &f))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .output();
    let expected = [0.25, 6.0, 1.625, 0.625, 0.25, -6.375, 1.625, 0.625];
    assert_close(&t, DType::Float32, &[2, 1, 1, 4], &expected, 1e-6);
}

#[test]
fn conv2d_grouped_when_input_depth_is_a_multiple() {
    let (x, f) = (ramp(36, 7, 11, 0.25), ramp(48, 5, 9, 0.5));
    let t = conv2d(DType::Float32, (&[1, 3, 3, 4], &x), (&[2, 2, 2, 6], &f))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .output();
    let expected = [
        4.25, 2.875, 3.75, -4.125, 3.75, -3.0, -2.625, -2.625, -2.625, -1.875, -0.75, -3.0, -4.0,
        -1.25, -3.0, -2.875, -0.125, -3.0, 2.875, 0.125, 3.0, 6.25, -3.25, 5.25,
    ];
    assert_close(&t, DType::Float32, &[1, 2, 2, 6], &expected, 1e-6);
}

#[test]
fn conv2d_int32() {
    let x: Vec<i32> = ramp(32, 7, 11, 1.0).iter().map(|&v| v as i32).collect();
    let f: Vec<i32> = ramp(54, 5, 7, 1.0).iter().map(|&v| v as i32).collect();
    let t = OpCase::new("Conv2D")
        .input(&[1, 4, 4, 2], &x)
        .input(&[3, 3, 2, 3], &f)
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "SAME")
        .output();
    let expected = [
        20, -8, -36, -13, -37, 23, -44, -12, 27, -15, 18, 2, 14, 13, -2, 3, -12, 22, -4, 10, -4,
        14, -14, 7, -14, 4, 29, -3, 10, -5, 12, -1, -42, 27, -38, 2, -9, -19, 34, -18, 23, -6, 11,
        -2, -8, 15, -3, -7,
    ];
    assert_values(&t, &[1, 4, 4, 3], &expected);
}

#[test]
fn conv2d_empty_batch_and_empty_output_depth() {
    let t = conv2d(DType::Float32, (&[0, 4, 4, 2], &[]), (&[2, 2, 2, 3], &[0.0; 24]))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .output();
    assert_values::<f32>(&t, &[0, 3, 3, 3], &[]);
    let t = conv2d(DType::Float32, (&[1, 4, 4, 2], &[1.0; 32]), (&[2, 2, 2, 0], &[]))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "SAME")
        .output();
    assert_values::<f32>(&t, &[1, 4, 4, 0], &[]);
}

/// Direct-loop convolution in f64, NHWC, groups allowed: the definition, for larger cases.
#[allow(clippy::too_many_arguments)]
fn reference_conv(
    x: &[f64],
    [n, h, w, c]: [usize; 4],
    f: &[f64],
    [kh, kw, fd, od]: [usize; 4],
    [sh, sw]: [usize; 2],
    [dh, dw]: [usize; 2],
    [pt, pl]: [usize; 2],
    [oh, ow]: [usize; 2],
) -> Vec<f64> {
    let groups = c / fd;
    let per_group = od / groups;
    let mut out = vec![0.0; n * oh * ow * od];
    for b in 0..n {
        for y in 0..oh {
            for xo in 0..ow {
                for o in 0..od {
                    let g = o / per_group;
                    let mut acc = 0.0;
                    for i in 0..kh {
                        for j in 0..kw {
                            let iy = (y * sh + i * dh) as isize - pt as isize;
                            let ix = (xo * sw + j * dw) as isize - pl as isize;
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                continue;
                            }
                            for k in 0..fd {
                                let xv =
                                    x[((b * h + iy as usize) * w + ix as usize) * c + g * fd + k];
                                acc += xv * f[((i * kw + j) * fd + k) * od + o];
                            }
                        }
                    }
                    out[((b * oh + y) * ow + xo) * od + o] = acc;
                }
            }
        }
    }
    out
}

#[test]
fn conv2d_matches_the_definition_on_larger_cases() {
    // (input NHWC, filter, strides, dilations, SAME?) — the last case needs more than one
    // patch-matrix pass, the others cover strides, dilation and groups with padding.
    type Case = ([usize; 4], [usize; 4], [usize; 2], [usize; 2], bool);
    let cases: [Case; 4] = [
        ([2, 9, 7, 3], [3, 2, 3, 5], [2, 1], [1, 1], true),
        ([1, 11, 10, 4], [3, 3, 2, 6], [1, 2], [2, 1], true),
        ([3, 8, 8, 6], [2, 3, 6, 4], [3, 2], [1, 2], false),
        ([1, 40, 40, 64], [5, 5, 64, 3], [1, 1], [1, 1], true),
    ];
    for (xs, fs, strides, dil, same) in cases {
        let x = ramp(xs.iter().product(), 7, 23, 0.125);
        let f = ramp(fs.iter().product(), 5, 19, 0.0625);
        let eff = |k: usize, d: usize| (k - 1) * d + 1;
        let (oh, ow, pt, pl) = if same {
            let (oh, ow) = (xs[1].div_ceil(strides[0]), xs[2].div_ceil(strides[1]));
            let pad =
                |o: usize, s: usize, k: usize, i: usize| ((o - 1) * s + k).saturating_sub(i) / 2;
            (
                oh,
                ow,
                pad(oh, strides[0], eff(fs[0], dil[0]), xs[1]),
                pad(ow, strides[1], eff(fs[1], dil[1]), xs[2]),
            )
        } else {
            (
                (xs[1] - eff(fs[0], dil[0])) / strides[0] + 1,
                (xs[2] - eff(fs[1], dil[1])) / strides[1] + 1,
                0,
                0,
            )
        };
        let expected = reference_conv(&x, xs, &f, fs, strides, dil, [pt, pl], [oh, ow]);
        let t = conv2d(DType::Float32, (&xs, &x), (&fs, &f))
            .attr_ints("strides", &[1, strides[0] as i64, strides[1] as i64, 1])
            .attr_ints("dilations", &[1, dil[0] as i64, dil[1] as i64, 1])
            .attr_str("padding", if same { "SAME" } else { "VALID" })
            .output();
        assert_close(&t, DType::Float32, &[xs[0], oh, ow, fs[3]], &expected, 1e-5);
    }
}

#[test]
fn conv2d_errors() {
    let case = |strides: &[i64], padding: &str| {
        conv2d(DType::Float32, (&[1, 4, 4, 2], &[0.0; 32]), (&[2, 2, 2, 3], &[0.0; 24]))
            .attr_ints("strides", strides)
            .attr_str("padding", padding)
    };
    case(&[1, 1, 1], "VALID")
        .expect_error(Code::InvalidArgument, "stride attribute to contain 4 values");
    case(&[2, 1, 1, 1], "VALID")
        .expect_error(Code::Unimplemented, "strides in the batch and depth");
    case(&[1, 1, 1, 2], "VALID")
        .expect_error(Code::Unimplemented, "strides in the batch and depth");
    case(&[1, 0, 1, 1], "VALID").expect_error(Code::InvalidArgument, "Stride must be > 0");
    case(&[1, 1, 1, 1], "FULL").expect_error(Code::InvalidArgument, "allowed values");
    case(&[1, 1, 1, 1], "EXPLICIT").expect_error(Code::InvalidArgument, "explicit_paddings");
    case(&[1, 1, 1, 1], "VALID")
        .attr_ints("dilations", &[1, 0, 1, 1])
        .expect_error(Code::InvalidArgument, "Dilation rate must be >= 1");
    case(&[1, 1, 1, 1], "VALID")
        .attr_str("data_format", "NCWH")
        .expect_error(Code::InvalidArgument, "data_format");
    case(&[1, 1, 1, 1], "SAME")
        .attr_ints("explicit_paddings", &[0, 0, 1, 1, 1, 1, 0, 0])
        .expect_error(Code::InvalidArgument, "must be empty");
    case(&[1, 1, 1, 1], "EXPLICIT")
        .attr_ints("explicit_paddings", &[1, 0, 1, 1, 1, 1, 0, 0])
        .expect_error(Code::InvalidArgument, "batch or depth");
    case(&[1, 1, 1, 1], "EXPLICIT")
        .attr_ints("explicit_paddings", &[0, 0, -1, 1, 1, 1, 0, 0])
        .expect_error(Code::InvalidArgument, "nonnegative");
    // Depth 4 is not a multiple of the filter's 3.
    conv2d(DType::Float32, (&[1, 4, 4, 4], &[0.0; 64]), (&[2, 2, 3, 3], &[0.0; 36]))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .expect_error(Code::InvalidArgument, "");
    // Two groups cannot share three output channels.
    conv2d(DType::Float32, (&[1, 4, 4, 4], &[0.0; 64]), (&[2, 2, 2, 3], &[0.0; 24]))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .expect_error(Code::InvalidArgument, "");
    // A 5-row window does not fit 4 rows.
    conv2d(DType::Float32, (&[1, 4, 4, 2], &[0.0; 32]), (&[5, 2, 2, 1], &[0.0; 20]))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .expect_error(Code::InvalidArgument, "Negative dimension size");
    conv2d(DType::Float32, (&[4, 4, 2], &[0.0; 32]), (&[2, 2, 2, 1], &[0.0; 8]))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .expect_error(Code::InvalidArgument, "rank 4");
    // TensorFlow's CPU kernel has no int64 convolution.
    conv2d(DType::Int64, (&[1, 2, 2, 1], &[0.0; 4]), (&[1, 1, 1, 1], &[0.0]))
        .attr_ints("strides", &[1, 1, 1, 1])
        .attr_str("padding", "VALID")
        .expect_error(Code::InvalidArgument, "");
}
