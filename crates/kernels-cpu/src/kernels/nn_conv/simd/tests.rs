//! The vector rows against the generic code: the same convolutions in f64 take the generic
//! path, so f32 results (vector code on x86-64 with AVX2 or AVX-512) must agree with them to
//! f32 rounding, over channel counts that are and are not multiples of the vector width,
//! strides, padding and several images.

use super::super::depthwise::{Geometry, depthwise_nhwc};
use super::super::direct;
use super::super::epilogue::{ChannelAffine, ChannelOps, Epilogue, Plain};
use super::super::im2col::ConvGeometry;
use super::super::params::{Axis, Padding};

type DepthwiseRow = unsafe fn(&Geometry, &[f32], &[f32], usize, &mut [f32], &Plain);
type DirectRow = unsafe fn(&ConvGeometry, &[f32], &[f32], usize, &mut [f32], &Plain);

/// The (AVX-512, AVX2) variants of a row routine that this CPU can run, named.
fn isas<F>([avx512, avx2]: [F; 2]) -> Vec<(&'static str, F)> {
    let mut found = Vec::new();
    if std::arch::is_x86_feature_detected!("avx512f") {
        found.push(("AVX-512", avx512));
    }
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        found.push(("AVX2", avx2));
    }
    found
}

fn values(n: usize, a: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * a) % 23) as f64 / 8.0 - 1.4).collect()
}

fn axes(h: usize, w: usize, k: usize, stride: i64, padding: Padding) -> (Axis, Axis) {
    let rows = Axis::new(h, k, stride, 1, padding, 0).expect("valid test geometry");
    let cols = Axis::new(w, k, stride, 1, padding, 1).expect("valid test geometry");
    (rows, cols)
}

fn assert_agree(f32s: &[f32], f64s: &[f64], what: &str) {
    assert_eq!(f32s.len(), f64s.len());
    for (i, (&a, &b)) in f32s.iter().zip(f64s).enumerate() {
        assert!((a as f64 - b).abs() <= 1e-5 * b.abs().max(1.0), "{what}: element {i}: {a} vs {b}");
    }
}

#[test]
fn depthwise_rows_agree_with_the_generic_code() {
    let explicit = Padding::Explicit([(0, 1), (1, 1)]);
    for (n, h, w, c, k, stride, padding) in [
        (1, 9, 13, 16, 3, 1, Padding::Same),
        (2, 8, 11, 24, 3, 2, Padding::Valid),
        (1, 7, 10, 5, 3, 2, Padding::Same),
        (1, 6, 9, 40, 5, 1, explicit),
    ] {
        let (rows, cols) = axes(h, w, k, stride, padding);
        let g = Geometry { rows, cols, depth: c, multiplier: 1 };
        let (x, f) = (values(n * h * w * c, 7), values(k * k * c, 5));
        let len = n * rows.output * cols.output * c;
        // NaN-filled: both paths must overwrite every element.
        let mut wide = vec![f64::NAN; len];
        depthwise_nhwc(&g, &x, &f, &mut wide, &Plain);
        let narrow = |v: &[f64]| v.iter().map(|&v| v as f32).collect::<Vec<f32>>();
        let (x, f) = (narrow(&x), narrow(&f));
        let mut out = vec![f32::NAN; len];
        depthwise_nhwc(&g, &x, &f, &mut out, &Plain);
        assert_agree(&out, &wide, &format!("depthwise {h}x{w}x{c} k{k} s{stride}"));
        // Each instruction set this CPU has, row by row.
        for (isa, row) in
            isas::<DepthwiseRow>([super::depthwise::row_avx512, super::depthwise::row_avx2])
        {
            let mut out = vec![0f32; len];
            for (r, dst) in out.chunks_mut(cols.output * c).enumerate() {
                // SAFETY: `isas` lists only variants whose features the CPU has.
                unsafe { row(&g, &x, &f, r, dst, &Plain) };
            }
            assert_agree(&out, &wide, &format!("{isa} depthwise {h}x{w}x{c} k{k} s{stride}"));
        }
    }
}

