//! Strided matrix products for the convolutions: `gemm` for f32/f64, plain loops for i32.

use super::simd::SimdConv;
use gemm::Parallelism;
use rayon::prelude::*;
use sessionflow_core::{Allocator, Result, Tensor, TensorShape};
use std::sync::Arc;

/// Below this many multiply-adds a single thread is faster than waking the pool.
const PARALLEL_THRESHOLD: usize = 1 << 18;
/// Products of at most this many rows by a row-major matrix take the vector loop of
/// `SimdConv::few_rows_product` where there is one, instead of `gemm`. One thread, AVX-512:
/// 1×1280 by 1280×100 in 3.0 µs against `gemm`'s 8.8 (in two column stripes on two threads,
/// 2.0), 1×512 by 512×512 in 5.5 against 9.4; with two rows the loop (reading `b` once per
/// row) only matched `gemm` on the second shape, and from four it lost.
const FEW_ROWS: usize = 1;

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

    /// `dst = a · b` for a dense row-major `m×n` `dst`, its columns split into one stripe per
    /// pool thread: each thread multiplies its stripe, then passes each row's part of it to
    /// `finish(first column, values)`. Returns false, touching nothing, for element types
    /// without it (callers then split rows instead).
    ///
    /// Why columns: with few rows (a training batch of 128), splitting rows makes every thread
    /// pack all of `b`; stripes pack a part each. 128×784 by 784×512 ran at 464 GFLOP/s in
    /// stripes against 421 in two blocks of 64 rows, on two threads.
    #[allow(clippy::too_many_arguments)]
    fn gemm_column_stripes(
        _m: usize,
        _n: usize,
        _k: usize,
        _a: &[Self],
        _am: Mat,
        _b: &[Self],
        _bm: Mat,
        _dst: &mut [Self],
        _finish: &(dyn Fn(usize, &mut [Self]) + Sync),
    ) -> bool {
        false
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

            fn gemm_column_stripes(
                m: usize, n: usize, k: usize,
                a: &[$t], am: Mat, b: &[$t], bm: Mat, dst: &mut [$t],
                finish: &(dyn Fn(usize, &mut [$t]) + Sync),
            ) -> bool {
                column_stripes(m, n, k, a, am, b, bm, dst, finish);
                true
            }
        }
    )*};
}

/// `dst = a · b` through `gemm`, on the rayon pool when `parallel`.
#[allow(clippy::too_many_arguments)]
fn float_gemm<T: SimdConv + num_traits::Zero + num_traits::One>(
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
    unsafe { raw_gemm(m, n, k, a.as_ptr(), am, b.as_ptr(), bm, dst.as_mut_ptr(), dm, parallelism) }
}

