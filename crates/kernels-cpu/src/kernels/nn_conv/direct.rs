//! Direct 2-D convolution (NHWC, no groups, no dilation) for convolutions with few output
//! channels or short windows, where a matrix product's packing costs more than it saves:
//! MobileNet's first convolution, its 1×1 projections and expansions, 3×3 convolutions of up to
//! 128 channels. Each tile of consecutive output pixels and up to 64 output channels
//! accumulates in registers over the window's taps and input channels: one filter vector load
//! feeds the whole tile, each input value is broadcast against it. Output rows are computed in
//! parallel.

use super::depthwise_rows::lanes;
use super::epilogue::Epilogue;
use super::im2col::ConvGeometry;
use super::simd::SimdConv;
use crate::kernels::numeric::Numeric;
use rayon::prelude::*;
use sessionflow_core::pool_is_awake;
use std::ops::Range;

/// Output channels at most for which the direct kernel is used whatever the window.
pub(crate) const MAX_OUT_DEPTH: usize = 64;
/// Window taps × input channels at most for which it is used with more output channels
/// (beyond, im2col and `gemm`). Each tile walks that much of the filter per 64 output
/// channels, and past a few hundred KiB it no longer stays in the core's cache: in
/// benches/conv2d the direct kernel took 20–25% less time than `gemm` on a 1×1 56×56×64→256,
/// a 1×1 14×14×512→512 and a 3×3 28×28×128→128 (1152), and 20–50% more on a 3×3
/// 14×14×256→256 (2304) and a 1×1 7×7×2048→512.
const MAX_WINDOW_DEPTH: usize = 1152;
/// Output pixels per register tile.
const TILE: usize = 6;
/// Below this many multiply-adds a convolution runs on the calling thread: waking the pool
/// costs more than the ~20 µs such a convolution takes in vector code.
const PARALLEL_MACS: usize = 1 << 20;
/// The same while the pool's threads are awake (see `pool_is_awake`): sharing costs little
/// then. MobileNetV2's 8×8 and 4×4 layers (20–80 thousand) ran faster split: a layer left
/// whole reads the half of its input that the layer before wrote on the other core from that
/// core's cache (an 8×8×144 depthwise took 2.8 µs so against 2.0 on one thread), and the
/// whole run took ~4% less than with the threshold at 2^17.
const PARALLEL_MACS_AWAKE: usize = 1 << 14;

/// Multiply-adds (or window taps) from which a convolution's rows are split over the pool.
pub(crate) fn parallel_macs() -> usize {
    if pool_is_awake() { PARALLEL_MACS_AWAKE } else { PARALLEL_MACS }
}

/// Whether the direct kernel computes this convolution.
pub(crate) fn applies(g: &ConvGeometry) -> bool {
    let window_depth = g.rows.window * g.cols.window * g.in_depth;
    g.groups == 1
        && g.rows.dilation == 1
        && g.cols.dilation == 1
        && (g.out_depth <= MAX_OUT_DEPTH || window_depth <= MAX_WINDOW_DEPTH)
}

/// `out[N,OH,OW,OC] = epilogue(conv(input, filter))`, every element written.
pub(crate) fn conv<W: SimdConv + Send + Sync, E: Epilogue<W>>(
    g: &ConvGeometry,
    input: &[W],
    filter: &[W],
    out: &mut [W],
    epilogue: &E,
) {
    let row_len = g.cols.output * g.out_depth;
    if row_len == 0 {
        return;
    }
    let kernel = row_kernel::<W, E>();
    let row = |(r, dst): (usize, &mut [W])| {
        if !W::direct_row(g, input, filter, r, dst, epilogue) {
            kernel(g, input, filter, r, dst, epilogue);
        }
    };
    let macs = out.len() * g.rows.window * g.cols.window * g.in_depth;
    if macs >= parallel_macs() && out.len() > row_len {
        out.par_chunks_mut(row_len).enumerate().for_each(row);
    } else {
        out.chunks_mut(row_len).enumerate().for_each(row);
    }
}

type RowKernel<W, E> = fn(&ConvGeometry, &[W], &[W], usize, &mut [W], &E);

/// [`output_row`] compiled for AVX-512 or AVX2 when the CPU has them.
fn row_kernel<W: Numeric, E: Epilogue<W>>() -> RowKernel<W, E> {
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
    g: &ConvGeometry,
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
    g: &ConvGeometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    output_row(g, input, filter, r, dst, epilogue)
}

