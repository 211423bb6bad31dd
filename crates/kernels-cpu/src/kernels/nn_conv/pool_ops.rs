//! The window loops of the pooling kernels and their two reductions. NHWC pools a vector of
//! channels per window pixel (the contiguous inner loop); NCHW pools each channel's plane, a
//! window being a few contiguous runs of one row each. Output rows run in parallel.

use super::params::Axis;
use super::widen::PARALLEL_ELEMENTS;
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use num_traits::{Float, NumCast, Zero};
use rayon::prelude::*;
use sessionflow_core::{DType, Element};
use std::marker::PhantomData;

/// The window sizes of one pooling over images of `channels` (NCHW: planes of one channel);
/// the number of images follows from the output's length.
pub(super) struct Geometry {
    pub rows: Axis,
    pub cols: Axis,
    pub channels: usize,
}

/// How one pooling op reduces a window.
pub(super) trait PoolOp<T>: Sync {
    /// Output pixel `out` (one value per channel) from the `count` valid input pixels of its
    /// window, given as slices of `out.len()` channels.
    fn pixel<'a, I>(&self, window: I, count: usize, out: &mut [T])
    where
        I: Iterator<Item = &'a [T]> + Clone,
        T: 'a;

    /// One single-channel output from the `count` valid elements of its window, given as
    /// contiguous runs.
    fn runs<'a, I>(&self, runs: I, count: usize) -> T
    where
        I: Iterator<Item = &'a [T]>,
        T: 'a;
}

/// Max pooling.
pub(super) struct Max;

impl<T: Numeric + Sync + Send> PoolOp<T> for Max {
    fn pixel<'a, I>(&self, window: I, _count: usize, out: &mut [T])
    where
        I: Iterator<Item = &'a [T]> + Clone,
        T: 'a,
    {
        // TensorFlow starts from the lowest finite value and keeps the larger: NaNs and −∞
        // never win. The select form vectorises.
        out.fill(lowest::<T>());
        for pixel in window {
            for (o, &v) in out.iter_mut().zip(pixel) {
                *o = if v > *o { v } else { *o };
            }
        }
    }

    fn runs<'a, I>(&self, runs: I, _count: usize) -> T
    where
        I: Iterator<Item = &'a [T]>,
        T: 'a,
    {
        runs.fold(lowest::<T>(), |m, run| run.iter().fold(m, |m, &v| if v > m { v } else { m }))
    }
}

/// The lowest finite value of `T` (`T::LOWEST` is −∞ for floats).
pub(super) fn lowest<T: Numeric>() -> T {
    match T::DTYPE {
        // f64 holds every float dtype's finite minimum exactly.
        DType::Float16 => T::from_f64(f16::MIN.to_f64()),
        DType::BFloat16 => T::from_f64(bf16::MIN.to_f64()),
        DType::Float32 => T::from_f64(f32::MIN as f64),
        DType::Float64 => T::from_f64(f64::MIN),
        _ => T::LOWEST,
    }
}

/// Average pooling over the window's valid (unpadded) elements, summed in `A`.
pub(super) struct Avg<A> {
    _a: PhantomData<A>,
}

impl<A> Avg<A> {
    pub(super) fn new() -> Self {
        Avg { _a: PhantomData }
    }
}

impl<T: AvgElement> PoolOp<T> for Avg<T::Acc> {
    fn pixel<'a, I>(&self, window: I, count: usize, out: &mut [T])
    where
        I: Iterator<Item = &'a [T]> + Clone,
        T: 'a,
    {
        // Sums go to a stack buffer, a block of channels at a time, so nothing is allocated.
        const LANES: usize = 64;
        let count = <T::Acc as NumCast>::from(count).unwrap_or_else(T::Acc::nan);
        for (start, out) in (0..out.len()).step_by(LANES).zip(out.chunks_mut(LANES)) {
            let mut acc = [T::Acc::zero(); LANES];
            for pixel in window.clone() {
                for (a, &v) in acc.iter_mut().zip(&pixel[start..start + out.len()]) {
                    *a = *a + v.widen();
                }
            }
            for (o, &a) in out.iter_mut().zip(&acc) {
                *o = T::narrow(a / count);
            }
        }
    }

