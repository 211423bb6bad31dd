//! `DepthwiseConv2dNative`: each input channel convolved with its own `M` filters, output
//! channel `c·M + m`. Direct loops over output rows in parallel; the innermost loop runs over
//! channels, contiguous in NHWC. NCHW is transposed to NHWC and back; f16/bf16 computed in f32.

use super::conv2d::{ConvAttrs, conv_inputs};
use super::epilogue::{Epilogue, Plain};
use super::layout::transpose;
use super::params::{Axis, Format, checked_elements};
use super::widen::{PARALLEL_ELEMENTS, Widen};
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
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, format.shape(out_dims))?;
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

/// Accumulates into a zero-filled `out[N,OH,OW,C·M]`, finishing each pixel with `epilogue`.
pub(crate) fn depthwise_nhwc<W: Numeric + Send + Sync, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    out: &mut [W],
    epilogue: &E,
) {
    let (c, m) = (g.depth, g.multiplier);
    let out_row = g.cols.output * c * m;
    let kernel = row_kernel::<W, E>();
    let row = |r: usize, dst: &mut [W]| kernel(g, input, filter, r, dst, epilogue);
    if out.len() >= PARALLEL_ELEMENTS {
        out.par_chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    } else {
        out.chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    }
}

type RowKernel<W, E> = fn(&Geometry, &[W], &[W], usize, &mut [W], &E);

/// [`output_row`] compiled for the widest vectors this CPU has (the build targets baseline
/// x86-64, so SSE2 unless chosen here at run time).
fn row_kernel<W: Numeric, E: Epilogue<W>>() -> RowKernel<W, E> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    {
        // SAFETY: the CPU was just found to support AVX2 and FMA, all `output_row_avx2`
        // requires.
        return |g, input, filter, r, dst, e| unsafe { output_row_avx2(g, input, filter, r, dst, e) };
    }
    output_row::<W, E>
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn output_row_avx2<W: Numeric, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    output_row(g, input, filter, r, dst, epilogue)
}

/// Output row `r` (counted over N·OH) of a depthwise convolution, accumulated into `dst`.
#[inline(always)]
fn output_row<W: Numeric, E: Epilogue<W>>(
    g: &Geometry,
    input: &[W],
    filter: &[W],
    r: usize,
    dst: &mut [W],
    epilogue: &E,
) {
    let (c, m) = (g.depth, g.multiplier);
    let image = g.rows.input * g.cols.input * c;
    let (n, y) = (r / g.rows.output, r % g.rows.output);
    let image = &input[n * image..][..image];
    // The current window's taps inside the image: (input pixel offset, filter tap offset).
    // One buffer per output row, reused for each pixel.
    let mut taps = Vec::with_capacity(g.rows.window * g.cols.window);
    for (x, acc) in dst.chunks_exact_mut(c * m).enumerate() {
        taps.clear();
        for ky in 0..g.rows.window {
            let Some(iy) = g.rows.tap(y, ky) else { continue };
            for kx in 0..g.cols.window {
                let Some(ix) = g.cols.tap(x, kx) else { continue };
                taps.push(((iy * g.cols.input + ix) * c, (ky * g.cols.window + kx) * c * m));
            }
        }
        if m == 1 {
            // A block of channels accumulates in registers over the whole window.
            let mut c0 = 0;
            while c0 + LANES <= c {
                block::<W, E, LANES>(acc, image, filter, &taps, c0, epilogue);
                c0 += LANES;
            }
            for &(p, f) in &taps {
                let pixel = &image[p + c0..p + c];
                for ((a, &v), &f) in acc[c0..].iter_mut().zip(pixel).zip(&filter[f + c0..]) {
                    *a = a.add(v.mul(f));
                }
            }
            if E::ACTIVE && c0 < c {
                epilogue.apply(c0, &mut acc[c0..]);
            }
        } else {
            for &(p, f) in &taps {
                let pixel = &image[p..][..c];
                let fs = &filter[f..][..c * m];
                for ((a, &v), f) in acc.chunks_exact_mut(m).zip(pixel).zip(fs.chunks_exact(m)) {
                    for (a, &f) in a.iter_mut().zip(f) {
                        *a = a.add(v.mul(f));
                    }
                }
            }
            if E::ACTIVE {
                epilogue.apply(0, acc);
            }
        }
    }
}

/// Channels accumulated together in registers.
const LANES: usize = 16;

/// `acc[c0..c0+N] = epilogue(Σ image[p+c0..] · filter[f+c0..])` over the window's taps
/// `(p, f)`.
#[inline(always)]
fn block<W: Numeric, E: Epilogue<W>, const N: usize>(
    acc: &mut [W],
    image: &[W],
    filter: &[W],
    taps: &[(usize, usize)],
    c0: usize,
    epilogue: &E,
) {
    let mut sum = [W::ZERO; N];
    for &(p, f) in taps {
        let (Ok(v), Ok(w)) = (
            <&[W; N]>::try_from(&image[p + c0..p + c0 + N]),
            <&[W; N]>::try_from(&filter[f + c0..f + c0 + N]),
        ) else {
            // Both slices are N long by construction.
            continue;
        };
        for i in 0..N {
            sum[i] = sum[i].add(v[i].mul(w[i]));
        }
    }
    if E::ACTIVE {
        epilogue.apply(c0, &mut sum);
    }
    acc[c0..c0 + N].copy_from_slice(&sum);
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
