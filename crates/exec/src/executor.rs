use crate::plan::Plan;
use sessionflow_core::{Device, KernelContext, Result, Status, Tensor};
use std::sync::Arc;

/// Runs a plan's steps in order with the given feed values, returning the fetched values.
/// Each intermediate value is released right after its last read.
pub(crate) fn execute(
    plan: &Plan,
    feeds: Vec<Tensor>,
    devices: &[Arc<dyn Device>],
) -> Result<Vec<Tensor>> {
    let mut values: Vec<Option<Tensor>> = vec![None; plan.num_slots];
    let mut reads_left = plan.reads.clone();
    for (&slot, tensor) in plan.feed_slots.iter().zip(feeds) {
        values[slot] = Some(tensor);
    }
    for step in &plan.steps {
        let inputs = step
            .inputs
            .iter()
            .map(|&slot| take_value(&mut values, &mut reads_left, slot))
            .collect::<Result<Vec<_>>>()?;
        let allocator = devices[step.device].allocator();
        let mut ctx = KernelContext::new(inputs, step.outputs.len(), allocator);
        step.kernel.compute(&mut ctx).map_err(|s| s.with_node(&step.node_name))?;
        let outputs = ctx.into_outputs().map_err(|s| s.with_node(&step.node_name))?;
        for ((tensor, slot), &dtype) in
            outputs.into_iter().zip(&step.outputs).zip(&step.output_types)
        {
            if tensor.dtype() != dtype {
                return Err(Status::internal(format!(
                    "kernel produced {} where the graph promises {dtype}",
                    tensor.dtype()
                ))
                .with_node(&step.node_name));
            }
            if let Some(slot) = *slot
                && reads_left[slot] > 0
            {
                values[slot] = Some(tensor);
            }
        }
    }
    plan.fetch_slots.iter().map(|&slot| take_value(&mut values, &mut reads_left, slot)).collect()
}

/// Reads a slot, moving the value out on its last read so its buffer can be freed or reused.
fn take_value(
    values: &mut [Option<Tensor>],
    reads_left: &mut [u32],
    slot: usize,
) -> Result<Tensor> {
    reads_left[slot] -= 1;
    let value = if reads_left[slot] == 0 { values[slot].take() } else { values[slot].clone() };
    value.ok_or_else(|| Status::internal(format!("value slot {slot} read before it was written")))
}
