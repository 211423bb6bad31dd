//! One output row of a depthwise convolution, compiled for the widest vectors the CPU has. With
//! one filter per channel and no dilation (MobileNet's case) each pixel's window is walked
//! directly, channels in register blocks of 16 and 8; otherwise each pixel lists its window's
//! taps inside the image first.

use super::depthwise::Geometry;
use super::epilogue::Epilogue;
use crate::kernels::numeric::Numeric;
use std::ops::Range;

pub(super) type RowKernel<W, E> = fn(&Geometry, &[W], &[W], usize, &mut [W], &E);

/// [`output_row`] compiled for AVX-512 or AVX2 when the CPU has them (the build targets
/// baseline x86-64, so SSE2 unless chosen here at run time).
pub(super) fn row_kernel<W: Numeric, E: Epilogue<W>>() -> RowKernel<W, E> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU was just found to support AVX-512F, all the variant requires.
            return |g, input, filter, r, dst, e| unsafe {
                output_row_avx512(g, input, filter, r, dst, e)
            };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU was just found to support AVX2 and FMA, all the variant requires.
            return |g, input, filter, r, dst, e| unsafe {
                output_row_avx2(g, input, filter, r, dst, e)
            };
        }
    }
    output_row::<W, E>
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn output_row_avx512<W: Numeric, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    output_row(g, input, filter, r, dst, epilogue)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn output_row_avx2<W: Numeric, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    output_row(g, input, filter, r, dst, epilogue)
}

/// Output row `r` (counted over N·OH) of a depthwise convolution into the zero-filled `dst`.
#[inline(always)]
fn output_row<W: Numeric, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    if g.multiplier == 1 && g.rows.dilation == 1 && g.cols.dilation == 1 {
        multiplier_one_row(g, input, filter, r, dst, epilogue);
    } else {
        general_row(g, input, filter, r, dst, epilogue);
    }
}

/// The taps of one output pixel's window that fall inside the image: rows `ky` of the filter
/// starting at input row `iy`, columns `kx` starting at input column `ix`.
struct Window {
    ky: Range<usize>,
    iy: usize,
    kx: Range<usize>,
    ix: usize,
}

#[inline(always)]
fn multiplier_one_row<W: Numeric, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    let (rows, cols, c) = (&g.rows, &g.cols, g.depth);
    let image_len = rows.input * cols.input * c;
    let (n, y) = (r / rows.output, r % rows.output);
    let image = &input[n * image_len..][..image_len];
    let ky = rows.valid_taps(y);
    let iy = (y * rows.stride + ky.start).saturating_sub(rows.pad);
    for (x, acc) in dst.chunks_exact_mut(c).enumerate() {
        let kx = cols.valid_taps(x);
        let ix = (x * cols.stride + kx.start).saturating_sub(cols.pad);
        let w = Window { ky: ky.clone(), iy, kx, ix };
        let mut c0 = 0;
        while c0 + 16 <= c {
            block::<W, E, 16>(g, image, filter, &w, c0, acc, epilogue);
            c0 += 16;
        }
        while c0 + 8 <= c {
            block::<W, E, 8>(g, image, filter, &w, c0, acc, epilogue);
            c0 += 8;
        }
        while c0 < c {
            block::<W, E, 1>(g, image, filter, &w, c0, acc, epilogue);
            c0 += 1;
        }
    }
}

/// Channels `c0..c0+N` of one pixel: `Σ image · filter` over the window, in registers, then
/// the epilogue, stored into `acc` (the pixel's channels).
#[inline(always)]
fn block<W: Numeric, E: Epilogue<W>, const N: usize>(
    g: &Geometry,
    image: &[W],
    filter: &[W],
    w: &Window,
    c0: usize,
    acc: &mut [W],
    epilogue: &E,
) {
    let (c, line) = (g.depth, g.cols.input * g.depth);
    let kw = g.cols.window;
    let mut sum = [W::ZERO; N];
    for (dy, ky) in w.ky.clone().enumerate() {
        let pixels = &image[(w.iy + dy) * line + w.ix * c + c0..];
        let taps = &filter[(ky * kw + w.kx.start) * c + c0..];
        for dx in 0..w.kx.len() {
            let (Some(v), Some(f)) = (lanes::<W, N>(pixels, dx * c), lanes::<W, N>(taps, dx * c))
            else {
                // Both runs lie inside the image and the filter by the window's construction.
                continue;
            };
            for i in 0..N {
                sum[i] = sum[i].add(v[i].mul(f[i]));
            }
        }
    }
    if E::ACTIVE {
        epilogue.apply(c0, &mut sum);
    }
    acc[c0..c0 + N].copy_from_slice(&sum);
}

/// Any multiplier and dilation: output channel `c·M + m` accumulates channel `c` times filter
/// `m`, over the taps inside the image.
#[inline(always)]
fn general_row<W: Numeric, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    let (c, m) = (g.depth, g.multiplier);
    let image = g.rows.input * g.cols.input * c;
    let (n, y) = (r / g.rows.output, r % g.rows.output);
    let image = &input[n * image..][..image];
    // (input pixel offset, filter tap offset) of the window's taps inside the image, one
    // buffer per row reused for each pixel.
    let mut taps = Vec::with_capacity(g.rows.window * g.cols.window);
    for (x, acc) in dst.chunks_exact_mut(c * m).enumerate() {
        taps.clear();
        for ky in 0..g.rows.window {
            let Some(iy) = g.rows.tap(y, ky) else { continue };
            for kx in 0..g.cols.window {
                let Some(ix) = g.cols.tap(x, kx) else { continue };
                taps.push(((iy * g.cols.input + ix) * c, (ky * g.cols.window + kx) * c * m));
            }
        }
        for &(p, f) in &taps {
            let pixel = &image[p..][..c];
            let fs = &filter[f..][..c * m];
            for ((a, &v), f) in acc.chunks_exact_mut(m).zip(pixel).zip(fs.chunks_exact(m)) {
                for (a, &f) in a.iter_mut().zip(f) {
                    *a = a.add(v.mul(f));
                }
            }
        }
        if E::ACTIVE {
            epilogue.apply(0, acc);
        }
    }
}

/// `N` elements of `s` from `at`, as an array (for registers), if they are inside it.
#[inline(always)]
pub(super) fn lanes<W, const N: usize>(s: &[W], at: usize) -> Option<&[W; N]> {
    s.get(at..at + N).and_then(|r| <&[W; N]>::try_from(r).ok())
}