/// `gemm::gemm` over strided views of raw memory: `dst` (view `dm`) is overwritten with
/// `a · b` (views `am`, `bm`).
///
/// # Safety
/// Each view must lie inside the memory behind its pointer, and the elements `dm` covers must
/// not be read or written by anything else during the call.
#[allow(clippy::too_many_arguments)]
unsafe fn raw_gemm<T: SimdConv + num_traits::Zero + num_traits::One>(
    m: usize,
    n: usize,
    k: usize,
    a: *const T,
    am: Mat,
    b: *const T,
    bm: Mat,
    dst: *mut T,
    dm: Mat,
    parallelism: Parallelism,
) {
    // SAFETY (both calls): the caller's promise, passed on.
    if m <= FEW_ROWS
        && bm.cs == 1
        && dm.cs == 1
        && unsafe {
            T::few_rows_product(
                m,
                n,
                k,
                a.add(am.offset),
                (am.rs, am.cs),
                b.add(bm.offset),
                bm.rs,
                dst.add(dm.offset),
                dm.rs,
            )
        }
    {
        return;
    }
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.add(dm.offset),
            dm.cs as isize,
            dm.rs as isize,
            false,
            a.add(am.offset),
            am.cs as isize,
            am.rs as isize,
            b.add(bm.offset),
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

/// Columns per stripe at least, and stripes start at multiples of this (whole vectors).
const STRIPE_COLUMNS: usize = 16;

/// The output pointer shared by the stripes, each of which writes only its own columns.
struct SharedOut<T>(*mut T);

// SAFETY: the stripes write disjoint sets of elements through the pointer (see
// `column_stripes`), and sending `T`s between threads needs `T: Send`.
unsafe impl<T: Send> Sync for SharedOut<T> {}

impl<T> SharedOut<T> {
    fn ptr(&self) -> *mut T {
        self.0
    }
}

/// [`GemmElement::gemm_column_stripes`] through `gemm`.
#[allow(clippy::too_many_arguments)]
fn column_stripes<T: SimdConv + Send + Sync + num_traits::Zero + num_traits::One>(
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    am: Mat,
    b: &[T],
    bm: Mat,
    dst: &mut [T],
    finish: &(dyn Fn(usize, &mut [T]) + Sync),
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(k > 0, "callers fill products of depth 0 themselves");
    am.assert_fits(m, k, a.len());
    bm.assert_fits(k, n, b.len());
    assert_eq!(dst.len(), m * n, "the output must be a dense m×n matrix");
    let threads = rayon::current_num_threads().clamp(1, n.div_ceil(STRIPE_COLUMNS));
    let stripe = n.div_ceil(threads).next_multiple_of(STRIPE_COLUMNS);
    let out = SharedOut(dst.as_mut_ptr());
    (0..n.div_ceil(stripe)).into_par_iter().for_each(|s| {
        let c0 = s * stripe;
        let width = stripe.min(n - c0);
        // SAFETY: `a` and `b` hold their views (checked above) and so does the column range
        // c0..c0+width of `b`; the stripe writes rows 0..m, columns c0..c0+width of the m×n
        // `dst`, which no other stripe writes, and `dst` is not otherwise used meanwhile.
        unsafe {
            raw_gemm(
                m,
                width,
                k,
                a.as_ptr(),
                am,
                b.as_ptr(),
                Mat { offset: bm.offset + c0 * bm.cs, ..bm },
                out.ptr(),
                Mat::rows(c0, n),
                Parallelism::None,
            );
        }
        for r in 0..m {
            // SAFETY: this stripe's part of row r, inside `dst` and written by no other
            // stripe; the reference ends before the next row's is made.
            let values =
                unsafe { std::slice::from_raw_parts_mut(out.ptr().add(r * n + c0), width) };
            finish(c0, values);
        }
    });
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_stripes_compute_every_column_and_finish_each_with_its_offset() {
        // A stored transposed (k×m), B row-major (k×n); n not a multiple of the stripe width.
        let (m, n, k) = (130, 200, 70);
        let a: Vec<f32> = (0..k * m).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 53) % 97) as f32 / 48.0 - 1.0).collect();
        let mut dst = vec![f32::NAN; m * n];
        let finish = |c0: usize, values: &mut [f32]| {
            for (j, v) in values.iter_mut().enumerate() {
                *v += ((c0 + j) * 10) as f32;
            }
        };
        let am = Mat { offset: 0, rs: 1, cs: m };
        assert!(f32::gemm_column_stripes(m, n, k, &a, am, &b, Mat::rows(0, n), &mut dst, &finish));
        for i in 0..m {
            for j in 0..n {
                let sum: f64 =
                    (0..k).map(|p| f64::from(a[p * m + i]) * f64::from(b[p * n + j])).sum();
                let want = sum + (j * 10) as f64;
                let got = f64::from(dst[i * n + j]);
                assert!((got - want).abs() <= 1e-3, "({i}, {j}): {got} vs {want}");
            }
        }
    }

    #[test]
    fn products_of_few_rows_sum_every_column() {
        // 300 columns: two blocks of vectors, the second partial; `a` both row-major and
        // transposed; `dst` a view inside a wider matrix, whose other elements stay as they were.
        let (n, k) = (300, 37);
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 53) % 97) as f32 / 48.0 - 1.0).collect();
        for m in [1, 2] {
            let a: Vec<f32> = (0..m * k).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
            let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
            for (lhs, am) in [(&a, Mat::rows(0, k)), (&at, Mat { offset: 0, rs: 1, cs: m })] {
                let mut dst = vec![f32::NAN; m * (n + 5)];
                let dm = Mat::rows(2, n + 5);
                f32::gemm_serial(m, n, k, lhs, am, &b, Mat::rows(0, n), &mut dst, dm);
                for i in 0..m {
                    let row = &dst[i * (n + 5)..][..n + 5];
                    assert!(row[..2].iter().chain(&row[n + 2..]).all(|v| v.is_nan()));
                    for j in 0..n {
                        let want: f64 =
                            (0..k).map(|p| f64::from(a[i * k + p]) * f64::from(b[p * n + j])).sum();
                        let got = f64::from(row[2 + j]);
                        assert!((got - want).abs() <= 1e-4, "m {m}, ({i}, {j}): {got} vs {want}");
                    }
                }
            }
        }
    }

    #[test]
    fn integers_have_no_column_stripes() {
        let mut dst = [7i32; 4];
        let done = i32::gemm_column_stripes(
            2,
            2,
            1,
            &[1, 2],
            Mat::rows(0, 1),
            &[3, 4],
            Mat::rows(0, 2),
            &mut dst,
            &|_, _| {},
        );
        assert!(!done);
        assert_eq!(dst, [7; 4]);
    }
}
