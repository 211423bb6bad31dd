//! `MaxPool` and `AvgPool`: attrs, validation and layouts (the loops are in `pool_ops`), and
//! max pooling across channels.

use super::params::{Axis, Format, Padding, checked_elements, ints};
use super::pool_ops::{Avg, AvgElement, Geometry, Max, PoolOp, pool_nhwc, pool_planes};
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
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
            let (x, y) = (input.as_slice()?, out.as_mut_slice()?);
            match a.format {
                Format::Nhwc => {
                    let g = Geometry { rows, cols, channels: c };
                    pool_nhwc(&g, x, y, &self.op);
                }
                Format::Nchw => {
                    let g = Geometry { rows, cols, channels: 1 };
                    pool_planes(&g, x, y, &self.op);
                }
            }
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
    let op = Avg::<T::Acc>::new();
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
