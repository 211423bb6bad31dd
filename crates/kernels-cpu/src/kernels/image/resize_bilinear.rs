//! `ResizeBilinear`: each output pixel interpolates its four nearest input pixels, in f32
//! whatever the input type (TensorFlow's output is always float32).

use super::coords::{Lerp, Mapping, ToF32, image_dims, output_size};
use crate::kernels::numeric::for_numeric_types;
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};
use std::marker::PhantomData;

/// Output elements above which rows are computed in parallel.
const PARALLEL_ELEMENTS: usize = 1 << 15;

struct ResizeBilinear<T> {
    mapping: Mapping,
    _t: PhantomData<T>,
}

impl<T: Element + ToF32> OpKernel for ResizeBilinear<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let images = ctx.input(0);
        let [n, h, w, c] = image_dims(images, "input")?;
        let [oh, ow] = output_size(ctx.input(1))?;
        if h == 0 || w == 0 {
            return Err(Status::invalid_argument("input image must be of non-zero size"));
        }
        let shape = TensorShape::new([n, oh, ow, c]);
        shape.num_elements()?;
        let mut out = Tensor::for_overwrite(ctx.allocator(), DType::Float32, shape)?;
        let ys = self.mapping.bilinear_axis(h, oh);
        let xs = self.mapping.bilinear_axis(w, ow);
        let input = images.as_slice::<T>()?;
        let output = out.as_mut_slice::<f32>()?;
        if !output.is_empty() {
            let row = |(r, dst): (usize, &mut [f32])| {
                let (b, y) = (r / oh, r % oh);
                let image = &input[b * h * w * c..][..h * w * c];
                output_row(image, w * c, c, ys[y], &xs, dst);
            };
            if output.len() >= PARALLEL_ELEMENTS {
                output.par_chunks_mut(ow * c).enumerate().for_each(row);
            } else {
                output.chunks_mut(ow * c).enumerate().for_each(row);
            }
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

/// One output row: `line` is an input row's length (`W·C`).
fn output_row<T: ToF32>(image: &[T], line: usize, c: usize, y: Lerp, xs: &[Lerp], dst: &mut [f32]) {
    let top = &image[y.lower * line..][..line];
    let bottom = &image[y.upper * line..][..line];
    for (x, px) in xs.iter().zip(dst.chunks_exact_mut(c)) {
        let (l, r) = (x.lower * c, x.upper * c);
        for (ch, out) in px.iter_mut().enumerate() {
            // TensorFlow's `compute_lerp`, in this order.
            let (tl, tr) = (top[l + ch].to_f32(), top[r + ch].to_f32());
            let (bl, br) = (bottom[l + ch].to_f32(), bottom[r + ch].to_f32());
            let t = tl + (tr - tl) * x.lerp;
            let b = bl + (br - bl) * x.lerp;
            *out = t + (b - t) * y.lerp;
        }
    }
}

fn factory<T: Element + ToF32>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(ResizeBilinear::<T> { mapping: Mapping::from_node(node)?, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("ResizeBilinear", DeviceType::CPU, Some(DType::$d), factory::<$t>);
        };
    }
    for_numeric_types!(reg);
}
