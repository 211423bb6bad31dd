//! `AddN`: the elementwise sum of N tensors of one shape (no broadcasting).

use crate::broadcast::for_each_chunk;
use crate::kernels::numeric::{Numeric, for_numeric_types};
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::marker::PhantomData;

struct AddN<T> {
    /// The node's name, for TensorFlow's error message.
    name: String,
    _t: PhantomData<fn() -> T>,
}

impl<T: Numeric> OpKernel for AddN<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let n = ctx.num_inputs();
        let shape = match n {
            0 => TensorShape::scalar(),
            _ => ctx.input(0).shape().clone(),
        };
        let mut inputs = Vec::with_capacity(n);
        for i in 0..n {
            let t = ctx.input(i);
            if *t.shape() != shape {
                return Err(Status::invalid_argument(format!(
                    "Inputs to operation {} of type AddN must have the same size and shape.  \
                     Input 0: {shape} != input {i}: {}",
                    self.name,
                    t.shape()
                )));
            }
            inputs.push(t.as_slice::<T>()?);
        }
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, shape)?;
        let Some((first, rest)) = inputs.split_first() else {
            return Err(Status::invalid_argument("AddN needs at least one input"));
        };
        // Chunk by chunk, every input is added while the chunk is in cache; left to right, so
        // each step rounds (and wraps) in T as TensorFlow's sum does.
        for_each_chunk(out.as_mut_slice::<T>()?, n, |start, chunk| {
            let range = start..start + chunk.len();
            chunk.copy_from_slice(&first[range.clone()]);
            for input in rest {
                for (o, &v) in chunk.iter_mut().zip(&input[range.clone()]) {
                    *o = o.add(v);
                }
            }
        });
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("AddN", DeviceType::CPU, Some(DType::$d), |node: &NodeView<'_>| {
                Ok(Box::new(AddN::<$t> { name: node.name.to_owned(), _t: PhantomData }))
            });
        };
    }
    for_numeric_types!(reg);
}
