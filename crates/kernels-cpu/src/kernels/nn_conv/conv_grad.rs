//! `Conv2DBackpropInput` and `Conv2DBackpropFilter`, the two gradients of `Conv2D`, as matrix
//! products over patch rows: the input's gradient is `dout · filterᵀ` scattered back into the
//! image (col2im), the filter's is `patchesᵀ · dout`. NCHW is transposed to NHWC and back;
//! f16/bf16 are computed in f32.

use super::conv2d::ConvAttrs;
use super::gemm::{GemmElement, Mat, with_scratch};
use super::im2col::ConvGeometry;
use super::layout::{nhwc, transpose};
use super::params::{Format, checked_elements, filter_dims};
use super::patches::{gather_patch, scatter_patch};
use super::widen::Widen;
use crate::kernels::numeric::Numeric;
use crate::kernels::util::read_ints;
use half::{bf16, f16};
use rayon::prelude::*;
use sessionflow_core::{
    Allocator, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result,
    Status, Tensor, TensorShape,
};
use std::marker::PhantomData;
use std::sync::Arc;

/// Patch-matrix elements per pass (as the forward convolution's budget).
const PATCH_BUDGET: usize = 1 << 21;

/// A 4-D shape given as an int tensor (`input_sizes`, `filter_sizes`).
fn sizes(t: &Tensor, what: &str) -> Result<[usize; 4]> {
    let v = read_ints(t, what)?;
    let dims: Option<Vec<usize>> = v.iter().map(|&d| usize::try_from(d).ok()).collect();
    match dims.as_deref() {
        Some(&[a, b, c, d]) if t.shape().rank() == 1 => Ok([a, b, c, d]),
        _ => Err(Status::invalid_argument(format!(
            "Conv2DBackprop: {what} must be a vector of 4 non-negative sizes, got {v:?}"
        ))),
    }
}

/// The convolution whose gradient is taken, from the input and filter dims (NHWC terms), after
/// checking that `dout` has the shape that convolution outputs.
fn geometry(
    attrs: &ConvAttrs,
    [n, h, w, c]: [usize; 4],
    [kh, kw, fd, od]: [usize; 4],
    dout: &TensorShape,
    op: &str,
) -> Result<ConvGeometry> {
    if fd == 0 || c % fd != 0 {
        return Err(Status::invalid_argument(format!(
            "{op}: input depth must be evenly divisible by filter depth: {c} vs {fd}"
        )));
    }
    let groups = c / fd;
    if groups == 0 || od % groups != 0 {
        return Err(Status::invalid_argument(format!(
            "{op}: output depth must be evenly divisible by number of groups: {od} vs {groups}"
        )));
    }
    let [rows, cols] = attrs.axes([h, w], [kh, kw])?;
    let expected = attrs.format.shape([n, rows.output, cols.output, od]);
    if dout != &expected {
        return Err(Status::invalid_argument(format!(
            "{op}: Size of out_backprop doesn't match computed: actual = {dout}, computed = {expected}"
        )));
    }
    checked_elements(&[n, h, w, c])?;
    Ok(ConvGeometry { batch: n, rows, cols, in_depth: c, filter_depth: fd, out_depth: od, groups })
}

impl ConvGeometry {
    fn pixels(&self) -> usize {
        self.rows.output * self.cols.output
    }

    /// Patch columns per group: one filter's window of input channels.
    fn window_k(&self) -> usize {
        self.rows.window * self.cols.window * self.filter_depth
    }

    /// Whole images per pass, so that a pass's patches stay within the budget.
    fn images_per_pass(&self) -> usize {
        let per_image = self.pixels() * self.window_k() * self.groups;
        (PATCH_BUDGET / per_image.max(1)).clamp(1, self.batch.max(1))
    }
}

/// `din[N,H,W,C] = col2im(dout · filterᵀ)`; `din` starts zeroed.
fn backprop_input_nhwc<W: GemmElement>(
    g: &ConvGeometry,
    filter: &[W],
    dout: &[W],
    din: &mut [W],
    allocator: &Arc<dyn Allocator>,
) -> Result<()> {
    let (pixels, group_k, od) = (g.pixels(), g.window_k(), g.out_depth);
    let (k_total, og) = (group_k * g.groups, od / g.groups);
    let image_len = g.rows.input * g.cols.input * g.in_depth;
    if pixels == 0 || k_total == 0 || image_len == 0 {
        return Ok(());
    }
    let per_pass = g.images_per_pass();
    with_scratch(allocator, per_pass * pixels * k_total, |scratch: &mut [W]| {
        for first in (0..g.batch).step_by(per_pass) {
            let images = per_pass.min(g.batch - first);
            let m = images * pixels;
            let patches = &mut scratch[..m * k_total];
            for grp in 0..g.groups {
                // dpatches[:, grp] = dout[:, grp] · filter[:, grp]ᵀ (filter rows are patch columns).
                W::gemm(
                    m,
                    group_k,
                    og,
                    dout,
                    Mat::rows(first * pixels * od + grp * og, od),
                    filter,
                    Mat { offset: grp * og, rs: 1, cs: od },
                    patches,
                    Mat::rows(grp * group_k, k_total),
                );
            }
            let patches = &*patches;
            din[first * image_len..(first + images) * image_len]
                .par_chunks_mut(image_len)
                .enumerate()
                .for_each(|(i, image)| {
                    for p in 0..pixels {
                        let row = &patches[(i * pixels + p) * k_total..][..k_total];
                        scatter_patch(g, row, p, image);
                    }
                });
        }
    })
}

