//! Shape, ShapeN, Size and Rank: they read only their inputs' shapes.

use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};

/// A vector of `values` as `out_type` (int32 or int64); `what(i)` names an overflow.
fn int_vector(
    ctx: &KernelContext<'_>,
    out_type: DType,
    values: &[usize],
    overflow: impl Fn(usize) -> String,
) -> Result<Tensor> {
    let shape = TensorShape::new([values.len()]);
    if out_type == DType::Int32 {
        let v = values
            .iter()
            .enumerate()
            .map(|(i, &d)| i32::try_from(d).map_err(|_| Status::invalid_argument(overflow(i))))
            .collect::<Result<Vec<_>>>()?;
        Tensor::from_slice(ctx.allocator(), shape, &v)
    } else {
        let v = values
            .iter()
            .enumerate()
            .map(|(i, &d)| i64::try_from(d).map_err(|_| Status::invalid_argument(overflow(i))))
            .collect::<Result<Vec<_>>>()?;
        Tensor::from_slice(ctx.allocator(), shape, &v)
    }
}

fn shape_of(ctx: &KernelContext<'_>, i: usize, out_type: DType) -> Result<Tensor> {
    let dims = ctx.input(i).shape().dims();
    int_vector(ctx, out_type, dims, |d| {
        format!("Shape output type is 32-bit  but dim {d} is {}", dims[d])
    })
}

/// Shape and ShapeN: one shape vector per input.
struct ShapeN {
    out_type: DType,
}

impl OpKernel for ShapeN {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        for i in 0..ctx.num_inputs() {
            let t = shape_of(ctx, i, self.out_type)?;
            ctx.set_output(i, t);
        }
        Ok(())
    }
}

struct Size {
    out_type: DType,
}

impl OpKernel for Size {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let n = ctx.input(0).num_elements();
        let t = int_vector(ctx, self.out_type, &[n], |_| {
            "Number of elements was larger than representable by 32-bit output type".to_owned()
        })?;
        let t = t.reshaped(TensorShape::scalar())?;
        ctx.set_output(0, t);
        Ok(())
    }
}

struct Rank;

impl OpKernel for Rank {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let rank = ctx.input(0).shape().rank() as i32;
        let t = Tensor::scalar(ctx.allocator(), rank)?;
        ctx.set_output(0, t);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    for op in ["Shape", "ShapeN"] {
        r.register(op, DeviceType::CPU, None, |node: &NodeView<'_>| {
            Ok(Box::new(ShapeN { out_type: node.attrs.get_type("out_type")? }))
        });
    }
    r.register("Size", DeviceType::CPU, None, |node: &NodeView<'_>| {
        Ok(Box::new(Size { out_type: node.attrs.get_type("out_type")? }))
    });
    r.register("Rank", DeviceType::CPU, None, |_: &NodeView<'_>| Ok(Box::new(Rank)));
}