#[test]
fn direct_rows_agree_with_the_generic_code() {
    for (n, h, w, c, k, stride, oc, padding) in [
        (1, 16, 16, 3, 3, 2, 16, Padding::Same),
        (2, 9, 14, 8, 1, 1, 48, Padding::Valid),
        (1, 7, 19, 12, 3, 1, 5, Padding::Same),
        (1, 10, 10, 4, 2, 1, 40, Padding::Explicit([(1, 0), (0, 1)])),
        // RGB stems, whose tiles know their step as compiled (3·2 and 3·1), with interior
        // widths that leave the last tile overlapping the one before.
        (1, 12, 64, 3, 3, 2, 16, Padding::Same),
        (1, 5, 29, 3, 3, 1, 16, Padding::Same),
        (2, 6, 40, 3, 3, 2, 32, Padding::Valid),
        (1, 4, 23, 8, 1, 1, 48, Padding::Valid),
    ] {
        let (rows, cols) = axes(h, w, k, stride, padding);
        let g = ConvGeometry {
            batch: n,
            rows,
            cols,
            in_depth: c,
            filter_depth: c,
            out_depth: oc,
            groups: 1,
        };
        assert!(direct::applies(&g));
        let (x, f) = (values(n * h * w * c, 7), values(k * k * c * oc, 5));
        let len = n * rows.output * cols.output * oc;
        let mut wide = vec![0f64; len];
        direct::conv(&g, &x, &f, &mut wide, &Plain);
        let narrow = |v: &[f64]| v.iter().map(|&v| v as f32).collect::<Vec<f32>>();
        let (x, f) = (narrow(&x), narrow(&f));
        let mut out = vec![0f32; len];
        direct::conv(&g, &x, &f, &mut out, &Plain);
        assert_agree(&out, &wide, &format!("direct {h}x{w}x{c} k{k} s{stride} oc{oc}"));
        for (isa, row) in isas::<DirectRow>([super::direct::row_avx512, super::direct::row_avx2]) {
            let mut out = vec![0f32; len];
            for (r, dst) in out.chunks_mut(cols.output * oc).enumerate() {
                // SAFETY: `isas` lists only variants whose features the CPU has.
                unsafe { row(&g, &x, &f, r, dst, &Plain) };
            }
            assert_agree(&out, &wide, &format!("{isa} direct {h}x{w}x{c} k{k} s{stride} oc{oc}"));
        }
    }
}

/// A bias then Relu6, in both forms: scalar (`apply`, what the f64 path runs) and as channel
/// operations (what the vector rows apply in registers).
struct BiasRelu6<W>(Vec<W>);

impl<W: Copy + Sync + PartialOrd + std::ops::Add<Output = W> + From<f32>> Epilogue<W>
    for BiasRelu6<W>
{
    fn apply(&self, c0: usize, values: &mut [W]) {
        let (zero, six) = (W::from(0.0), W::from(6.0));
        for (v, &b) in values.iter_mut().zip(&self.0[c0..]) {
            let x = *v + b;
            *v = if x < zero {
                zero
            } else if x > six {
                six
            } else {
                x
            };
        }
    }

    fn channel_ops(&self) -> Option<ChannelOps<'_, W>> {
        Some(ChannelOps {
            affine: ChannelAffine::Bias(&self.0),
            low: W::from(0.0),
            high: W::from(6.0),
        })
    }
}

#[test]
fn depthwise_with_a_multiplier_overwrites_its_output() {
    // Two filters per channel take the general loops, which accumulate: 1×4 image, 2
    // channels, 1×2 window, VALID, stride 1; output channel c·2 + m.
    let rows = Axis::new(1, 1, 1, 1, Padding::Valid, 0).expect("valid test geometry");
    let cols = Axis::new(4, 2, 1, 1, Padding::Valid, 1).expect("valid test geometry");
    let g = Geometry { rows, cols, depth: 2, multiplier: 2 };
    let x = [1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0];
    // filter[kx][c][m]
    let f = [1.0, -1.0, 0.5, 2.0, 3.0, 1.0, 0.25, 0.0];
    for out in [&mut [f32::NAN; 12][..], &mut [7.0; 12][..]] {
        depthwise_nhwc(&g, &x, &f, out, &Plain);
        // Output pixel i, from input pixels i and i+1 (channel values a, b and A, B):
        // [a·1 + b·3, a·−1 + b·1, A·0.5 + B·0.25, A·2 + B·0].
        assert_eq!(out, [7.0, 1.0, 10.0, 20.0, 11.0, 1.0, 17.5, 40.0, 15.0, 1.0, 25.0, 60.0]);
    }
}

