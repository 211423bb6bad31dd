//! The resize gradients: `ResizeBilinearGrad` spreads each incoming gradient over the four
//! input pixels its output interpolated, with the same weights; `ResizeNearestNeighborGrad`
//! adds it to the one pixel its output copied. Images are summed into independently, in
//! parallel.

use super::coords::{Mapping, image_dims, output_size};
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};
use std::marker::PhantomData;

/// The resized (incoming gradient) and original dims must agree on batch and channels.
fn check_pair(grads: [usize; 4], original: [usize; 4]) -> Result<()> {
    if grads[0] != original[0] || grads[3] != original[3] {
        return Err(Status::invalid_argument(format!(
            "input_grad and original_image must have the same batch size and depth, got [{}, {}] and [{}, {}]",
            grads[0], grads[3], original[0], original[3]
        )));
    }
    Ok(())
}

/// How `ResizeBilinearGrad` accumulates and stores one element type.
trait BilinearGradElement: Element {
    type Acc: Copy + Send + Sync + Default + std::ops::AddAssign;
    fn term(g: f32, weight: f32) -> Self::Acc;
    fn store(acc: Self::Acc) -> Self;
}

impl BilinearGradElement for f32 {
    type Acc = f32;
    fn term(g: f32, weight: f32) -> f32 {
        g * weight
    }
    fn store(acc: f32) -> f32 {
        acc
    }
}

impl BilinearGradElement for f64 {
    type Acc = f64;
    fn term(g: f32, weight: f32) -> f64 {
        f64::from(g * weight)
    }
    fn store(acc: f64) -> f64 {
        acc
    }
}

macro_rules! half_grad {
    ($($t:ty),*) => {$(
        impl BilinearGradElement for $t {
            type Acc = f32;
            fn term(g: f32, weight: f32) -> f32 { g * weight }
            fn store(acc: f32) -> $t { <$t>::from_f32(acc) }
        }
    )*};
}

half_grad!(f16, bf16);

struct ResizeBilinearGrad<T> {
    mapping: Mapping,
    _t: PhantomData<T>,
}

impl<T: BilinearGradElement> OpKernel for ResizeBilinearGrad<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let grads = ctx.input(0);
        let [n, rh, rw, c] = image_dims(grads, "input_grad")?;
        let original = image_dims(ctx.input(1), "original_image")?;
        check_pair([n, rh, rw, c], original)?;
        let [_, h, w, _] = original;
        if h == 0 || w == 0 {
            return Err(Status::invalid_argument("original image must be of non-zero size"));
        }
        let ys = self.mapping.bilinear_axis(h, rh);
        let xs = self.mapping.bilinear_axis(w, rw);
        let g = grads.as_slice::<f32>()?;
        let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, TensorShape::new(original))?;
        let image = h * w * c;
        if image > 0 {
            let output = out.as_mut_slice::<T>()?;
            output.par_chunks_mut(image).enumerate().for_each(|(b, dst)| {
                let mut acc = vec![T::Acc::default(); image];
                let g = &g[b * rh * rw * c..][..rh * rw * c];
                for (y, ly) in ys.iter().enumerate() {
                    let (top, bottom) = (ly.lower * w * c, ly.upper * w * c);
                    for (x, lx) in xs.iter().enumerate() {
                        let (left, right) = (lx.lower * c, lx.upper * c);
                        let (iy, ix) = (1.0 - ly.lerp, 1.0 - lx.lerp);
                        for (ch, &v) in g[(y * rw + x) * c..][..c].iter().enumerate() {
                            acc[top + left + ch] += T::term(v, iy * ix);
                            acc[top + right + ch] += T::term(v, iy * lx.lerp);
                            acc[bottom + left + ch] += T::term(v, ly.lerp * ix);
                            acc[bottom + right + ch] += T::term(v, ly.lerp * lx.lerp);
                        }
                    }
                }
                dst.iter_mut().zip(acc).for_each(|(d, a)| *d = T::store(a));
            });
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

struct ResizeNearestGrad<T> {
    mapping: Mapping,
    _t: PhantomData<T>,
}

impl<T: Numeric> OpKernel for ResizeNearestGrad<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let grads = ctx.input(0);
        let [n, rh, rw, c] = image_dims(grads, "input")?;
        let [h, w] = output_size(ctx.input(1))?;
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, TensorShape::new([n, h, w, c]))?;
        // The forward resize mapped `h × w` pixels onto `rh × rw`.
        let ys = self.mapping.nearest_axis(h, rh);
        let xs = self.mapping.nearest_axis(w, rw);
        let g = grads.as_slice::<T>()?;
        let image = h * w * c;
        if image > 0 {
            let output = out.as_mut_slice::<T>()?;
            output.par_chunks_mut(image).enumerate().for_each(|(b, dst)| {
                let g = &g[b * rh * rw * c..][..rh * rw * c];
                for (y, &sy) in ys.iter().enumerate() {
                    for (x, &sx) in xs.iter().enumerate() {
                        let to = &mut dst[(sy * w + sx) * c..][..c];
                        for (d, &v) in to.iter_mut().zip(&g[(y * rw + x) * c..][..c]) {
                            *d = d.add(v);
                        }
                    }
                }
            });
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn bilinear<T: BilinearGradElement>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(ResizeBilinearGrad::<T> { mapping: Mapping::from_node(node)?, _t: PhantomData }))
}

fn nearest<T: Numeric>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(ResizeNearestGrad::<T> { mapping: Mapping::from_node(node)?, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    let op = "ResizeBilinearGrad";
    r.register(op, DeviceType::CPU, Some(DType::Float32), bilinear::<f32>);
    r.register(op, DeviceType::CPU, Some(DType::Float64), bilinear::<f64>);
    r.register(op, DeviceType::CPU, Some(DType::Float16), bilinear::<f16>);
    r.register(op, DeviceType::CPU, Some(DType::BFloat16), bilinear::<bf16>);
    let op = "ResizeNearestNeighborGrad";
    r.register(op, DeviceType::CPU, Some(DType::UInt8), nearest::<u8>);
    r.register(op, DeviceType::CPU, Some(DType::Int8), nearest::<i8>);
    r.register(op, DeviceType::CPU, Some(DType::Int32), nearest::<i32>);
    r.register(op, DeviceType::CPU, Some(DType::Float16), nearest::<f16>);
    r.register(op, DeviceType::CPU, Some(DType::Float32), nearest::<f32>);
    r.register(op, DeviceType::CPU, Some(DType::Float64), nearest::<f64>);
    r.register(op, DeviceType::CPU, Some(DType::BFloat16), nearest::<bf16>);
}