    fn runs<'a, I>(&self, runs: I, count: usize) -> T
    where
        I: Iterator<Item = &'a [T]>,
        T: 'a,
    {
        let count = <T::Acc as NumCast>::from(count).unwrap_or_else(T::Acc::nan);
        let sum = runs.fold(T::Acc::zero(), |s, run| run.iter().fold(s, |s, &v| s + v.widen()));
        T::narrow(sum / count)
    }
}

/// A float element with its accumulation type.
pub(super) trait AvgElement: Element + Copy + Send + Sync {
    type Acc: Float + Send + Sync;
    fn widen(self) -> Self::Acc;
    fn narrow(a: Self::Acc) -> Self;
}

macro_rules! avg_element {
    ($t:ty, $acc:ty, $widen:expr, $narrow:expr) => {
        impl AvgElement for $t {
            type Acc = $acc;
            #[inline]
            fn widen(self) -> $acc {
                $widen(self)
            }
            #[inline]
            fn narrow(a: $acc) -> $t {
                $narrow(a)
            }
        }
    };
}

avg_element!(f32, f32, |v| v, |a| a);
avg_element!(f64, f64, |v| v, |a| a);
avg_element!(f16, f32, f16::to_f32, f16::from_f32);
avg_element!(bf16, f32, bf16::to_f32, bf16::from_f32);

/// Runs `row(r, dst)` for every output row `r` (`row_len` elements each), in parallel when
/// the output is large.
fn for_rows<T: Send>(out: &mut [T], row_len: usize, row: impl Fn(usize, &mut [T]) + Sync) {
    if out.len() >= PARALLEL_ELEMENTS {
        out.par_chunks_mut(row_len).enumerate().for_each(|(r, dst)| row(r, dst));
    } else {
        out.chunks_mut(row_len).enumerate().for_each(|(r, dst)| row(r, dst));
    }
}

/// Pools NHWC images; `out` is `[images, OH, OW, channels]`.
pub(super) fn pool_nhwc<T: Copy + Send + Sync>(
    g: &Geometry,
    input: &[T],
    out: &mut [T],
    op: &impl PoolOp<T>,
) {
    let c = g.channels;
    let image = g.rows.input * g.cols.input * c;
    for_rows(out, g.cols.output * c, |r, dst| {
        let (n, y) = (r / g.rows.output, r % g.rows.output);
        let image = &input[n * image..][..image];
        let ys = g.rows.valid_taps(y);
        for (x, pixel) in dst.chunks_exact_mut(c).enumerate() {
            let xs = g.cols.valid_taps(x);
            let window = ys.clone().flat_map(|ky| {
                let iy = y * g.rows.stride + ky - g.rows.pad;
                xs.clone().map(move |kx| {
                    let ix = x * g.cols.stride + kx - g.cols.pad;
                    &image[(iy * g.cols.input + ix) * c..][..c]
                })
            });
            op.pixel(window, ys.len() * xs.len(), pixel);
        }
    });
}

/// Pools single-channel planes (NCHW's N·C planes); `out` is `[planes, OH, OW]`.
pub(super) fn pool_planes<T: Copy + Send + Sync>(
    g: &Geometry,
    input: &[T],
    out: &mut [T],
    op: &impl PoolOp<T>,
) {
    let (width, plane) = (g.cols.input, g.rows.input * g.cols.input);
    for_rows(out, g.cols.output, |r, dst| {
        let (p, y) = (r / g.rows.output, r % g.rows.output);
        let plane = &input[p * plane..][..plane];
        let ys = g.rows.valid_taps(y);
        for (x, o) in dst.iter_mut().enumerate() {
            let xs = g.cols.valid_taps(x);
            if xs.is_empty() {
                *o = op.runs(std::iter::empty(), 0);
                continue;
            }
            let ix = (x * g.cols.stride + xs.start).saturating_sub(g.cols.pad);
            let runs = ys.clone().map(|ky| {
                let iy = y * g.rows.stride + ky - g.rows.pad;
                &plane[iy * width + ix..][..xs.len()]
            });
            *o = op.runs(runs, ys.len() * xs.len());
        }
    });
}
