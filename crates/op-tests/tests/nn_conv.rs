//! Convolutions, pooling and batch normalisation. Expected values were computed with
//! TensorFlow 2.21 on CPU (oneDNN off) from the same inputs and are written here as literals;
//! NCHW expectations are TensorFlow's NHWC results transposed by numpy. Larger cases compare
//! with a direct-loop reference written in this file.

use sessionflow::graph::{Endpoint, Graph, NodeSpec};
use sessionflow_op_tests::core::{AttrMap, AttrValue, Code, DType, PartialShape, Status, Tensor};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor_of, tolerance, values_f64};

const FLOATS: [DType; 4] = [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16];

/// `((i·a) mod m − ⌊m/2⌋)·scale` for i in 0..n: small values, exact in every float dtype.
fn ramp(n: usize, a: usize, m: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|i| ((i * a) % m) as f64 - (m / 2) as f64).map(|v| v * scale).collect()
}

/// An NHWC array's values in NCHW order.
fn to_nchw(data: &[f64], [n, h, w, c]: [usize; 4]) -> Vec<f64> {
    let mut out = Vec::with_capacity(data.len());
    for b in 0..n {
        for ch in 0..c {
            for p in 0..h * w {
                out.push(data[(b * h * w + p) * c + ch]);
            }
        }
    }
    out
}

fn conv(op: &str, dtype: DType, x: (&[usize], &[f64]), f: (&[usize], &[f64])) -> OpCase {
    OpCase::new(op)
        .input_tensor(tensor_of(dtype, x.0, x.1))
        .input_tensor(tensor_of(dtype, f.0, f.1))
}

fn conv2d(dtype: DType, x: (&[usize], &[f64]), f: (&[usize], &[f64])) -> OpCase {
    conv("Conv2D", dtype, x, f)
}

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

/// The static output shapes (GraphDef convention, `None` for unknown rank) of one `op` node
/// whose inputs are placeholders of these dtypes and partial shapes (`None`: unknown rank).
fn inferred(
    op: &str,
    inputs: &[(DType, Option<&[i64]>)],
    attrs: &[(&str, AttrValue)],
) -> Result<Vec<Option<Vec<i64>>>, Status> {
    let mut g = Graph::new();
    let mut endpoints = Vec::new();
    for (i, (dtype, shape)) in inputs.iter().enumerate() {
        let mut a = AttrMap::new();
        a.insert("dtype".into(), AttrValue::Type(*dtype));
        if let Some(s) = shape {
            a.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(s)?));
        }
        let spec = NodeSpec {
            op: "Placeholder".into(),
            name: format!("in{i}"),
            attrs: a,
            ..Default::default()
        };
        endpoints.push(Endpoint::new(g.add_node(spec)?, 0));
    }
    let attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let spec = NodeSpec {
        op: op.into(),
        name: "op".into(),
        inputs: endpoints,
        attrs,
        ..Default::default()
    };
    let id = g.add_node(spec)?;
    Ok(g.node(id)?.output_shapes.iter().map(PartialShape::to_i64).collect())
}

fn ints(v: &[i64]) -> AttrValue {
    AttrValue::ListInt(v.to_vec())
}

fn text(s: &str) -> AttrValue {
    AttrValue::String(s.into())
}