/// The part of the image one output row reads: input rows from `iy` for filter rows `ky`.
struct Rows<'a, W> {
    image: &'a [W],
    ky: Range<usize>,
    iy: usize,
}

/// Output row `r` (counted over N·OH) into `dst` (`OW·OC` elements).
#[inline(always)]
fn output_row<W: Numeric, E: Epilogue<W>>(
    g: &ConvGeometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    let (rows, cols) = (&g.rows, &g.cols);
    let image_len = rows.input * cols.input * g.in_depth;
    let (n, y) = (r / rows.output, r % rows.output);
    let ky = rows.valid_taps(y);
    let iy = (y * rows.stride + ky.start).saturating_sub(rows.pad);
    let src = Rows { image: &input[n * image_len..][..image_len], ky, iy };
    // Pixels whose whole window row lies inside the image: x·stride ≥ pad and
    // x·stride − pad + window ≤ width.
    let first = cols.pad.div_ceil(cols.stride);
    let last = (cols.input + cols.pad).checked_sub(cols.window).map_or(0, |v| v / cols.stride + 1);
    let interior = first.min(cols.output)..last.min(cols.output).max(first.min(cols.output));
    let mut x = 0;
    while x < cols.output {
        if interior.contains(&x) && x + TILE <= interior.end {
            pixels::<W, E, TILE>(g, &src, filter, x, 0..cols.window, dst, epilogue);
            x += TILE;
        } else {
            pixels::<W, E, 1>(g, &src, filter, x, cols.valid_taps(x), dst, epilogue);
            x += 1;
        }
    }
}

/// Output pixels `x..x+P` of the row (each with window columns `kx` inside the image), all
/// output channels: 16 at a time, then 8, then one.
#[inline(always)]
fn pixels<W: Numeric, E: Epilogue<W>, const P: usize>(
    g: &ConvGeometry,
    src: &Rows<'_, W>,
    filter: &[W],
    x: usize,
    kx: Range<usize>,
    dst: &mut [W],
    epilogue: &E,
) {
    let od = g.out_depth;
    let mut o0 = 0;
    while o0 + 16 <= od {
        tile::<W, E, P, 16>(g, src, filter, x, kx.clone(), o0, dst, epilogue);
        o0 += 16;
    }
    while o0 + 8 <= od {
        tile::<W, E, P, 8>(g, src, filter, x, kx.clone(), o0, dst, epilogue);
        o0 += 8;
    }
    while o0 < od {
        tile::<W, E, P, 1>(g, src, filter, x, kx.clone(), o0, dst, epilogue);
        o0 += 1;
    }
}

/// Output channels `o0..o0+L` of pixels `x..x+P`: `Σ input · filter` over the window's taps
/// and the input channels, in registers; then the epilogue; then stored.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tile<W: Numeric, E: Epilogue<W>, const P: usize, const L: usize>(
    g: &ConvGeometry,
    src: &Rows<'_, W>,
    filter: &[W],
    x: usize,
    kx: Range<usize>,
    o0: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    let (c, od, cols) = (g.in_depth, g.out_depth, &g.cols);
    let line = cols.input * c;
    let mut acc = [[W::ZERO; L]; P];
    for (dy, ky) in src.ky.clone().enumerate() {
        let row = &src.image[(src.iy + dy) * line..][..line];
        for k in kx.clone() {
            // Where each pixel's input channels start for this tap.
            let mut at = [0usize; P];
            for (p, a) in at.iter_mut().enumerate() {
                *a = ((x + p) * cols.stride + k - cols.pad) * c;
            }
            let taps = &filter[((ky * cols.window + k) * c) * od + o0..];
            for ci in 0..c {
                let Some(f) = lanes::<W, L>(taps, ci * od) else {
                    // Inside the filter by construction.
                    continue;
                };
                for p in 0..P {
                    let v = row[at[p] + ci];
                    for l in 0..L {
                        acc[p][l] = acc[p][l].add(v.mul(f[l]));
                    }
                }
            }
        }
    }
    for (p, values) in acc.iter_mut().enumerate() {
        if E::ACTIVE {
            epilogue.apply(o0, values);
        }
        dst[(x + p) * od + o0..][..L].copy_from_slice(values);
    }
}
