//! Vector code for the hot f32 convolution loops (MobileNet's): explicit AVX-512 and AVX2
//! intrinsics, because the compiler turns the generic register tiles into scalar code. Each
//! routine says whether it handled the case; the generic code computes the rest (other
//! element types, CPUs without AVX2, dilations, channel multipliers).

#[cfg(target_arch = "x86_64")]
mod depthwise;
#[cfg(target_arch = "x86_64")]
mod direct;
#[cfg(target_arch = "x86_64")]
mod few_rows;
#[cfg(target_arch = "x86_64")]
mod finish;
#[cfg(target_arch = "x86_64")]
mod lanes;
#[cfg(all(test, target_arch = "x86_64"))]
mod tests;

use super::depthwise::Geometry;
use super::epilogue::Epilogue;
use super::im2col::ConvGeometry;
use crate::kernels::numeric::Numeric;

/// Element types with vector convolution rows (f32); the others use the defaults.
pub(crate) trait SimdConv: Numeric {
    /// Depthwise output row `r` into `dst`, every element written, if there is vector code for
    /// it.
    fn depthwise_row<E: Epilogue<Self>>(
        _g: &Geometry,
        _input: &[Self],
        _filter: &[Self],
        _r: usize,
        _dst: &mut [Self],
        _epilogue: &E,
    ) -> bool {
        false
    }

    /// `dst = a · b` for a product of a few rows (see `few_rows`), if there is vector code for
    /// it: `a` is `m×k` with strides `a_strides` (row, column), `b` is `k×n` row-major with row
    /// stride `b_rs`, `dst` `m×n` row-major with row stride `d_rs`.
    ///
    /// # Safety
    /// Every element of the three views must lie inside the memory behind its pointer, and
    /// `dst`'s must not be read or written by anything else during the call.
    #[allow(clippy::too_many_arguments)]
    unsafe fn few_rows_product(
        _m: usize,
        _n: usize,
        _k: usize,
        _a: *const Self,
        _a_strides: (usize, usize),
        _b: *const Self,
        _b_rs: usize,
        _dst: *mut Self,
        _d_rs: usize,
    ) -> bool {
        false
    }

    /// Direct-convolution output row `r` into `dst`, if there is vector code for it.
    fn direct_row<E: Epilogue<Self>>(
        _g: &ConvGeometry,
        _input: &[Self],
        _filter: &[Self],
        _r: usize,
        _dst: &mut [Self],
        _epilogue: &E,
    ) -> bool {
        false
    }
}

impl SimdConv for f64 {}
impl SimdConv for i32 {}

/// The widest vector unit this CPU has that the f32 routines use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Isa {
    Avx512,
    Avx2,
    None,
}

fn isa() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Avx2;
        }
    }
    Isa::None
}

impl SimdConv for f32 {
    fn depthwise_row<E: Epilogue<f32>>(
        g: &Geometry,
        input: &[f32],
        filter: &[f32],
        r: usize,
        dst: &mut [f32],
        epilogue: &E,
    ) -> bool {
        if g.multiplier != 1 || g.rows.dilation != 1 || g.cols.dilation != 1 {
            return false;
        }
        #[cfg(target_arch = "x86_64")]
        match isa() {
            // SAFETY: each variant needs only the CPU features just detected.
            Isa::Avx512 => unsafe { depthwise::row_avx512(g, input, filter, r, dst, epilogue) },
            Isa::Avx2 => unsafe { depthwise::row_avx2(g, input, filter, r, dst, epilogue) },
            Isa::None => return false,
        }
        #[cfg(not(target_arch = "x86_64"))]
        return false;
        #[allow(unreachable_code)]
        true
    }

    unsafe fn few_rows_product(
        m: usize,
        n: usize,
        k: usize,
        a: *const f32,
        a_strides: (usize, usize),
        b: *const f32,
        b_rs: usize,
        dst: *mut f32,
        d_rs: usize,
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        match isa() {
            // SAFETY: each variant needs only the CPU features just detected, and the views
            // are the caller's promise.
            Isa::Avx512 => unsafe {
                few_rows::product_avx512(m, n, k, a, a_strides, b, b_rs, dst, d_rs)
            },
            Isa::Avx2 => unsafe {
                few_rows::product_avx2(m, n, k, a, a_strides, b, b_rs, dst, d_rs)
            },
            Isa::None => return false,
        }
        #[cfg(not(target_arch = "x86_64"))]
        return false;
        #[allow(unreachable_code)]
        true
    }

    fn direct_row<E: Epilogue<f32>>(
        g: &ConvGeometry,
        input: &[f32],
        filter: &[f32],
        r: usize,
        dst: &mut [f32],
        epilogue: &E,
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        match isa() {
            // SAFETY: each variant needs only the CPU features just detected.
            Isa::Avx512 => unsafe { direct::row_avx512(g, input, filter, r, dst, epilogue) },
            Isa::Avx2 => unsafe { direct::row_avx2(g, input, filter, r, dst, epilogue) },
            Isa::None => return false,
        }
        #[cfg(not(target_arch = "x86_64"))]
        return false;
        #[allow(unreachable_code)]
        true
    }
}
