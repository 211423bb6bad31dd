//! `SpaceToBatchND` and `BatchToSpaceND`: one index mapping between a padded (cropped) spatial
//! layout and blocks interleaved into the batch, walked in either direction.

mod blocks;

use crate::kernels::numeric::{for_flat_types, for_numeric_types};
use crate::kernels::util::ints;
use blocks::{BlockLayout, Direction};
use sessionflow_core::{
    DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Tensor,
};
use std::marker::PhantomData;

struct BlockKernel<T> {
    direction: Direction,
    _t: PhantomData<T>,
}

impl<T: Element + Default> OpKernel for BlockKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let input = ctx.input(0);
        let block = ints(ctx.input(1), "block_shape")?;
        let pads = ints(ctx.input(2), "paddings")?;
        let layout = BlockLayout::new(
            self.direction,
            input.shape(),
            ctx.input(1).shape(),
            &block,
            ctx.input(2).shape(),
            &pads,
        )?;
        let mut out =
            Tensor::for_overwrite(ctx.allocator(), T::DTYPE, layout.output_shape.clone())?;
        if out.num_elements() > 0 {
            layout.copy(input.as_slice::<T>()?, out.as_mut_slice::<T>()?);
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn to_batch<T: Element + Default>(_: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(BlockKernel::<T> { direction: Direction::ToBatch, _t: PhantomData }))
}

fn to_space<T: Element + Default>(_: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(BlockKernel::<T> { direction: Direction::ToSpace, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("SpaceToBatchND", DeviceType::CPU, Some(DType::$d), to_batch::<$t>);
            r.register("BatchToSpaceND", DeviceType::CPU, Some(DType::$d), to_space::<$t>);
        };
    }
    for_flat_types!(reg);
}
