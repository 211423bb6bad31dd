//! Depthwise convolution rows in f32 vectors (one filter per channel, no dilation). Pixels
//! whose window lies inside the image go six at a time, so that six independent chains of
//! multiply-adds hide each other's latency; each pixel's channels a vector at a time, over the
//! window's taps in order, then finished (bias, clamp) in registers and stored.

#![allow(unsafe_op_in_unsafe_fn)]

use super::super::depthwise::Geometry;
use super::super::epilogue::Epilogue;
use super::finish::{Finish, finish_avx2, finish_avx512};
use super::lanes::{avx2, avx512};
use std::ops::Range;

/// Interior pixels per tile.
const TILE: usize = 6;

/// Where one output row reads: the image, its rows from `iy` for filter rows `ky`; and the
/// finish.
struct Source {
    image: *const f32,
    filter: *const f32,
    iy: usize,
    ky: Range<usize>,
    finish: Finish,
}

macro_rules! depthwise_row {
    ($name:ident, $tile:ident, $isa:ident, $finish:ident, $feature:literal) => {
        /// Output row `r` (counted over N·OH) into `dst`, every element written.
        ///
        /// # Safety
        /// The CPU must support the instruction set of this variant.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn $name<E: Epilogue<f32>>(
            g: &Geometry,
            input: &[f32],
            filter: &[f32],
            r: usize,
            dst: &mut [f32],
            epilogue: &E,
        ) {
            let (rows, cols, c) = (&g.rows, &g.cols, g.depth);
            let image_len = rows.input * cols.input * c;
            let (n, y) = (r / rows.output, r % rows.output);
            // Checked slices: every pointer below stays inside them by the window's
            // construction (taps inside the image, channels below `c`).
            let image = &input[n * image_len..][..image_len];
            let filter = &filter[..rows.window * cols.window * c];
            let dst = &mut dst[..cols.output * c];
            let ky = rows.valid_taps(y);
            let iy = (y * rows.stride + ky.start).saturating_sub(rows.pad);
            let finish = Finish::of(epilogue, c);
            let src = Source { image: image.as_ptr(), filter: filter.as_ptr(), iy, ky, finish };
            let first = cols.pad.div_ceil(cols.stride).min(cols.output);
            let last = (cols.input + cols.pad)
                .checked_sub(cols.window)
                .map_or(0, |v| v / cols.stride + 1)
                .clamp(first, cols.output);
            let mut x = 0;
            while x < cols.output {
                if x >= first && x + TILE <= last {
                    $tile::<TILE>(g, &src, x, 0..cols.window, dst.as_mut_ptr());
                    x += TILE;
                } else {
                    $tile::<1>(g, &src, x, cols.valid_taps(x), dst.as_mut_ptr());
                    x += 1;
                }
            }
            if src.finish.leaves_epilogue::<E>() {
                for pixel in dst.chunks_exact_mut(c) {
                    epilogue.apply(0, pixel);
                }
            }
        }

        /// Pixels `x..x+P` (window columns `kx` inside the image), every channel.
        #[inline]
        #[target_feature(enable = $feature)]
        unsafe fn $tile<const P: usize>(
            g: &Geometry,
            src: &Source,
            x: usize,
            kx: Range<usize>,
            dst: *mut f32,
        ) {
            use $isa::*;
            let (c, cols) = (g.depth, &g.cols);
            let (line, kw, step) = (cols.input * c, cols.window, cols.stride * c);
            let mut c0 = 0;
            while c0 < c {
                let m = mask(c - c0);
                let mut acc = [zero(); P];
                for (dy, ky) in src.ky.clone().enumerate() {
                    let row = src.image.add((src.iy + dy) * line + c0);
                    let taps = src.filter.add((ky * kw + kx.start) * c + c0);
                    for (dx, k) in kx.clone().enumerate() {
                        let f = load(taps.add(dx * c), m);
                        // Pixel p's tap is `step` further along the input row than pixel p−1's.
                        let at = row.add((x * cols.stride + k - cols.pad) * c);
                        for (p, a) in acc.iter_mut().enumerate() {
                            *a = fma(load(at.add(p * step), m), f, *a);
                        }
                    }
                }
                for (p, a) in acc.iter().enumerate() {
                    store(dst.add((x + p) * c + c0), m, $finish(&src.finish, *a, c0, m));
                }
                c0 += LANES;
            }
        }
    };
}

depthwise_row!(row_avx512, tile_avx512, avx512, finish_avx512, "avx512f");
depthwise_row!(row_avx2, tile_avx2, avx2, finish_avx2, "avx2,fma");
