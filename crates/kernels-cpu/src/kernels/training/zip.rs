//! Elementwise updates of a variable (and its accumulators) from one operand, over slices of
//! equal length (the kernels check shapes first).
//!
//! Large variables are updated in chunks on several threads through
//! [`for_each_chunk`](super::chunked::for_each_chunk), which never lets the updating thread
//! (holding the variables' locks) run another job of the pool; see there why a rayon parallel
//! loop would not do. Each chunk runs in a function compiled for AVX-512 or AVX2 when the CPU
//! has it; the arithmetic and its order are the same per element whatever the chunking or the
//! vector width (no fused multiply-adds), so results do not depend on threads or CPU.

use super::chunked::{Disjoint, for_each_chunk};
use crate::kernels::nn_activation::simd::vectorized;

/// `f(a[i], g[i])` for every `i`.
pub(crate) fn update1<T: Copy + Send + Sync>(a: &mut [T], g: &[T], f: impl Fn(&mut T, T) + Sync) {
    debug_assert_eq!(a.len(), g.len());
    let a = Disjoint::new(a);
    for_each_chunk(g.len(), &|r| {
        // SAFETY: chunks are disjoint ranges of the slice borrowed for this call.
        let a = unsafe { a.range(r.clone()) };
        let g = &g[r];
        vectorized(
            #[inline(always)]
            || a.iter_mut().zip(g).for_each(|(a, &g)| f(a, g)),
        )
    });
}

/// `f(a[i], b[i], g[i])` for every `i`.
pub(crate) fn update2<T: Copy + Send + Sync>(
    a: &mut [T],
    b: &mut [T],
    g: &[T],
    f: impl Fn(&mut T, &mut T, T) + Sync,
) {
    debug_assert!(a.len() == b.len() && a.len() == g.len());
    let (a, b) = (Disjoint::new(a), Disjoint::new(b));
    for_each_chunk(g.len(), &|r| {
        // SAFETY: chunks are disjoint ranges of the slices borrowed for this call.
        let (a, b) = unsafe { (a.range(r.clone()), b.range(r.clone())) };
        let g = &g[r];
        vectorized(
            #[inline(always)]
            || a.iter_mut().zip(b.iter_mut()).zip(g).for_each(|((a, b), &g)| f(a, b, g)),
        )
    });
}

/// `f(a[i], b[i], c[i], g[i])` for every `i`.
pub(crate) fn update3<T: Copy + Send + Sync>(
    a: &mut [T],
    b: &mut [T],
    c: &mut [T],
    g: &[T],
    f: impl Fn(&mut T, &mut T, &mut T, T) + Sync,
) {
    debug_assert!(a.len() == b.len() && a.len() == c.len() && a.len() == g.len());
    let (a, b, c) = (Disjoint::new(a), Disjoint::new(b), Disjoint::new(c));
    for_each_chunk(g.len(), &|r| {
        // SAFETY: chunks are disjoint ranges of the slices borrowed for this call.
        let (a, b, c) = unsafe { (a.range(r.clone()), b.range(r.clone()), c.range(r.clone())) };
        let g = &g[r];
        vectorized(
            #[inline(always)]
            || {
                a.iter_mut()
                    .zip(b.iter_mut())
                    .zip(c.iter_mut())
                    .zip(g)
                    .for_each(|(((a, b), c), &g)| f(a, b, c, g))
            },
        )
    });
}

/// `f(a[i], b[i], c[i], d[i], g[i])` for every `i`.
pub(crate) fn update4<T: Copy + Send + Sync>(
    a: &mut [T],
    b: &mut [T],
    c: &mut [T],
    d: &mut [T],
    g: &[T],
    f: impl Fn(&mut T, &mut T, &mut T, &mut T, T) + Sync,
) {
    debug_assert!(a.len() == b.len() && a.len() == c.len() && a.len() == d.len());
    let (a, b, c, d) = (Disjoint::new(a), Disjoint::new(b), Disjoint::new(c), Disjoint::new(d));
    for_each_chunk(g.len(), &|r| {
        // SAFETY: chunks are disjoint ranges of the slices borrowed for this call.
        let (a, b, c, d) = unsafe {
            (a.range(r.clone()), b.range(r.clone()), c.range(r.clone()), d.range(r.clone()))
        };
        let g = &g[r];
        vectorized(
            #[inline(always)]
            || {
                a.iter_mut()
                    .zip(b.iter_mut())
                    .zip(c.iter_mut())
                    .zip(d.iter_mut())
                    .zip(g)
                    .for_each(|((((a, b), c), d), &g)| f(a, b, c, d, g))
            },
        )
    });
}