#[test]
fn conv_shapes_propagate_unknown_dimensions() {
    let f32 = DType::Float32;
    let conv_attrs = |padding: &str, format: &str| {
        vec![
            ("strides", ints(&[1, 2, 2, 1])),
            ("padding", text(padding)),
            ("data_format", text(format)),
        ]
    };
    let shapes = |x: Option<&[i64]>, f: Option<&[i64]>, padding: &str| {
        inferred("Conv2D", &[(f32, x), (f32, f)], &conv_attrs(padding, "NHWC")).unwrap()[0].clone()
    };
    assert_eq!(shapes(Some(&[-1, 5, 5, 3]), Some(&[3, 3, 3, 8]), "SAME"), Some(vec![-1, 3, 3, 8]));
    assert_eq!(shapes(Some(&[2, 6, -1, 3]), Some(&[3, 3, 3, 8]), "VALID"), Some(vec![2, 2, -1, 8]));
    // SAME needs no window size; VALID does.
    assert_eq!(shapes(Some(&[2, 6, 7, 3]), Some(&[-1, -1, 3, 8]), "SAME"), Some(vec![2, 3, 4, 8]));
    assert_eq!(shapes(Some(&[2, 6, 7, 3]), Some(&[-1, 3, 3, 8]), "VALID"), Some(vec![2, -1, 3, 8]));
    assert_eq!(shapes(None, Some(&[3, 3, 3, 8]), "SAME"), Some(vec![-1, -1, -1, 8]));
    assert_eq!(shapes(None, None, "SAME"), Some(vec![-1; 4]));
    let nchw = inferred(
        "Conv2D",
        &[(f32, Some(&[1, 3, 9, 8])), (f32, Some(&[3, 3, 3, 4]))],
        &[
            ("strides", ints(&[1, 1, 2, 2])),
            ("padding", text("VALID")),
            ("data_format", text("NCHW")),
        ],
    )
    .unwrap();
    assert_eq!(nchw[0], Some(vec![1, 4, 4, 3]));
    let dw = inferred(
        "DepthwiseConv2dNative",
        &[(f32, Some(&[1, -1, 8, 3])), (f32, Some(&[2, 2, -1, 2]))],
        &conv_attrs("SAME", "NHWC"),
    )
    .unwrap();
    assert_eq!(dw[0], Some(vec![1, -1, 4, 6]));
    let err = inferred(
        "Conv2D",
        &[(f32, Some(&[1, 4, 4, 4])), (f32, Some(&[2, 2, 3, 1]))],
        &conv_attrs("SAME", "NHWC"),
    )
    .unwrap_err();
    assert!(
        err.message.contains("Depth of input (4) is not a multiple of input depth of filter (3)"),
        "{err}"
    );
}

#[test]
fn pool_and_batch_norm_shapes_propagate_unknown_dimensions() {
    let f32 = DType::Float32;
    let pool_attrs = [
        ("ksize", ints(&[1, 1, 3, 3])),
        ("strides", ints(&[1, 1, 2, 2])),
        ("padding", text("SAME")),
        ("data_format", text("NCHW")),
    ];
    let out = inferred("MaxPool", &[(f32, Some(&[-1, 4, 7, -1]))], &pool_attrs).unwrap();
    assert_eq!(out[0], Some(vec![-1, 4, 4, -1]));
    let out = inferred("AvgPool", &[(f32, None)], &pool_attrs).unwrap();
    assert_eq!(out[0], Some(vec![-1; 4]));
    let v = |s: &'static [i64]| (f32, Some(s));
    let out = inferred(
        "FusedBatchNormV3",
        &[v(&[2, -1, 4, 4]), v(&[-1]), v(&[3]), v(&[0]), v(&[0])],
        &[("data_format", text("NCHW"))],
    )
    .unwrap();
    assert_eq!(
        out,
        [Some(vec![2, 3, 4, 4]), Some(vec![3]), Some(vec![3]), Some(vec![3]), Some(vec![3]), None]
    );
    let out = inferred(
        "FusedBatchNormV3",
        &[(f32, None), v(&[5]), v(&[-1]), v(&[-1]), v(&[-1])],
        &[("is_training", AttrValue::Bool(false))],
    )
    .unwrap();
    assert_eq!(out[0], Some(vec![-1, -1, -1, 5]));
    let err = inferred(
        "FusedBatchNormV3",
        &[v(&[2, 4, 4, 3]), v(&[3]), v(&[3]), v(&[2]), v(&[3])],
        &[("is_training", AttrValue::Bool(false))],
    )
    .unwrap_err();
    assert!(err.message.contains("Dimensions must be equal, but are 3 and 2"), "{err}");
}
