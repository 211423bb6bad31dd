//! `ResizeNearestNeighbor`: each output pixel copies its nearest input pixel.

use super::coords::{Mapping, image_dims, output_size};
use crate::kernels::numeric::for_numeric_types;
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};
use std::marker::PhantomData;

/// Output elements above which rows are copied in parallel.
const PARALLEL_ELEMENTS: usize = 1 << 15;

struct ResizeNearest<T> {
    mapping: Mapping,
    _t: PhantomData<T>,
}

impl<T: Element> OpKernel for ResizeNearest<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let images = ctx.input(0);
        let [n, h, w, c] = image_dims(images, "input")?;
        let [oh, ow] = output_size(ctx.input(1))?;
        if h == 0 || w == 0 {
            return Err(Status::invalid_argument("input image must be of non-zero size"));
        }
        let shape = TensorShape::new([n, oh, ow, c]);
        shape.num_elements()?;
        let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, shape)?;
        let ys = self.mapping.nearest_axis(h, oh);
        let xs = self.mapping.nearest_axis(w, ow);
        let input = images.as_slice::<T>()?;
        let output = out.as_mut_slice::<T>()?;
        if !output.is_empty() {
            let row = |(r, dst): (usize, &mut [T])| {
                let (b, y) = (r / oh, r % oh);
                let line = &input[(b * h + ys[y]) * w * c..][..w * c];
                for (&x, px) in xs.iter().zip(dst.chunks_exact_mut(c)) {
                    px.copy_from_slice(&line[x * c..][..c]);
                }
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

fn factory<T: Element>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(ResizeNearest::<T> { mapping: Mapping::from_node(node)?, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("ResizeNearestNeighbor", DeviceType::CPU, Some(DType::$d), factory::<$t>);
        };
    }
    for_numeric_types!(reg);
}
