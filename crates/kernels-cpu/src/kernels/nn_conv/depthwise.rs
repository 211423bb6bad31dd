//! `DepthwiseConv2dNative`: each input channel convolved with its own `M` filters, output
//! channel `c·M + m`. Direct loops over output rows in parallel; the innermost loop runs over
//! channels, contiguous in NHWC. NCHW is transposed to NHWC and back; f16/bf16 computed in f32.

use super::conv2d::{ConvAttrs, conv_inputs};
use super::depthwise_rows;
use super::direct;
use super::epilogue::{Epilogue, Plain};
use super::layout::transpose;
use super::params::{Axis, Format, checked_elements};
use super::simd::SimdConv;
use super::widen::Widen;
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::marker::PhantomData;

/// The sizes of one depthwise convolution, in NHWC terms.
pub(crate) struct Geometry {
    pub rows: Axis,
    pub cols: Axis,
    pub depth: usize,
    pub multiplier: usize,
}

struct DepthwiseKernel<T> {
    attrs: ConvAttrs,
    _t: PhantomData<T>,
}

/// The geometry of a depthwise convolution of `input` by `filter`, checked as TensorFlow's
/// kernel checks it, and the output dims in NHWC order.
pub(crate) fn depthwise_geometry(
    attrs: &ConvAttrs,
    input: &TensorShape,
    filter: &TensorShape,
) -> Result<(Geometry, [usize; 4])> {
    let ([n, h, w, c], [kh, kw, fd, m]) = conv_inputs(attrs.format, input, filter)?;
    if fd != c {
        return Err(Status::invalid_argument(format!(
            "input and filter must have the same depth: {c} vs {fd}"
        )));
    }
    let [rows, cols] = attrs.axes([h, w], [kh, kw])?;
    let out_depth = c
        .checked_mul(m)
        .ok_or_else(|| Status::invalid_argument(format!("Output depth {c} * {m} is too large")))?;
    let out_dims = [n, rows.output, cols.output, out_depth];
    checked_elements(&out_dims)?;
    Ok((Geometry { rows, cols, depth: c, multiplier: m }, out_dims))
}

impl<T: Widen> OpKernel for DepthwiseKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, filter) = (ctx.input(0), ctx.input(1));
        let format = self.attrs.format;
        let (g, out_dims) = depthwise_geometry(&self.attrs, input.shape(), filter.shape())?;
        let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, format.shape(out_dims))?;
        if out.num_elements() > 0 {
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
            T::with_wide_out(out, |o| depthwise_nhwc(g, &input, &filter, o, &Plain));
        }
        Format::Nchw => {
            let mut nhwc = vec![T::Wide::ZERO; input.len()];
            transpose(input, &mut nhwc, g.depth, g.rows.input * g.cols.input, T::widen);
            let mut result = vec![T::Wide::ZERO; out.len()];
            depthwise_nhwc(g, &nhwc, &filter, &mut result, &Plain);
            let pixels = g.rows.output * g.cols.output;
            transpose(&result, out, pixels, g.depth * g.multiplier, T::narrow);
        }
    }
}

/// `out[N,OH,OW,C·M]` (overwritten), each pixel finished with `epilogue`. Rows are zeroed only
/// for the general loops, which accumulate: zeroing the whole output up front took a few µs
/// per MobileNet layer on the calling thread alone, for vector rows that overwrite it anyway.
pub(crate) fn depthwise_nhwc<W: SimdConv + Send + Sync, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    out: &mut [W],
    epilogue: &E,
) {
    let (c, m) = (g.depth, g.multiplier);
    let out_row = g.cols.output * c * m;
    let kernel = depthwise_rows::row_kernel::<W, E>();
    let row = |r: usize, dst: &mut [W]| {
        if !W::depthwise_row(g, input, filter, r, dst, epilogue) {
            dst.fill(W::ZERO);
            kernel(g, input, filter, r, dst, epilogue);
        }
    };
    if out.len() * g.rows.window * g.cols.window >= direct::parallel_macs() {
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