#[test]
fn rows_finish_a_bias_and_clamp_in_registers_as_the_scalar_epilogue_does() {
    let (h, w, c) = (7, 15, 24);
    let (rows, cols) = axes(h, w, 3, 1, Padding::Same);
    let bias: Vec<f64> = values(c, 3).iter().map(|b| b * 4.0).collect();
    let narrow = |v: &[f64]| v.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    let (x, f) = (values(h * w * c, 7), values(9 * c, 5));
    let g = Geometry { rows, cols, depth: c, multiplier: 1 };
    let mut wide = vec![f64::NAN; h * w * c];
    depthwise_nhwc(&g, &x, &f, &mut wide, &BiasRelu6(bias.clone()));
    let mut out = vec![f32::NAN; h * w * c];
    depthwise_nhwc(&g, &narrow(&x), &narrow(&f), &mut out, &BiasRelu6(narrow(&bias)));
    assert_agree(&out, &wide, "depthwise + bias + relu6");
    assert!(out.contains(&6.0) && out.contains(&0.0), "both bounds hit");

    let oc = c;
    let g = ConvGeometry {
        batch: 1,
        rows,
        cols,
        in_depth: c,
        filter_depth: c,
        out_depth: oc,
        groups: 1,
    };
    let f = values(9 * c * oc, 5);
    let mut wide = vec![0f64; h * w * oc];
    direct::conv(&g, &x, &f, &mut wide, &BiasRelu6(bias.clone()));
    let mut out = vec![0f32; h * w * oc];
    direct::conv(&g, &narrow(&x), &narrow(&f), &mut out, &BiasRelu6(narrow(&bias)));
    assert_agree(&out, &wide, "direct + bias + relu6");
}

#[test]
fn few_row_products_agree_with_plain_sums_on_each_instruction_set() {
    type Product = unsafe fn(
        usize,
        usize,
        usize,
        *const f32,
        (usize, usize),
        *const f32,
        usize,
        *mut f32,
        usize,
    );
    let variants: [Product; 2] = [super::few_rows::product_avx512, super::few_rows::product_avx2];
    // Widths from under one vector to past two blocks of eight; odd and even depths; two rows,
    // and two columns past the product's that must stay untouched.
    for (n, k) in [(5, 1), (16, 2), (70, 9), (300, 40)] {
        let a: Vec<f32> = values(2 * k, 3).iter().map(|&v| v as f32).collect();
        let b: Vec<f32> = values(k * n, 11).iter().map(|&v| v as f32).collect();
        for (isa, product) in isas(variants) {
            let mut dst = vec![f32::NAN; 2 * (n + 3)];
            // SAFETY: the CPU has the variant's features (`isas`); `a` holds two rows of k,
            // `b` k rows of n, `dst` two rows of n + 3.
            unsafe { product(2, n, k, a.as_ptr(), (k, 1), b.as_ptr(), n, dst.as_mut_ptr(), n + 3) };
            for i in 0..2 {
                for j in 0..n + 3 {
                    let got = dst[i * (n + 3) + j];
                    if j >= n {
                        assert!(got.is_nan(), "{isa}: column {j} past the product was written");
                        continue;
                    }
                    let want: f64 =
                        (0..k).map(|p| f64::from(a[i * k + p]) * f64::from(b[p * n + j])).sum();
                    assert!(
                        (f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1.0) * k as f64,
                        "{isa} {n}x{k}: ({i}, {j}): {got} vs {want}"
                    );
                }
            }
        }
    }
}
