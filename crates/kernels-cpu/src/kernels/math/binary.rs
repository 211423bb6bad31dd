use crate::broadcast::{broadcast_binary, broadcast_shapes};
use crate::kernels::numeric::{Numeric, for_numeric_types};
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Tensor,
};
use std::marker::PhantomData;

/// An elementwise binary op with numpy broadcasting.
struct BinaryKernel<T, F> {
    f: F,
    _t: PhantomData<T>,
}

impl<T: Numeric, F: Fn(T, T) -> T + Send + Sync> OpKernel for BinaryKernel<T, F> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (x, y) = (ctx.input(0), ctx.input(1));
        let shape = broadcast_shapes(x.shape(), y.shape())?;
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, shape.clone())?;
        broadcast_binary(
            x.as_slice::<T>()?,
            x.shape(),
            y.as_slice::<T>()?,
            y.shape(),
            out.as_mut_slice::<T>()?,
            &shape,
            &self.f,
        );
        ctx.set_output(0, out);
        Ok(())
    }
}

fn binary<T: Numeric>(f: fn(T, T) -> T) -> Box<dyn OpKernel> {
    Box::new(BinaryKernel { f, _t: PhantomData })
}

pub(crate) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("AddV2", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                Ok(binary::<$t>(Numeric::add))
            });
            r.register("Mul", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                Ok(binary::<$t>(Numeric::mul))
            });
        };
    }
    for_numeric_types!(reg);
}
