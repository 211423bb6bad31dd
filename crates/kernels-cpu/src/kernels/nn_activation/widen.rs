//! The type float kernels compute in: f32 for f16/bf16 (rounded once at the end), the type
//! itself for f32/f64.

use super::exp::Exp;
use crate::kernels::numeric::FloatElement;
use half::{bf16, f16};

/// A float element and the type its row computations (softmax, losses) run in.
pub(crate) trait Widen: FloatElement + Exp {
    type C: num_traits::Float + Exp + Send + Sync + std::iter::Sum + 'static;
    fn widen(self) -> Self::C;
    fn narrow(c: Self::C) -> Self;
}

impl Widen for f32 {
    type C = f32;
    #[inline]
    fn widen(self) -> f32 {
        self
    }
    #[inline]
    fn narrow(c: f32) -> f32 {
        c
    }
}

impl Widen for f64 {
    type C = f64;
    #[inline]
    fn widen(self) -> f64 {
        self
    }
    #[inline]
    fn narrow(c: f64) -> f64 {
        c
    }
}

macro_rules! half_widen {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            type C = f32;
            #[inline]
            fn widen(self) -> f32 {
                self.to_f32()
            }
            #[inline]
            fn narrow(c: f32) -> $t {
                <$t>::from_f32(c)
            }
        }
    )*};
}
half_widen!(f16, bf16);

/// Independent accumulators in row folds, so that they vectorise.
const LANES: usize = 16;

/// Folds `xs` with `f` from `init` in [`LANES`] interleaved accumulators, then merges them.
#[inline(always)]
fn fold_lanes<C: Copy>(xs: &[C], init: C, f: impl Fn(C, C) -> C) -> C {
    let mut lanes = [init; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l = f(*l, x);
        }
    }
    let merged = lanes.into_iter().fold(init, &f);
    rest.iter().fold(merged, |a, &x| f(a, x))
}

/// A row's maximum, `−∞` for an empty row; NaN propagates.
#[inline(always)]
pub(crate) fn row_max<C: num_traits::Float>(xs: &[C]) -> C {
    fold_lanes(xs, C::neg_infinity(), |m, x| if (x > m) | x.is_nan() { x } else { m })
}

/// A row's sum.
#[inline(always)]
pub(crate) fn row_sum<C: num_traits::Float>(xs: &[C]) -> C {
    fold_lanes(xs, C::zero(), |a, x| a + x)
}
