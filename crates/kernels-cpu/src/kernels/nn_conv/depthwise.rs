//! `DepthwiseConv2dNative`: each input channel convolved with its own `M` filters, output
//! channel `c·M + m`. Direct loops over output rows in parallel; the innermost loop runs over
//! channels, contiguous in NHWC. NCHW is transposed to NHWC and back; f16/bf16 computed in f32.

use super::conv2d::{ConvAttrs, conv_inputs};
use super::layout::transpose;
use super::params::{Axis, Format, checked_elements};
use super::widen::{PARALLEL_ELEMENTS, Widen};
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
};
use std::marker::PhantomData;

/// The sizes of one depthwise convolution, in NHWC terms.
struct Geometry {
    rows: Axis,
    cols: Axis,
    depth: usize,
    multiplier: usize,
}

struct DepthwiseKernel<T> {
    attrs: ConvAttrs,
    _t: PhantomData<T>,
}

impl<T: Widen> OpKernel for DepthwiseKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, filter) = (ctx.input(0), ctx.input(1));
        let format = self.attrs.format;
        let ([n, h, w, c], [kh, kw, fd, m]) = conv_inputs(format, input.shape(), filter.shape())?;
        if fd != c {
            return Err(Status::invalid_argument(format!(
                "input and filter must have the same depth: {c} vs {fd}"
            )));
        }
        let [rows, cols] = self.attrs.axes([h, w], [kh, kw])?;
        let out_depth = c.checked_mul(m).ok_or_else(|| {
            Status::invalid_argument(format!("Output depth {c} * {m} is too large"))
        })?;
        let out_dims = [n, rows.output, cols.output, out_depth];
        checked_elements(&out_dims)?;
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, format.shape(out_dims))?;
        if out.num_elements() > 0 {
            let g = Geometry { rows, cols, depth: c, multiplier: m };
            run::<T>(&g, format, input.as_slice()?, filter.as_slice()?, out.as_mut_slice()?);
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn run<T: Widen>(g: &Geometry, format: Format, input: &[T], filter: &[T], out: &mut [T]) {
    let filter = T::widen_slice(filter);
    match format {
        Format::Nhwc => {
            let input = T::widen_slice(input);
            T::with_wide_out(out, |o| depthwise_nhwc(g, &input, &filter, o));
        }
        Format::Nchw => {
            let mut nhwc = vec![T::Wide::ZERO; input.len()];
            transpose(input, &mut nhwc, g.depth, g.rows.input * g.cols.input, T::widen);
            let mut result = vec![T::Wide::ZERO; out.len()];
            depthwise_nhwc(g, &nhwc, &filter, &mut result);
            let pixels = g.rows.output * g.cols.output;
            transpose(&result, out, pixels, g.depth * g.multiplier, T::narrow);
        }
    }
}

/// Accumulates into a zero-filled `out[N,OH,OW,C·M]`.
fn depthwise_nhwc<W: Numeric + Send + Sync>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    out: &mut [W],
) {
    let (c, m) = (g.depth, g.multiplier);
    let out_row = g.cols.output * c * m;
    let image = g.rows.input * g.cols.input * c;
    let row = |r: usize, dst: &mut [W]| {
        let (n, y) = (r / g.rows.output, r % g.rows.output);
        let image = &input[n * image..][..image];
        for (x, acc) in dst.chunks_exact_mut(c * m).enumerate() {
            for ky in 0..g.rows.window {
                let Some(iy) = g.rows.tap(y, ky) else { continue };
                for kx in 0..g.cols.window {
                    let Some(ix) = g.cols.tap(x, kx) else { continue };
                    let pixel = &image[(iy * g.cols.input + ix) * c..][..c];
                    let taps = &filter[(ky * g.cols.window + kx) * c * m..][..c * m];
                    if m == 1 {
                        for ((a, &v), &f) in acc.iter_mut().zip(pixel).zip(taps) {
                            *a = a.add(v.mul(f));
                        }
                    } else {
                        for ((a, &v), f) in
                            acc.chunks_exact_mut(m).zip(pixel).zip(taps.chunks_exact(m))
                        {
                            for (a, &f) in a.iter_mut().zip(f) {
                                *a = a.add(v.mul(f));
                            }
                        }
                    }
                }
            }
        }
    };
    if out.len() >= PARALLEL_ELEMENTS {
        out.par_chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    } else {
        out.chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    }
}

fn factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(DepthwiseKernel::<T> { attrs: ConvAttrs::from_node(node)?, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    let op = "DepthwiseConv2dNative";
    r.register(op, DeviceType::CPU, Some(DType::Float32), factory::<f32>);
    r.register(op, DeviceType::CPU, Some(DType::Float64), factory::<f64>);
    r.register(op, DeviceType::CPU, Some(DType::Float16), factory::<f16>);
    r.register(op, DeviceType::CPU, Some(DType::BFloat16), factory::<bf16>);
}