/// `dfilter[KH·KW·C/groups, OC] = patchesᵀ · dout`, summed over passes.
fn backprop_filter_nhwc<W: GemmElement>(
    g: &ConvGeometry,
    input: &[W],
    dout: &[W],
    df: &mut [W],
    allocator: &Arc<dyn Allocator>,
) -> Result<()> {
    let (pixels, group_k, od) = (g.pixels(), g.window_k(), g.out_depth);
    let (k_total, og) = (group_k * g.groups, od / g.groups);
    let image_len = g.rows.input * g.cols.input * g.in_depth;
    if pixels == 0 || k_total == 0 || g.batch == 0 {
        return Ok(());
    }
    let per_pass = g.images_per_pass();
    let passes = g.batch.div_ceil(per_pass);
    let mut partial = if passes > 1 { vec![W::ZERO; df.len()] } else { Vec::new() };
    with_scratch(allocator, per_pass * pixels * k_total, |scratch: &mut [W]| {
        for first in (0..g.batch).step_by(per_pass) {
            let images = per_pass.min(g.batch - first);
            let m = images * pixels;
            let patches = &mut scratch[..m * k_total];
            patches.par_chunks_mut(pixels * k_total).enumerate().for_each(|(i, rows)| {
                let image = &input[(first + i) * image_len..][..image_len];
                for (p, row) in rows.chunks_exact_mut(k_total).enumerate() {
                    gather_patch(g, image, p, row);
                }
            });
            let dst: &mut [W] = if passes > 1 { &mut partial } else { &mut *df };
            for grp in 0..g.groups {
                W::gemm(
                    group_k,
                    og,
                    m,
                    patches,
                    Mat { offset: grp * group_k, rs: 1, cs: k_total },
                    dout,
                    Mat::rows(first * pixels * od + grp * og, od),
                    dst,
                    Mat::rows(grp * og, od),
                );
            }
            if passes > 1 {
                for (d, &p) in df.iter_mut().zip(&partial) {
                    *d = d.add(p);
                }
            }
        }
    })
}

struct BackpropInput<T> {
    attrs: ConvAttrs,
    _t: PhantomData<T>,
}

impl<T: Widen> OpKernel for BackpropInput<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let op = "Conv2DBackpropInput";
        let (sizes_t, filter, dout) = (ctx.input(0), ctx.input(1), ctx.input(2));
        let format = self.attrs.format;
        let input_dims = format.pick(&sizes(sizes_t, "input_sizes")?);
        let g = geometry(&self.attrs, input_dims, filter_dims(filter, op)?, dout.shape(), op)?;
        let allocator = Arc::clone(ctx.allocator());
        let mut din = Tensor::zeros(&allocator, T::DTYPE, format.shape(input_dims))?;
        let filter_w = T::widen_slice(filter.as_slice::<T>()?);
        let dout_w = nhwc(format, dout.as_slice::<T>()?, g.out_depth, g.pixels());
        match format {
            Format::Nhwc => {
                let mut result = Ok(());
                T::with_wide_out(din.as_mut_slice()?, |o| {
                    result = backprop_input_nhwc(&g, &filter_w, &dout_w, o, &allocator)
                });
                result?;
            }
            Format::Nchw => {
                let mut result = vec![T::Wide::ZERO; din.num_elements()];
                backprop_input_nhwc(&g, &filter_w, &dout_w, &mut result, &allocator)?;
                let hw = g.rows.input * g.cols.input;
                transpose(&result, din.as_mut_slice::<T>()?, hw, g.in_depth, T::narrow);
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
        let op = "Conv2DBackpropFilter";
        let (input, sizes_t, dout) = (ctx.input(0), ctx.input(1), ctx.input(2));
        let format = self.attrs.format;
        if input.shape().rank() != 4 {
            return Err(Status::invalid_argument(format!(
                "{op}: input must be 4-dimensional: {}",
                input.shape()
            )));
        }
        let filter_dims = sizes(sizes_t, "filter_sizes")?;
        let input_dims = format.pick(input.shape().dims());
        let g = geometry(&self.attrs, input_dims, filter_dims, dout.shape(), op)?;
        let mut df = Tensor::zeros(ctx.allocator(), T::DTYPE, TensorShape::new(filter_dims))?;
        let (x, dy) = (input.as_slice::<T>()?, dout.as_slice::<T>()?);
        let x_w = nhwc(format, x, g.in_depth, g.rows.input * g.cols.input);
        let dy_w = nhwc(format, dy, g.out_depth, g.pixels());
        let allocator = Arc::clone(ctx.allocator());
        let mut result = Ok(());
        T::with_wide_out(df.as_mut_slice()?, |o| {
            result = backprop_filter_nhwc(&g, &x_w, &dy_w, o, &allocator)
        });
        result?;
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
    let (input, filter) = ("Conv2DBackpropInput", "Conv2DBackpropFilter");
    r.register(input, DeviceType::CPU, Some(DType::Float32), input_factory::<f32>);
    r.register(input, DeviceType::CPU, Some(DType::Float64), input_factory::<f64>);
    r.register(input, DeviceType::CPU, Some(DType::Float16), input_factory::<f16>);
    r.register(input, DeviceType::CPU, Some(DType::BFloat16), input_factory::<bf16>);
    r.register(input, DeviceType::CPU, Some(DType::Int32), input_factory::<i32>);
    r.register(filter, DeviceType::CPU, Some(DType::Float32), filter_factory::<f32>);
    r.register(filter, DeviceType::CPU, Some(DType::Float64), filter_factory::<f64>);
    r.register(filter, DeviceType::CPU, Some(DType::Float16), filter_factory::<f16>);
    r.register(filter, DeviceType::CPU, Some(DType::BFloat16), filter_factory::<bf16>);
}
