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
    let kernel = row_kernel::<W>();
    let row = |r: usize, dst: &mut [W]| kernel(g, input, filter, r, dst);
    if out.len() >= PARALLEL_ELEMENTS {
        out.par_chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    } else {
        out.chunks_mut(out_row).enumerate().for_each(|(r, dst)| row(r, dst));
    }
}

type RowKernel<W> = fn(&Geometry, &[W], &[W], usize, &mut [W]);

/// [`output_row`] compiled for the widest vectors this CPU has (the build targets baseline
/// x86-64, so SSE2 unless chosen here at run time).
fn row_kernel<W: Numeric>() -> RowKernel<W> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just found to support AVX2, all `output_row_avx2` requires.
        return |g, input, filter, r, dst| unsafe { output_row_avx2(g, input, filter, r, dst) };
    }
    output_row::<W>
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn output_row_avx2<W: Numeric>(g: &Geometry, input: &[W], filter: &[W], r: usize, dst: &mut [W]) {
    output_row(g, input, filter, r, dst)
}

/// Output row `r` (counted over N·OH) of a depthwise convolution, accumulated into `dst`.
#[inline(always)]
fn output_row<W: Numeric>(g: &Geometry, input: &[W], filter: &[W], r: usize, dst: &mut [W]) {
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
                block::<W, LANES>(acc, image, filter, &taps, c0);
                c0 += LANES;
            }
            for &(p, f) in &taps {
                let pixel = &image[p + c0..p + c];
                for ((a, &v), &f) in acc[c0..].iter_mut().zip(pixel).zip(&filter[f + c0..]) {
                    *a = a.add(v.mul(f));
                }
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
        }
    }
}

/// Channels accumulated together in registers.
const LANES: usize = 16;

/// `acc[c0..c0+N] = Σ image[p+c0..] · filter[f+c0..]` over the window's taps `(p, f)`.
#[inline(always)]
fn block<W: Numeric, const N: usize>(
    acc: &mut [W],
    image: &[W],
    filter: &[W],
    taps: &[(usize, usize)],
    c0: usize,
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
