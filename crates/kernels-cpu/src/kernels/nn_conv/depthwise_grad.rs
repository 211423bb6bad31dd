//! `DepthwiseConv2dNativeBackpropInput` and `DepthwiseConv2dNativeBackpropFilter`: the
//! gradients of a depthwise convolution (input channel `c` convolved with filters `c·M..`), by
//! direct loops over each image's output pixels and their window taps. NCHW is transposed to
//! NHWC and back; f16/bf16 are computed in f32.

use super::conv2d::ConvAttrs;
use super::layout::{nhwc, transpose};
use super::params::{Axis, Format, checked_elements, filter_dims};
use super::widen::Widen;
use crate::kernels::numeric::Numeric;
use crate::kernels::util::read_ints;
use half::{bf16, f16};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::marker::PhantomData;

/// The sizes of one depthwise convolution, in NHWC terms.
struct Geometry {
    batch: usize,
    rows: Axis,
    cols: Axis,
    depth: usize,
    multiplier: usize,
}

impl Geometry {
    fn image_len(&self) -> usize {
        self.rows.input * self.cols.input * self.depth
    }

    /// Calls `f(pixel, tap, out_pixel)` — the image offset of an input pixel's channels, the
    /// filter offset of the tap's, and the output pixel's index in its image — for every
    /// window tap inside the image.
    fn for_each_tap(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (c, m) = (self.depth, self.multiplier);
        for y in 0..self.rows.output {
            for x in 0..self.cols.output {
                for ky in 0..self.rows.window {
                    let Some(iy) = self.rows.tap(y, ky) else { continue };
                    for kx in 0..self.cols.window {
                        let Some(ix) = self.cols.tap(x, kx) else { continue };
                        f(
                            (iy * self.cols.input + ix) * c,
                            (ky * self.cols.window + kx) * c * m,
                            y * self.cols.output + x,
                        );
                    }
                }
            }
        }
    }
}

/// The convolution whose gradient is taken, after checking `dout`'s shape.
fn geometry(
    attrs: &ConvAttrs,
    [n, h, w, c]: [usize; 4],
    [kh, kw, fd, m]: [usize; 4],
    dout: &TensorShape,
    op: &str,
) -> Result<Geometry> {
    if fd != c {
        return Err(Status::invalid_argument(format!(
            "{op}: input and filter must have the same depth: {c} vs {fd}"
        )));
    }
    let [rows, cols] = attrs.axes([h, w], [kh, kw])?;
    let expected = attrs.format.shape([n, rows.output, cols.output, c * m]);
    if dout != &expected {
        return Err(Status::invalid_argument(format!(
            "{op}: Size of out_backprop doesn't match computed: actual = {dout}, computed = {expected}"
        )));
    }
    checked_elements(&[n, h, w, c])?;
    Ok(Geometry { batch: n, rows, cols, depth: c, multiplier: m })
}

/// `din[n, pixel, c] += Σ_q dout[n, out_pixel, c·M+q] · filter[tap, c·M+q]`.
fn input_nhwc<W: Numeric + Send + Sync>(g: &Geometry, filter: &[W], dout: &[W], din: &mut [W]) {
    let (c, m) = (g.depth, g.multiplier);
    let out_image = g.rows.output * g.cols.output * c * m;
    if g.image_len() == 0 {
        return;
    }
    din.par_chunks_mut(g.image_len()).enumerate().for_each(|(n, image)| {
        let dy = &dout[n * out_image..][..out_image];
        g.for_each_tap(|pixel, tap, out_pixel| {
            let d = &dy[out_pixel * c * m..][..c * m];
            let f = &filter[tap..][..c * m];
            for ((px, d), f) in
                image[pixel..pixel + c].iter_mut().zip(d.chunks_exact(m)).zip(f.chunks_exact(m))
            {
                let sum = d.iter().zip(f).fold(W::ZERO, |s, (&a, &b)| s.add(a.mul(b)));
                *px = px.add(sum);
            }
        });
    });
}

/// `dfilter[tap, c·M+q] = Σ_{n, pixels} input[n, pixel, c] · dout[n, out_pixel, c·M+q]`.
fn filter_nhwc<W: Numeric + Send + Sync>(g: &Geometry, input: &[W], dout: &[W], df: &mut [W]) {
    let (c, m) = (g.depth, g.multiplier);
    let out_image = g.rows.output * g.cols.output * c * m;
    let image_len = g.image_len();
    let len = df.len();
    let sum = (0..g.batch)
        .into_par_iter()
        .fold(
            || vec![W::ZERO; len],
            |mut acc, n| {
                let x = &input[n * image_len..][..image_len];
                let dy = &dout[n * out_image..][..out_image];
                g.for_each_tap(|pixel, tap, out_pixel| {
                    let d = &dy[out_pixel * c * m..][..c * m];
                    let a = &mut acc[tap..][..c * m];
                    for ((a, d), &v) in
                        a.chunks_exact_mut(m).zip(d.chunks_exact(m)).zip(&x[pixel..pixel + c])
                    {
                        for (a, &d) in a.iter_mut().zip(d) {
                            *a = a.add(v.mul(d));
                        }
                    }
                });
                acc
            },
        )
        .reduce(
            || vec![W::ZERO; len],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(a, &b)| *a = a.add(b));
                a
            },
        );
    df.copy_from_slice(&sum);
}

