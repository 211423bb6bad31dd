//! `_FusedConv2D` and `_FusedDepthwiseConv2dNative`: the convolution kernels of `nn_conv` with
//! the bias (or batch normalisation) and activation applied per output block as it is
//! computed, instead of as separate passes over the output. NHWC only, as TensorFlow's CPU
//! kernel; f16 computes in f32.

use super::fused_ops::{FusedEpilogue, FusedOps, Host};
use crate::kernels::nn_conv::{
    ConvAttrs, Format, Widen, conv_geometry, conv_nhwc, depthwise_geometry, depthwise_nhwc, string,
};
use half::{bf16, f16};
use num_traits::Float;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::marker::PhantomData;

/// Which convolution the kernel fuses into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    Conv2D,
    Depthwise,
}

struct FusedConvKernel<T> {
    base: Base,
    attrs: ConvAttrs,
    fused: FusedOps,
    _t: PhantomData<T>,
}

/// A fused argument in the compute type.
fn widen_arg<T: Widen>(t: &Tensor) -> Result<Vec<T::Wide>> {
    Ok(t.as_slice::<T>()?.iter().map(|&v| v.widen()).collect())
}

impl<T: Widen> OpKernel for FusedConvKernel<T>
where
    T::Wide: Float,
{
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, filter) = (ctx.input(0), ctx.input(1));
        let args: Vec<&Tensor> = (2..ctx.num_inputs()).map(|i| ctx.input(i)).collect();
        let out = match self.base {
            Base::Conv2D => {
                let (g, dims) = conv_geometry(&self.attrs, input.shape(), filter.shape())?;
                let epilogue = self.fused.epilogue(&args, g.out_depth, widen_arg::<T>)?;
                let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, nhwc(dims))?;
                if out.num_elements() > 0 {
                    let (x, f) =
                        (T::widen_slice(input.as_slice()?), T::widen_slice(filter.as_slice()?));
                    let allocator = ctx.allocator();
                    let mut result = Ok(());
                    T::with_wide_out(out.as_mut_slice()?, |o| {
                        result = conv_nhwc(&g, &x, &f, o, allocator, &epilogue)
                    });
                    result?;
                }
                out
            }
            Base::Depthwise => {
                let (g, dims) = depthwise_geometry(&self.attrs, input.shape(), filter.shape())?;
                let epilogue: FusedEpilogue<T::Wide> =
                    self.fused.epilogue(&args, dims[3], widen_arg::<T>)?;
                let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, nhwc(dims))?;
                if out.num_elements() > 0 {
                    let (x, f) =
                        (T::widen_slice(input.as_slice()?), T::widen_slice(filter.as_slice()?));
                    T::with_wide_out(out.as_mut_slice()?, |o| {
                        depthwise_nhwc(&g, &x, &f, o, &epilogue)
                    });
                }
                out
            }
        };
        ctx.set_output(0, out);
        Ok(())
    }
}

fn nhwc(dims: [usize; 4]) -> TensorShape {
    TensorShape::new(dims)
}

fn factory<T: Widen>(node: &NodeView<'_>, base: Base) -> Result<Box<dyn OpKernel>>
where
    T::Wide: Float,
{
    let attrs = ConvAttrs::from_node(node)?;
    if attrs.format != Format::Nhwc {
        return Err(Status::unimplemented(
            "Fused conv implementation only supports NHWC tensor format for now.",
        ));
    }
    if base == Base::Conv2D && string(node.attrs, "filter_format")? != "HWIO" {
        return Err(Status::unimplemented(
            "Fused conv implementation only supports the HWIO filter format on CPU.",
        ));
    }
    let fused = FusedOps::from_node(node, Host::Conv)?;
    Ok(Box::new(FusedConvKernel::<T> { base, attrs, fused, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    let conv = "_FusedConv2D";
    r.register(conv, DeviceType::CPU, Some(DType::Float32), |n| factory::<f32>(n, Base::Conv2D));
    r.register(conv, DeviceType::CPU, Some(DType::Float64), |n| factory::<f64>(n, Base::Conv2D));
    r.register(conv, DeviceType::CPU, Some(DType::Float16), |n| factory::<f16>(n, Base::Conv2D));
    let dw = "_FusedDepthwiseConv2dNative";
    r.register(dw, DeviceType::CPU, Some(DType::Float32), |n| factory::<f32>(n, Base::Depthwise));
    r.register(dw, DeviceType::CPU, Some(DType::Float64), |n| factory::<f64>(n, Base::Depthwise));
    r.register(dw, DeviceType::CPU, Some(DType::Float16), |n| factory::<f16>(n, Base::Depthwise));
    r.register(dw, DeviceType::CPU, Some(DType::BFloat16), |n| factory::<bf16>(n, Base::Depthwise));
}
