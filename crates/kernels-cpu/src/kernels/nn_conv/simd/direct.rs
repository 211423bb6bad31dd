//! Direct convolution rows in f32 vectors: tiles of 6 consecutive output pixels by up to two
//! vectors of output channels accumulate in registers over the window's taps and the input
//! channels (one filter load per input channel feeds the tile; each input value is broadcast);
//! the epilogue then finishes each pixel.

#![allow(unsafe_op_in_unsafe_fn)]

use super::super::epilogue::Epilogue;
use super::super::im2col::ConvGeometry;
use super::lanes::{avx2, avx512};

/// Output pixels per register tile.
const TILE: usize = 6;

macro_rules! direct_row {
    ($name:ident, $tile:ident, $isa:ident, $feature:literal) => {
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
            let src = Source { image: image.as_ptr(), line: cols.input * c, iy, ky };
            // Pixels whose whole window row lies inside the image.
            let first = cols.pad.div_ceil(cols.stride).min(cols.output);
            let last = (cols.input + cols.pad)
                .checked_sub(cols.window)
                .map_or(0, |v| v / cols.stride + 1)
                .clamp(first, cols.output);
            let mut x = 0;
            while x < cols.output {
                let tile = if x >= first && x + TILE <= last { TILE } else { 1 };
                let kx = if tile == TILE { 0..cols.window } else { cols.valid_taps(x) };
                let mut o0 = 0;
                while o0 < od {
                    let lanes = (od - o0).min(2 * LANES);
                    let out = dst.as_mut_ptr().add(x * od + o0);
                    let taps = filter.as_ptr().add(o0);
                    if tile == TILE {
                        $tile::<TILE>(g, &src, taps, x, kx.clone(), lanes, out);
                    } else {
                        $tile::<1>(g, &src, taps, x, kx.clone(), lanes, out);
                    }
                    o0 += lanes;
                }
                x += tile;
            }
            if E::ACTIVE {
                for pixel in dst.chunks_exact_mut(od) {
                    epilogue.apply(0, pixel);
                }
            }
        }

        /// `P` pixels from `x`, `lanes` (at most two vectors) output channels from `taps`
        /// (the filter offset to the first of them): accumulate, then store to `out`.
        #[inline]
        #[target_feature(enable = $feature)]
        unsafe fn $tile<const P: usize>(
            g: &ConvGeometry,
            src: &Source,
            taps: *const f32,
            x: usize,
            kx: std::ops::Range<usize>,
            lanes: usize,
            out: *mut f32,
        ) {
            use $isa::*;
            let (c, od, cols) = (g.in_depth, g.out_depth, &g.cols);
            let masks = [mask(lanes), mask(lanes.saturating_sub(LANES))];
            let two = lanes > LANES;
            let mut acc = [[zero(); 2]; P];
            for (dy, ky) in src.ky.clone().enumerate() {
                let row = src.image.add((src.iy + dy) * src.line);
                for k in kx.clone() {
                    let mut at = [row; P];
                    for (p, a) in at.iter_mut().enumerate() {
                        *a = row.add(((x + p) * cols.stride + k - cols.pad) * c);
                    }
                    let f = taps.add((ky * cols.window + k) * c * od);
                    for ci in 0..c {
                        let w0 = load(f.add(ci * od), masks[0]);
                        if two {
                            let w1 = load(f.add(ci * od + LANES), masks[1]);
                            for p in 0..P {
                                let v = splat(*at[p].add(ci));
                                acc[p][0] = fma(v, w0, acc[p][0]);
                                acc[p][1] = fma(v, w1, acc[p][1]);
                            }
                        } else {
                            for p in 0..P {
                                acc[p][0] = fma(splat(*at[p].add(ci)), w0, acc[p][0]);
                            }
                        }
                    }
                }
            }
            for (p, a) in acc.iter().enumerate() {
                store(out.add(p * od), masks[0], a[0]);
                if two {
                    store(out.add(p * od + LANES), masks[1], a[1]);
                }
            }
        }
    };
}

/// The part of the image one output row reads: input rows from `iy` for filter rows `ky`.
struct Source {
    image: *const f32,
    line: usize,
    iy: usize,
    ky: std::ops::Range<usize>,
}

direct_row!(row_avx512, tile_avx512, avx512, "avx512f");
direct_row!(row_avx2, tile_avx2, avx2, "avx2,fma");
