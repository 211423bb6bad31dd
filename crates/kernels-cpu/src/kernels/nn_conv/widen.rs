//! Element types as the convolution kernels compute them: f16 and bf16 widen to f32 (computed
//! in f32 and rounded once at the end, as TensorFlow's CPU kernels do), the others compute in
//! themselves without copies.

use super::gemm::GemmElement;
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use rayon::prelude::*;
use std::borrow::Cow;

/// Above this many elements, conversions and layout changes run on the rayon pool.
pub(crate) const PARALLEL_ELEMENTS: usize = 1 << 15;

/// An element type and the type its arithmetic is done in.
pub(crate) trait Widen: Numeric + Send + Sync {
    /// The compute type (`Self` for f32, f64 and i32).
    type Wide: GemmElement;
    fn widen(self) -> Self::Wide;
    fn narrow(w: Self::Wide) -> Self;
    /// `src` in the compute type, borrowed when no conversion is needed.
    fn widen_slice(src: &[Self]) -> Cow<'_, [Self::Wide]>;
    /// Runs `f` on a compute-type buffer standing for `out` (zero-filled), then rounds it into
    /// `out`; `out` itself when no conversion is needed.
    fn with_wide_out(out: &mut [Self], f: impl FnOnce(&mut [Self::Wide]));
}

macro_rules! same_width {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            type Wide = $t;
            #[inline]
            fn widen(self) -> $t { self }
            #[inline]
            fn narrow(w: $t) -> $t { w }
            fn widen_slice(src: &[$t]) -> Cow<'_, [$t]> { Cow::Borrowed(src) }
            fn with_wide_out(out: &mut [$t], f: impl FnOnce(&mut [$t])) { f(out) }
        }
    )*};
}

same_width!(f32, f64, i32);

macro_rules! half_width {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            type Wide = f32;
            #[inline]
            fn widen(self) -> f32 { self.to_f32() }
            #[inline]
            fn narrow(w: f32) -> $t { <$t>::from_f32(w) }
            fn widen_slice(src: &[$t]) -> Cow<'_, [f32]> {
                let mut dst = vec![0f32; src.len()];
                convert(src, &mut dst, <$t>::to_f32);
                Cow::Owned(dst)
            }
            fn with_wide_out(out: &mut [$t], f: impl FnOnce(&mut [f32])) {
                let mut wide = vec![0f32; out.len()];
                f(&mut wide);
                convert(&wide, out, <$t>::from_f32);
            }
        }
    )*};
}

half_width!(f16, bf16);

/// `dst[i] = f(src[i])`, in parallel for large slices (equal lengths).
pub(crate) fn convert<S: Copy + Sync, D: Send>(
    src: &[S],
    dst: &mut [D],
    f: impl Fn(S) -> D + Sync,
) {
    const CHUNK: usize = 1 << 14;
    if src.len() >= PARALLEL_ELEMENTS {
        dst.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)).for_each(|(d, s)| {
            d.iter_mut().zip(s).for_each(|(d, &s)| *d = f(s));
        });
    } else {
        dst.iter_mut().zip(src).for_each(|(d, &s)| *d = f(s));
    }
}
