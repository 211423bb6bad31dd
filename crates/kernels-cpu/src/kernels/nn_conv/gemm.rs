//! Strided matrix products for the convolutions: `gemm` for f32/f64, plain loops for i32.

use super::simd::SimdConv;
use gemm::Parallelism;
use sessionflow_core::{Allocator, Result, Tensor, TensorShape};
use std::sync::Arc;

/// Below this many multiply-adds a single thread is faster than waking the pool.
const PARALLEL_THRESHOLD: usize = 1 << 18;

/// Runs `f` on `len` elements of scratch memory taken from the device's allocator, so that a
/// kernel's temporary buffers count in the session's memory statistics and limit (TF's
/// `allocate_temp`). The contents are unspecified: callers overwrite what they read.
pub(crate) fn with_scratch<W: GemmElement, R>(
    allocator: &Arc<dyn Allocator>,
    len: usize,
    f: impl FnOnce(&mut [W]) -> R,
) -> Result<R> {
    let mut scratch = Tensor::for_overwrite(allocator, W::DTYPE, TensorShape::new([len]))?;
    Ok(f(scratch.as_mut_slice::<W>()?))
}

/// A strided matrix inside a slice: element (i, j) is at `offset + i·rs + j·cs`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mat {
    pub offset: usize,
    pub rs: usize,
    pub cs: usize,
}

impl Mat {
    /// A row-major matrix with row stride `rs` starting at `offset`.
    pub(crate) fn rows(offset: usize, rs: usize) -> Mat {
        Mat { offset, rs, cs: 1 }
    }

    /// Panics unless a `rows × cols` matrix fits in `len` elements. The convolutions derive
    /// every view from validated shapes, so a failure here is a bug in them, and the check
    /// keeps the unsafe `gemm` call below sound whatever happens.
    fn assert_fits(&self, rows: usize, cols: usize, len: usize) {
        let last = self.offset + (rows - 1) * self.rs + (cols - 1) * self.cs;
        assert!(last < len, "matrix view out of bounds: {last} >= {len}");
    }
}

/// How an element type multiplies strided matrices.
pub(crate) trait GemmElement: SimdConv + Send + Sync {
    /// `dst = a · b` for an `m×k` `a` and a `k×n` `b`, overwriting the `m×n` view of `dst`.
    /// Does nothing when any size is 0 (callers zero-fill `dst` for `k = 0`).
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        m: usize,
        n: usize,
        k: usize,
        a: &[Self],
        am: Mat,
        b: &[Self],
        bm: Mat,
        dst: &mut [Self],
        dm: Mat,
    );

    /// [`GemmElement::gemm`] on the calling thread only (for callers that parallelise over
    /// blocks themselves).
    #[allow(clippy::too_many_arguments)]
    fn gemm_serial(
        m: usize,
        n: usize,
        k: usize,
        a: &[Self],
        am: Mat,
        b: &[Self],
        bm: Mat,
        dst: &mut [Self],
        dm: Mat,
    ) {
        Self::gemm(m, n, k, a, am, b, bm, dst, dm)
    }
}

macro_rules! gemm_float {
    ($($t:ty),*) => {$(
        impl GemmElement for $t {
            fn gemm(
                m: usize, n: usize, k: usize,
                a: &[$t], am: Mat, b: &[$t], bm: Mat, dst: &mut [$t], dm: Mat,
            ) {
                let parallel = m.saturating_mul(n).saturating_mul(k) >= PARALLEL_THRESHOLD;
                float_gemm(m, n, k, a, am, b, bm, dst, dm, parallel);
            }

            fn gemm_serial(
                m: usize, n: usize, k: usize,
                a: &[$t], am: Mat, b: &[$t], bm: Mat, dst: &mut [$t], dm: Mat,
            ) {
                float_gemm(m, n, k, a, am, b, bm, dst, dm, false);
            }
        }
    )*};
}

/// `dst = a · b` through `gemm`, on the rayon pool when `parallel`.
#[allow(clippy::too_many_arguments)]
fn float_gemm<T: 'static + Copy + num_traits::Zero + num_traits::One>(
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    am: Mat,
    b: &[T],
    bm: Mat,
    dst: &mut [T],
    dm: Mat,
    parallel: bool,
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    am.assert_fits(m, k, a.len());
    bm.assert_fits(k, n, b.len());
    dm.assert_fits(m, n, dst.len());
    let parallelism = if parallel { Parallelism::Rayon(0) } else { Parallelism::None };
    // SAFETY: the three views were checked to lie inside their slices just above; `dst` is a
    // unique borrow, so it aliases neither `a` nor `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr().add(dm.offset),
            dm.cs as isize,
            dm.rs as isize,
            false,
            a.as_ptr().add(am.offset),
            am.cs as isize,
            am.rs as isize,
            b.as_ptr().add(bm.offset),
            bm.cs as isize,
            bm.rs as isize,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        );
    }
}

gemm_float!(f32, f64);

impl GemmElement for i32 {
    fn gemm(
        m: usize,
        n: usize,
        k: usize,
        a: &[i32],
        am: Mat,
        b: &[i32],
        bm: Mat,
        dst: &mut [i32],
        dm: Mat,
    ) {
        if m == 0 || n == 0 || k == 0 {
            return;
        }
        am.assert_fits(m, k, a.len());
        bm.assert_fits(k, n, b.len());
        dm.assert_fits(m, n, dst.len());
        // i-k-j order: the inner loop walks a row of `b` and of `dst`. Integers wrap on
        // overflow, as TensorFlow's do in practice.
        for i in 0..m {
            let row = dm.offset + i * dm.rs;
            for j in 0..n {
                dst[row + j * dm.cs] = 0;
            }
            for kk in 0..k {
                let x = a[am.offset + i * am.rs + kk * am.cs];
                let brow = bm.offset + kk * bm.rs;
                for j in 0..n {
                    let d = &mut dst[row + j * dm.cs];
                    *d = d.wrapping_add(x.wrapping_mul(b[brow + j * bm.cs]));
                }
            }
        }
    }
}
