//! Direct convolution rows in f32 vectors: tiles of consecutive output pixels by up to four
//! vectors of output channels accumulate in registers over the window's taps and the input
//! channels (one filter load per input channel and vector feeds the tile; each input value is
//! broadcast), then are finished (bias, clamp) and stored. Narrow outputs take wider tiles of
//! pixels, so there are always a dozen independent accumulators.

#![allow(unsafe_op_in_unsafe_fn)]

use super::super::epilogue::Epilogue;
use super::super::im2col::ConvGeometry;
use super::finish::{Finish, finish_avx2, finish_avx512};
use super::lanes::{avx2, avx512};
use std::ops::Range;

/// The part of the image one output row reads, and the finish.
struct Source {
    image: *const f32,
    filter: *const f32,
    line: usize,
    iy: usize,
    ky: Range<usize>,
    finish: Finish,
}

macro_rules! direct_row {
    ($name:ident, $tile:ident, $isa:ident, $finish:ident, $feature:literal, $max_vectors:expr) => {
        /// Output row `r` (counted over N·OH) into `dst`, every element written.
        ///
        /// # Safety
        /// The CPU must support the instruction set of this variant.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn $name<E: Epilogue<f32>>(
            g: &ConvGeometry,
            input: &[f32],
            filter: &[f32],
            r: usize,
            dst: &mut [f32],
            epilogue: &E,
        ) {
            use $isa::LANES;
            let (rows, cols, c, od) = (&g.rows, &g.cols, g.in_depth, g.out_depth);
            let image_len = rows.input * cols.input * c;
            let (n, y) = (r / rows.output, r % rows.output);
            // Checked slices: every pointer below stays inside them by construction (taps
            // inside the image, channels below their counts).
            let image = &input[n * image_len..][..image_len];
            let filter = &filter[..rows.window * cols.window * c * od];
            let dst = &mut dst[..cols.output * od];
            let ky = rows.valid_taps(y);
            let iy = (y * rows.stride + ky.start).saturating_sub(rows.pad);
            let finish = Finish::of(epilogue, od);
            let src = Source {
                image: image.as_ptr(),
                filter: filter.as_ptr(),
                line: cols.input * c,
                iy,
                ky,
                finish,
            };
            // Pixels whose whole window row lies inside the image.
            let first = cols.pad.div_ceil(cols.stride).min(cols.output);
            let last = (cols.input + cols.pad)
                .checked_sub(cols.window)
                .map_or(0, |v| v / cols.stride + 1)
                .clamp(first, cols.output);
            let out = dst.as_mut_ptr();
            // A window row's taps and channels lie next to each other in the image, and
            // pixel p's start `step` after pixel p−1's: known when compiled, the tile's loads
            // need one pointer between them (RGB stems: three channels, stride 1 or 2).
            let step = cols.stride * c;
            let mut o0 = 0;
            while o0 < od {
                let vectors = (od - o0).div_ceil(LANES).min($max_vectors);
                let lanes = (od - o0).min(vectors * LANES);
                // Pixels per interior tile: a dozen accumulators whatever the width.
                let wide = match vectors {
                    1 => 12,
                    2 => 6,
                    _ => 4,
                };
                let mut x = 0;
                while x < cols.output {
                    let kx = || 0..cols.window;
                    if x >= first && x < last && last - first >= wide {
                        // The last interior tile ends at `last`, computing again (to the
                        // same values) pixels the one before it stored, rather than leaving
                        // them to narrower tiles.
                        let x0 = x.min(last - wide);
                        x = x0
                            + match (vectors, step) {
                                (1, 6) => $tile::<12, 1, 6>(g, &src, x0, kx(), o0, lanes, out),
                                (1, 3) => $tile::<12, 1, 3>(g, &src, x0, kx(), o0, lanes, out),
                                (1, _) => $tile::<12, 1, 0>(g, &src, x0, kx(), o0, lanes, out),
                                (2, 6) => $tile::<6, 2, 6>(g, &src, x0, kx(), o0, lanes, out),
                                (2, _) => $tile::<6, 2, 0>(g, &src, x0, kx(), o0, lanes, out),
                                (3, _) => $tile::<4, 3, 0>(g, &src, x0, kx(), o0, lanes, out),
                                _ => $tile::<4, 4, 0>(g, &src, x0, kx(), o0, lanes, out),
                            };
                        continue;
                    }
                    let inside = |p: usize| x >= first && x + p <= last;
                    x += match vectors {
                        1 if inside(4) => $tile::<4, 1, 0>(g, &src, x, kx(), o0, lanes, out),
                        2 if inside(4) => $tile::<4, 2, 0>(g, &src, x, kx(), o0, lanes, out),
                        1 => $tile::<1, 1, 0>(g, &src, x, cols.valid_taps(x), o0, lanes, out),
                        2 => $tile::<1, 2, 0>(g, &src, x, cols.valid_taps(x), o0, lanes, out),
                        3 => $tile::<1, 3, 0>(g, &src, x, cols.valid_taps(x), o0, lanes, out),
                        _ => $tile::<1, 4, 0>(g, &src, x, cols.valid_taps(x), o0, lanes, out),
                    };
                }
                o0 += lanes;
            }
            if src.finish.leaves_epilogue::<E>() {
                for pixel in dst.chunks_exact_mut(od) {
                    epilogue.apply(0, pixel);
                }
            }
        }

        /// `P` pixels from `x` (window columns `kx` inside the image) by `lanes` output
        /// channels from `o0` (in `V` vectors): accumulate, finish, store into `out` (the row).
        /// `STEP` is the distance between pixels' inputs (stride × channels) when it is known
        /// as compiled, else 0. Returns `P`.
        #[inline]
        #[target_feature(enable = $feature)]
        unsafe fn $tile<const P: usize, const V: usize, const STEP: usize>(
            g: &ConvGeometry,
            src: &Source,
            x: usize,
            kx: Range<usize>,
            o0: usize,
            lanes: usize,
            out: *mut f32,
        ) -> usize {
            use $isa::*;
            let (c, od, cols) = (g.in_depth, g.out_depth, &g.cols);
            let step = if STEP == 0 { cols.stride * c } else { STEP };
            debug_assert_eq!(step, cols.stride * c);
            let mut masks = [mask(0); V];
            for (v, m) in masks.iter_mut().enumerate() {
                *m = mask(lanes.saturating_sub(v * LANES));
            }
            let mut acc = [[zero(); V]; P];
            // The taps `kx` of a window row and their channels are one run of the image row
            // (and of the filter, `od` apart), in the order the generic code adds them.
            let run = kx.len() * c;
            for (dy, ky) in src.ky.clone().enumerate() {
                let row = src.image.add((src.iy + dy) * src.line);
                let at = row.add((x * cols.stride + kx.start - cols.pad) * c);
                let taps = src.filter.add((ky * cols.window + kx.start) * c * od + o0);
                for j in 0..run {
                    let mut w = [zero(); V];
                    for (v, w) in w.iter_mut().enumerate() {
                        *w = load(taps.add(j * od + v * LANES), masks[v]);
                    }
                    for p in 0..P {
                        let b = splat(*at.add(p * step + j));
                        for v in 0..V {
                            acc[p][v] = fma(b, w[v], acc[p][v]);
                        }
                    }
                }
            }
            for (p, a) in acc.iter().enumerate() {
                for v in 0..V {
                    let channel = o0 + v * LANES;
                    let value = $finish(&src.finish, a[v], channel, masks[v]);
                    store(out.add((x + p) * od + channel), masks[v], value);
                }
            }
            P
        }
    };
}

direct_row!(row_avx512, tile_avx512, avx512, finish_avx512, "avx512f", 4);
direct_row!(row_avx2, tile_avx2, avx2, finish_avx2, "avx2,fma", 2);
