//! `MaxPool` and `AvgPool`. NHWC pools with the channel loop innermost; NCHW is pooled in place
//! as N·C single-channel NHWC images. Rows of output run in parallel.

use super::params::{Axis, Format, Padding, checked_elements, ints};
use super::widen::PARALLEL_ELEMENTS;
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use num_traits::Float;
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor,
};
use std::marker::PhantomData;

/// The attrs of a pooling op, read once.
#[derive(Clone, Copy, Debug)]
struct PoolAttrs {
    format: Format,
    padding: Padding,
    /// (height, width, depth) window and strides.
    ksize: [usize; 3],
    strides: [i64; 3],
}

impl PoolAttrs {
    fn from_node(node: &NodeView<'_>) -> Result<PoolAttrs> {
        let format = Format::from_attrs(node.attrs)?;
        let (ksize, strides) = (ints(node.attrs, "ksize")?, ints(node.attrs, "strides")?);
        if ksize.len() != 4 || strides.len() != 4 {
            return Err(Status::invalid_argument(
                "Sliding window ksize and stride fields must specify 4 dimensions",
            ));
        }
        if ksize.iter().any(|&k| k <= 0) || strides.iter().any(|&s| s <= 0) {
            return Err(Status::invalid_argument(
                "Sliding window ksize and stride must be positive",
            ));
        }
        let [kn, kh, kw, kc] = format.pick(ksize).map(|k| k as usize);
        let [sn, sh, sw, sc] = format.pick(strides);
        if kn != 1 || sn != 1 {
            return Err(Status::unimplemented(
                "Pooling is not yet supported on the batch dimension.",
            ));
        }
        if kc != 1 && (kc as i64 != sc || kh != 1 || kw != 1 || sh != 1 || sw != 1) {
            return Err(Status::unimplemented(
                "Depthwise max pooling needs a depth stride equal to its window and no spatial pooling",
            ));
        }
        let padding = Padding::from_attrs(node.attrs, format)?;
        if let Padding::Explicit(pads) = padding {
            let names = [("Top", "Bottom"), ("Left", "Right")];
            for ((before, after), (k, (b_name, a_name))) in
                pads.into_iter().zip([kh, kw].into_iter().zip(names))
            {
                for (p, name) in [(before, b_name), (after, a_name)] {
                    if p >= k {
                        return Err(Status::invalid_argument(format!(
                            "{name} padding {p} needs to be smaller than the window size {k}"
                        )));
                    }
                }
            }
        }
        Ok(PoolAttrs { format, padding, ksize: [kh, kw, kc], strides: [sh, sw, sc] })
    }
}

/// The sizes of one pooling, as NHWC images (NCHW: N·C images of one channel).
struct Geometry {
    images: usize,
    rows: Axis,
    cols: Axis,
    channels: usize,
}

/// How one pooling op reduces a window.
trait PoolOp<T>: Sync {
    /// Computes output pixel `out` (one value per channel) from the `count` valid input pixels
    /// of its window, given as slices of `out.len()` elements.
    fn pixel<'a, I>(&self, window: I, count: usize, out: &mut [T])
    where
        I: Iterator<Item = &'a [T]> + Clone,
        T: 'a;
}

struct Max;

impl<T: Numeric + Sync + Send> PoolOp<T> for Max {
    fn pixel<'a, I>(&self, window: I, _count: usize, out: &mut [T])
    where
        I: Iterator<Item = &'a [T]> + Clone,
        T: 'a,
    {
        // TensorFlow starts from the lowest finite value and keeps the larger: NaNs and −∞
        // never win.
        out.fill(lowest::<T>());
        for pixel in window {
            for (o, &v) in out.iter_mut().zip(pixel) {
                if v > *o {
                    *o = v;
                }
            }
        }
    }
}

/// The lowest finite value of `T` (`T::LOWEST` is −∞ for floats).
fn lowest<T: Numeric>() -> T {
    if T::DTYPE.is_floating() {
        // Every float dtype's finite minimum is the negated maximum; f64 holds them exactly.
        match T::DTYPE {
            DType::Float16 => T::from_f64(f16::MIN.to_f64()),
            DType::BFloat16 => T::from_f64(bf16::MIN.to_f64()),
            DType::Float32 => T::from_f64(f32::MIN as f64),
            _ => T::from_f64(f64::MIN),
        }
    } else {
        T::LOWEST
    }
}

/// Averages in the compute type `A` over the window's valid (unpadded) pixels.
struct Avg<A> {
    _a: PhantomData<A>,
}

impl<T: AvgElement> PoolOp<T> for Avg<T::Acc> {
    fn pixel<'a, I>(&self, window: I, count: usize, out: &mut [T])
    where
        I: Iterator<Item = &'a [T]> + Clone,
        T: 'a,
    {
        // Sums go to a stack buffer, a block of channels at a time, so nothing is allocated.
        const LANES: usize = 64;
        let count = <T::Acc as num_traits::NumCast>::from(count).unwrap_or_else(T::Acc::nan);
        for (start, out) in (0..out.len()).step_by(LANES).zip(out.chunks_mut(LANES)) {
            let mut acc = [<T::Acc as num_traits::Zero>::zero(); LANES];
            for pixel in window.clone() {
                for (a, &v) in acc.iter_mut().zip(&pixel[start..start + out.len()]) {
                    *a = *a + T::widen(v);
                }
            }
            for (o, &a) in out.iter_mut().zip(&acc) {
                *o = T::narrow(a / count);
            }
        }
    }
}

