//! Where (one input): the coordinates of the true (nonzero) elements, as int64 `[n, rank]`.

use crate::kernels::numeric::{Numeric, for_numeric_types};
use sessionflow_core::{
    DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};
use std::marker::PhantomData;

struct Where<T> {
    _t: PhantomData<T>,
}

/// Whether an element counts as true.
trait Truthy: Element {
    fn truthy(self) -> bool;
}

macro_rules! numeric_truthy {
    ($t:ty, $d:ident) => {
        impl Truthy for $t {
            fn truthy(self) -> bool {
                // NaN != 0 is true, -0 == 0: TF's `x != T(0)`.
                self != <$t as Numeric>::ZERO
            }
        }
    };
}
for_numeric_types!(numeric_truthy);

impl Truthy for bool {
    fn truthy(self) -> bool {
        self
    }
}

impl<T: Truthy> OpKernel for Where<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let input = ctx.input(0);
        let dims = input.shape().dims();
        if dims.is_empty() {
            return Err(Status::invalid_argument("WhereOp : Unhandled input dimensions: 0"));
        }
        let values = input.as_slice::<T>()?;
        let count = values.iter().filter(|v| v.truthy()).count();
        let rank = dims.len();
        let mut out =
            Tensor::zeros(ctx.allocator(), DType::Int64, TensorShape::new([count, rank]))?;
        let coords = out.as_mut_slice::<i64>()?;
        let mut at = 0;
        let mut index = vec![0i64; rank];
        for &v in values {
            if v.truthy() {
                coords[at..at + rank].copy_from_slice(&index);
                at += rank;
            }
            // Odometer over the input's dimensions.
            for d in (0..rank).rev() {
                index[d] += 1;
                if (index[d] as usize) < dims[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("Where", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                Ok(Box::new(Where::<$t> { _t: PhantomData }))
            });
        };
    }
    for_numeric_types!(reg);
    reg!(bool, Bool);
}
