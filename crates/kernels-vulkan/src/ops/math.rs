//! Elementwise math, MatMul, BatchMatMul(V2) and reductions (float32).

use super::context;
use crate::VulkanContext;
use crate::kernels::{self, BinaryOp, BroadcastPlan, ReduceOp, UnaryOp};
use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor,
};
use std::sync::Arc;

struct Binary {
    ctx: Arc<VulkanContext>,
    op: BinaryOp,
}

impl OpKernel for Binary {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let plan = BroadcastPlan::new(ctx.input(0).shape(), ctx.input(1).shape())?;
        // An operand of the output's shape that nothing else holds takes the result in place.
        let (out, forwarded) = ctx.forward_input_or_allocate(&[0, 1], DType::Float32, &plan.out)?;
        let a = if forwarded == Some(0) { &out } else { ctx.input(0) };
        let b = if forwarded == Some(1) { &out } else { ctx.input(1) };
        kernels::binary_into(&self.ctx, self.op, a, b, &plan, &out)?;
        ctx.set_output(0, out);
        Ok(())
    }
}

struct Unary {
    ctx: Arc<VulkanContext>,
    op: UnaryOp,
}

impl OpKernel for Unary {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let shape = ctx.input(0).shape().clone();
        let (out, forwarded) = ctx.forward_input_or_allocate(&[0], DType::Float32, &shape)?;
        let x = if forwarded.is_some() { &out } else { ctx.input(0) };
        kernels::unary_into(&self.ctx, self.op, x, &out)?;
        ctx.set_output(0, out);
        Ok(())
    }
}

struct MatMul {
    ctx: Arc<VulkanContext>,
    transpose_a: bool,
    transpose_b: bool,
}

impl OpKernel for MatMul {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        let out =
            kernels::matmul(&self.ctx, ctx.allocator(), a, b, self.transpose_a, self.transpose_b)?;
        ctx.set_output(0, out);
        Ok(())
    }
}

struct BatchMatMul {
    ctx: Arc<VulkanContext>,
    adj_x: bool,
    adj_y: bool,
    broadcast: bool,
}

impl OpKernel for BatchMatMul {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (x, y) = (ctx.input(0), ctx.input(1));
        let out = kernels::batch_matmul(
            &self.ctx,
            ctx.allocator(),
            x,
            y,
            self.adj_x,
            self.adj_y,
            self.broadcast,
        )?;
        ctx.set_output(0, out);
        Ok(())
    }
}

struct Reduce {
    ctx: Arc<VulkanContext>,
    op: ReduceOp,
    keep_dims: bool,
}

impl OpKernel for Reduce {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let axes = read_axes(ctx.input(1))?;
        let out = kernels::reduce(
            &self.ctx,
            ctx.allocator(),
            self.op,
            ctx.input(0),
            &axes,
            self.keep_dims,
        )?;
        ctx.set_output(0, out);
        Ok(())
    }

    fn host_memory_inputs(&self) -> &[usize] {
        // The axes decide the plan of dispatches, on the host.
        &[1]
    }
}

/// Reduction axes from a host int tensor (TensorFlow's message for other dtypes).
fn read_axes(t: &Tensor) -> Result<Vec<i64>> {
    match t.dtype() {
        DType::Int32 => Ok(t.as_slice::<i32>()?.iter().map(|&v| i64::from(v)).collect()),
        DType::Int64 => Ok(t.as_slice::<i64>()?.to_vec()),
        other => Err(Status::invalid_argument(format!(
            "reduction_indices must be an integer tensor, got {other}"
        ))),
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    let f32 = Some(DType::Float32);
    macro_rules! binary {
        ($($name:literal => $op:ident),*) => {$(
            r.register($name, DeviceType::VULKAN, f32, |_: &NodeView<'_>| {
                Ok(Box::new(Binary { ctx: context()?, op: BinaryOp::$op }))
            });
        )*};
    }
    // Add and Div are AddV2 and RealDiv for floats.
    binary!("AddV2" => AddV2, "Add" => AddV2, "Sub" => Sub, "Mul" => Mul, "RealDiv" => RealDiv,
        "Div" => RealDiv, "Maximum" => Maximum, "Minimum" => Minimum);
    macro_rules! unary {
        ($($name:literal => $op:ident),*) => {$(
            r.register($name, DeviceType::VULKAN, f32, |_: &NodeView<'_>| {
                Ok(Box::new(Unary { ctx: context()?, op: UnaryOp::$op }))
            });
        )*};
    }
    unary!("Relu" => Relu, "Relu6" => Relu6, "Neg" => Neg, "Exp" => Exp, "Log" => Log,
        "Tanh" => Tanh, "Sigmoid" => Sigmoid);
    r.register("MatMul", DeviceType::VULKAN, f32, |node: &NodeView<'_>| {
        Ok(Box::new(MatMul {
            ctx: context()?,
            transpose_a: node.attrs.get_bool("transpose_a")?,
            transpose_b: node.attrs.get_bool("transpose_b")?,
        }))
    });
    // The first version takes equal batch dims only; V2 broadcasts them.
    r.register("BatchMatMulV2", DeviceType::VULKAN, f32, |node: &NodeView<'_>| {
        batch_matmul(node, true)
    });
    r.register("BatchMatMul", DeviceType::VULKAN, f32, |node: &NodeView<'_>| {
        batch_matmul(node, false)
    });
    macro_rules! reduce {
        ($($name:literal => $op:ident),*) => {$(
            r.register($name, DeviceType::VULKAN, f32, |node: &NodeView<'_>| {
                Ok(Box::new(Reduce {
                    ctx: context()?,
                    op: ReduceOp::$op,
                    keep_dims: node.attrs.get_bool("keep_dims")?,
                }))
            });
        )*};
    }
    reduce!("Sum" => Sum, "Mean" => Mean, "Max" => Max);
}

fn batch_matmul(node: &NodeView<'_>, broadcast: bool) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(BatchMatMul {
        ctx: context()?,
        adj_x: node.attrs.get_bool("adj_x")?,
        adj_y: node.attrs.get_bool("adj_y")?,
        broadcast,
    }))
}
