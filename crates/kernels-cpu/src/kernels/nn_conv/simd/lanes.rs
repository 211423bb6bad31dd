//! The vector operations the f32 routines are written in, for AVX-512 (16 lanes, native masks)
//! and AVX2 (8 lanes, masks as vectors), under one set of names so that each routine is
//! written once (`macro_rules!` stamps it per instruction set). A mask covers the first `n`
//! lanes; loads through it read, and stores write, no element past them.

#![allow(unsafe_op_in_unsafe_fn)]

use std::arch::x86_64::*;

pub(super) mod avx512 {
    use super::*;

    pub(crate) const LANES: usize = 16;
    pub(crate) type V = __m512;
    pub(crate) type Mask = __mmask16;

    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn mask(n: usize) -> Mask {
        if n >= LANES { 0xffff } else { ((1u32 << n) - 1) as u16 }
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn zero() -> V {
        _mm512_setzero_ps()
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn splat(x: f32) -> V {
        _mm512_set1_ps(x)
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn load(p: *const f32, m: Mask) -> V {
        _mm512_maskz_loadu_ps(m, p)
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn store(p: *mut f32, m: Mask, v: V) {
        _mm512_mask_storeu_ps(p, m, v)
    }

    /// `a·b + c`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn fma(a: V, b: V, c: V) -> V {
        _mm512_fmadd_ps(a, b, c)
    }

    /// `a + b`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn add(a: V, b: V) -> V {
        _mm512_add_ps(a, b)
    }

    /// `a − b`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn sub(a: V, b: V) -> V {
        _mm512_sub_ps(a, b)
    }

    /// `max(a, b)`, `b` where either is NaN.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn max(a: V, b: V) -> V {
        _mm512_max_ps(a, b)
    }

    /// `min(a, b)`, `b` where either is NaN.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn min(a: V, b: V) -> V {
        _mm512_min_ps(a, b)
    }
}

pub(super) mod avx2 {
    use super::*;

    pub(crate) const LANES: usize = 8;
    pub(crate) type V = __m256;
    pub(crate) type Mask = __m256i;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn mask(n: usize) -> Mask {
        let n = n.min(LANES) as i32;
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lanes)
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn zero() -> V {
        _mm256_setzero_ps()
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn splat(x: f32) -> V {
        _mm256_set1_ps(x)
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn load(p: *const f32, m: Mask) -> V {
        _mm256_maskload_ps(p, m)
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn store(p: *mut f32, m: Mask, v: V) {
        _mm256_maskstore_ps(p, m, v)
    }

    /// `a·b + c`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn fma(a: V, b: V, c: V) -> V {
        _mm256_fmadd_ps(a, b, c)
    }

    /// `a + b`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn add(a: V, b: V) -> V {
        _mm256_add_ps(a, b)
    }

    /// `a − b`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn sub(a: V, b: V) -> V {
        _mm256_sub_ps(a, b)
    }

    /// `max(a, b)`, `b` where either is NaN.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn max(a: V, b: V) -> V {
        _mm256_max_ps(a, b)
    }

    /// `min(a, b)`, `b` where either is NaN.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn min(a: V, b: V) -> V {
        _mm256_min_ps(a, b)
    }
}
