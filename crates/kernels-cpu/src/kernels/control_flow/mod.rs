//! The dataflow control-flow ops on the CPU (`Switch`, `Merge`, `Enter`, `Exit`,
//! `NextIteration`, `LoopCond`). The executor routes their values, deadness and frames itself
//! (see crates/exec's executor and frames); these registrations say the CPU can host them, for
//! placement.

use sessionflow_core::{
    DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
};

/// A kernel the executor never calls: it handles the op's routing directly.
struct RoutedByExecutor;

impl OpKernel for RoutedByExecutor {
    fn compute(&self, _ctx: &mut KernelContext<'_>) -> Result<()> {
        Err(Status::internal("control-flow ops are run by the executor, not as kernels"))
    }

    fn is_expensive(&self) -> bool {
        false
    }
}

fn factory(_node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(RoutedByExecutor))
}

pub(crate) fn register(r: &mut KernelRegistry) {
    for op in ["Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"] {
        r.register(op, DeviceType::CPU, None, factory);
    }
}