/// A float element with its accumulation type.
trait AvgElement: Element + Copy + Send + Sync {
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

/// Pools every output row; `out` is `[images, OH, OW, channels]`.
fn pool_nhwc<T: Copy + Send + Sync>(g: &Geometry, input: &[T], out: &mut [T], op: &impl PoolOp<T>) {
    let c = g.channels;
    let out_row = g.cols.output * c;
    let image = g.rows.input * g.cols.input * c;
    let row = |r: usize, dst: &mut [T]| {
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
    };
    if out.len() >= PARALLEL_ELEMENTS {
        out.par_chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    } else {
        out.chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    }
}

/// Max over disjoint runs of `window` channels (`ksize` and `strides` 1 in height and width).
fn depth_max<T: Numeric + Send + Sync>(
    format: Format,
    dims: [usize; 4],
    window: usize,
    input: &[T],
    out: &mut [T],
) {
    let [n, h, w, c] = dims;
    if out.is_empty() {
        return;
    }
    match format {
        Format::Nhwc => {
            for (o, run) in out.iter_mut().zip(input.chunks_exact(window)) {
                Max.pixel(run.iter().map(std::slice::from_ref), window, std::slice::from_mut(o));
            }
        }
        Format::Nchw => {
            let plane = h * w;
            for (b, out) in out.chunks_exact_mut(c / window * plane).enumerate().take(n) {
                for (d, out) in out.chunks_exact_mut(plane).enumerate() {
                    let first = (b * c + d * window) * plane;
                    Max.pixel(
                        input[first..first + window * plane].chunks_exact(plane),
                        window,
                        out,
                    );
                }
            }
        }
    }
}

struct PoolKernel<T, P> {
    attrs: PoolAttrs,
    op: P,
    _t: PhantomData<T>,
}

impl<T: Numeric + Send + Sync, P: PoolOp<T> + Send> OpKernel for PoolKernel<T, P> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let input = ctx.input(0);
        if input.shape().rank() != 4 {
            return Err(Status::invalid_argument(format!(
                "tensor_in must be 4-dimensional, got {}",
                input.shape()
            )));
        }
        let a = &self.attrs;
        let [n, h, w, c] = a.format.pick(input.shape().dims());
        let [kh, kw, kc] = a.ksize;
        if kc != 1 {
            if c % kc != 0 {
                return Err(Status::unimplemented(
                    "Depthwise max pooling requires the depth window to evenly divide the input depth",
                ));
            }
            let mut out =
                Tensor::zeros(ctx.allocator(), T::DTYPE, a.format.shape([n, h, w, c / kc]))?;
            depth_max::<T>(a.format, [n, h, w, c], kc, input.as_slice()?, out.as_mut_slice()?);
            ctx.set_output(0, out);
            return Ok(());
        }
        let rows = Axis::new(h, kh, a.strides[0], 1, a.padding, 0)?;
        let cols = Axis::new(w, kw, a.strides[1], 1, a.padding, 1)?;
        let out_dims = [n, rows.output, cols.output, c];
        checked_elements(&out_dims)?;
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, a.format.shape(out_dims))?;
        if out.num_elements() > 0 {
            let g = match a.format {
                Format::Nhwc => Geometry { images: n, rows, cols, channels: c },
                Format::Nchw => Geometry { images: n * c, rows, cols, channels: 1 },
            };
            debug_assert_eq!(g.images * rows.output * cols.output * g.channels, out.num_elements());
            pool_nhwc(&g, input.as_slice()?, out.as_mut_slice()?, &self.op);
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn max_factory<T: Numeric + Send + Sync>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(PoolKernel::<T, Max> {
        attrs: PoolAttrs::from_node(node)?,
        op: Max,
        _t: PhantomData,
    }))
}

fn avg_factory<T: Numeric + AvgElement>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    let attrs = PoolAttrs::from_node(node)?;
    if attrs.ksize[2] != 1 {
        return Err(Status::unimplemented(
            "Non-spatial pooling is not yet supported. Volunteers? :)",
        ));
    }
    let op = Avg::<T::Acc> { _a: PhantomData };
    Ok(Box::new(PoolKernel::<T, Avg<T::Acc>> { attrs, op, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! max {
        ($t:ty, $d:ident) => {
            r.register("MaxPool", DeviceType::CPU, Some(DType::$d), max_factory::<$t>);
        };
    }
    crate::kernels::numeric::for_numeric_types!(max);
    r.register("AvgPool", DeviceType::CPU, Some(DType::Float32), avg_factory::<f32>);
    r.register("AvgPool", DeviceType::CPU, Some(DType::Float64), avg_factory::<f64>);
    r.register("AvgPool", DeviceType::CPU, Some(DType::Float16), avg_factory::<f16>);
    r.register("AvgPool", DeviceType::CPU, Some(DType::BFloat16), avg_factory::<bf16>);
}
