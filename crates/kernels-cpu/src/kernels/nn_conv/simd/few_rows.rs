//! Products of a few rows by a row-major matrix (a classifier's head: 1×1280 by 1280×100):
//! each row's outputs accumulate in registers, eight vectors of columns at a time, over the
//! rows of `b`, which stream through once per row of `a`. `gemm` packs `b` for such a product
//! and took 8.8 µs on one thread where this loop takes 3.0; see `gemm::FEW_ROWS` for when it
//! is used.

#![allow(unsafe_op_in_unsafe_fn)]

use super::lanes::{avx2, avx512};

/// Vectors of columns accumulated at once at most.
const VECTORS: usize = 8;

macro_rules! few_rows {
    ($name:ident, $block:ident, $isa:ident, $feature:literal) => {
        /// `dst[i, j] = Σ_p a[i·a_rs + p·a_cs] · b[p·b_rs + j]` for `i < m`, `j < n`, `p < k`,
        /// with `dst[i, j]` at `i·d_rs + j`.
        ///
        /// # Safety
        /// The CPU must support the instruction set of this variant; every element named above
        /// must lie inside the memory behind its pointer, and `dst`'s must not be read or
        /// written by anything else during the call.
        #[target_feature(enable = $feature)]
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn $name(
            m: usize,
            n: usize,
            k: usize,
            a: *const f32,
            (a_rs, a_cs): (usize, usize),
            b: *const f32,
            b_rs: usize,
            dst: *mut f32,
            d_rs: usize,
        ) {
            use $isa::LANES;
            for i in 0..m {
                let row = (a.add(i * a_rs), a_cs);
                let mut c0 = 0;
                while c0 < n {
                    let width = (n - c0).min(VECTORS * LANES);
                    let (b, out) = (b.add(c0), dst.add(i * d_rs + c0));
                    // As many vectors as the columns need: a narrow stripe (a thread's share)
                    // must not pay for eight.
                    match width.div_ceil(LANES) {
                        1 => $block::<1>(k, row, b, b_rs, out, width),
                        2 => $block::<2>(k, row, b, b_rs, out, width),
                        3 => $block::<3>(k, row, b, b_rs, out, width),
                        4 => $block::<4>(k, row, b, b_rs, out, width),
                        5 => $block::<5>(k, row, b, b_rs, out, width),
                        6 => $block::<6>(k, row, b, b_rs, out, width),
                        7 => $block::<7>(k, row, b, b_rs, out, width),
                        _ => $block::<8>(k, row, b, b_rs, out, width),
                    }
                    c0 += width;
                }
            }
        }

        /// `width` (≤ `V` vectors) columns of one output row: `Σ_p row[p] · b[p, ..]`. Even and
        /// odd `p` accumulate apart, so that a few vectors still make enough independent chains
        /// of multiply-adds to hide their latency.
        #[inline]
        #[target_feature(enable = $feature)]
        unsafe fn $block<const V: usize>(
            k: usize,
            (row, a_cs): (*const f32, usize),
            b: *const f32,
            b_rs: usize,
            out: *mut f32,
            width: usize,
        ) {
            use $isa::*;
            let mut masks = [mask(0); V];
            for (v, mk) in masks.iter_mut().enumerate() {
                *mk = mask(width.saturating_sub(v * LANES));
            }
            let mut even = [zero(); V];
            let mut odd = [zero(); V];
            let mut p = 0;
            while p + 2 <= k {
                let (x0, x1) = (splat(*row.add(p * a_cs)), splat(*row.add((p + 1) * a_cs)));
                let (line0, line1) = (b.add(p * b_rs), b.add((p + 1) * b_rs));
                for v in 0..V {
                    even[v] = fma(x0, load(line0.add(v * LANES), masks[v]), even[v]);
                    odd[v] = fma(x1, load(line1.add(v * LANES), masks[v]), odd[v]);
                }
                p += 2;
            }
            if p < k {
                let (x, line) = (splat(*row.add(p * a_cs)), b.add(p * b_rs));
                for v in 0..V {
                    even[v] = fma(x, load(line.add(v * LANES), masks[v]), even[v]);
                }
            }
            for v in 0..V {
                store(out.add(v * LANES), masks[v], add(even[v], odd[v]));
            }
        }
    };
}

few_rows!(product_avx512, block_avx512, avx512, "avx512f");
few_rows!(product_avx2, block_avx2, avx2, "avx2,fma");