/// A 4-D shape given as an int tensor.
fn sizes(t: &Tensor, what: &str) -> Result<[usize; 4]> {
    let v = read_ints(t, what)?;
    let dims: Option<Vec<usize>> = v.iter().map(|&d| usize::try_from(d).ok()).collect();
    match dims.as_deref() {
        Some(&[a, b, c, d]) if t.shape().rank() == 1 => Ok([a, b, c, d]),
        _ => Err(Status::invalid_argument(format!(
            "{what} must be a vector of 4 non-negative sizes, got {v:?}"
        ))),
    }
}

struct BackpropInput<T> {
    attrs: ConvAttrs,
    _t: PhantomData<T>,
}

impl<T: Widen> OpKernel for BackpropInput<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let op = "DepthwiseConv2dNativeBackpropInput";
        let (sizes_t, filter, dout) = (ctx.input(0), ctx.input(1), ctx.input(2));
        let format = self.attrs.format;
        let input_dims = format.pick(&sizes(sizes_t, "input_sizes")?);
        let g = geometry(&self.attrs, input_dims, filter_dims(filter, op)?, dout.shape(), op)?;
        let mut din = Tensor::zeros(ctx.allocator(), T::DTYPE, format.shape(input_dims))?;
        let filter_w = T::widen_slice(filter.as_slice::<T>()?);
        let pixels = g.rows.output * g.cols.output;
        let dy = nhwc(format, dout.as_slice::<T>()?, g.depth * g.multiplier, pixels);
        match format {
            Format::Nhwc => {
                T::with_wide_out(din.as_mut_slice()?, |o| input_nhwc(&g, &filter_w, &dy, o))
            }
            Format::Nchw => {
                let mut result = vec![T::Wide::ZERO; din.num_elements()];
                input_nhwc(&g, &filter_w, &dy, &mut result);
                let hw = g.rows.input * g.cols.input;
                transpose(&result, din.as_mut_slice::<T>()?, hw, g.depth, T::narrow);
            }
        }
        ctx.set_output(0, din);
        Ok(())
    }
}

struct BackpropFilter<T> {
    attrs: ConvAttrs,
    _t: PhantomData<T>,
}

impl<T: Widen> OpKernel for BackpropFilter<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let op = "DepthwiseConv2dNativeBackpropFilter";
        let (input, sizes_t, dout) = (ctx.input(0), ctx.input(1), ctx.input(2));
        let format = self.attrs.format;
        if input.shape().rank() != 4 {
            return Err(Status::invalid_argument(format!(
                "{op}: input must be 4-dimensional: {}",
                input.shape()
            )));
        }
        let filter_dims = sizes(sizes_t, "filter_sizes")?;
        let g = geometry(
            &self.attrs,
            format.pick(input.shape().dims()),
            filter_dims,
            dout.shape(),
            op,
        )?;
        let mut df = Tensor::zeros(ctx.allocator(), T::DTYPE, TensorShape::new(filter_dims))?;
        let hw = g.rows.input * g.cols.input;
        let x = nhwc(format, input.as_slice::<T>()?, g.depth, hw);
        let pixels = g.rows.output * g.cols.output;
        let dy = nhwc(format, dout.as_slice::<T>()?, g.depth * g.multiplier, pixels);
        T::with_wide_out(df.as_mut_slice()?, |o| filter_nhwc(&g, &x, &dy, o));
        ctx.set_output(0, df);
        Ok(())
    }
}

fn input_factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(BackpropInput::<T> { attrs: ConvAttrs::from_node(node)?, _t: PhantomData }))
}

fn filter_factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(BackpropFilter::<T> { attrs: ConvAttrs::from_node(node)?, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    let input = "DepthwiseConv2dNativeBackpropInput";
    let filter = "DepthwiseConv2dNativeBackpropFilter";
    r.register(input, DeviceType::CPU, Some(DType::Float32), input_factory::<f32>);
    r.register(input, DeviceType::CPU, Some(DType::Float64), input_factory::<f64>);
    r.register(input, DeviceType::CPU, Some(DType::Float16), input_factory::<f16>);
    r.register(input, DeviceType::CPU, Some(DType::BFloat16), input_factory::<bf16>);
    r.register(filter, DeviceType::CPU, Some(DType::Float32), filter_factory::<f32>);
    r.register(filter, DeviceType::CPU, Some(DType::Float64), filter_factory::<f64>);
    r.register(filter, DeviceType::CPU, Some(DType::Float16), filter_factory::<f16>);
    r.register(filter, DeviceType::CPU, Some(DType::BFloat16), filter_factory::<bf16>);
}
