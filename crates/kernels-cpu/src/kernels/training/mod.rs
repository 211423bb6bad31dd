//! Fused optimizer updates on resource variables (TensorFlow's `training_ops`):
//! ResourceApplyGradientDescent, ResourceApplyMomentum, ResourceApplyKerasMomentum,
//! ResourceApplyAdam, ResourceApplyRMSProp, ResourceApplyCenteredRMSProp, ResourceApplyAdagrad
//! and ResourceApplyAdagradV2, with TensorFlow's math for float16, bfloat16, float32 and
//! float64 (half types rounded after each operation, as Eigen does).
//!
//! Every kernel locks the variables it updates, whatever `use_locking` says: an update is
//! atomic, and a read never sees half of one. Values a read still holds are copied before
//! being written, so the reads of a step keep their snapshot.

mod adagrad;
mod adam;
mod chunked;
mod gradient_descent;
mod momentum;
mod rms_prop;
pub(crate) mod zip;

use super::state::{existing_variable, uninitialized};
use sessionflow_core::{
    Element, KernelContext, KernelRegistry, Result, Status, Tensor, Variable, lock_variables,
};

pub(super) fn register(r: &mut KernelRegistry) {
    gradient_descent::register(r);
    momentum::register(r);
    adam::register(r);
    rms_prop::register(r);
    adagrad::register(r);
}

/// The hyperparameter at input `i`, which must be a scalar (`what` names it in the error).
fn scalar<T: Element>(ctx: &KernelContext<'_>, i: usize, what: &str) -> Result<T> {
    let t = ctx.input(i);
    if t.shape().rank() != 0 {
        return Err(Status::invalid_argument(format!("{what} is not a scalar: {}", t.shape())));
    }
    Ok(t.as_slice::<T>()?[0])
}

/// Runs `update` on the values of the variables at inputs `variables` (each named for
/// messages, the first being `var`) and the operand at input `operand` (the gradient): the
/// variables are locked together, must hold values of dtype `T`, and must have the operand's
/// shape. `update` gets one writable slice per variable, in the order given.
fn update_variables<T: Element>(
    ctx: &KernelContext<'_>,
    variables: &[(usize, &str)],
    operand: (usize, &str),
    update: impl FnOnce(&mut [&mut [T]], &[T]),
) -> Result<()> {
    let found =
        variables.iter().map(|&(i, _)| existing_variable(ctx, i)).collect::<Result<Vec<_>>>()?;
    for (handle, variable) in &found {
        if variable.dtype() != T::DTYPE {
            return Err(Status::invalid_argument(format!(
                "Variable {} is {}, but this update is for {}",
                handle.name,
                variable.dtype(),
                T::DTYPE
            )));
        }
    }
    let refs: Vec<&Variable> = found.iter().map(|(_, v)| v.as_ref()).collect();
    let mut guards = lock_variables(&refs)?;
    let mut values: Vec<&mut Tensor> = Vec::with_capacity(guards.len());
    for (guard, (handle, _)) in guards.iter_mut().zip(&found) {
        values.push(guard.value_mut(ctx.allocator())?.ok_or_else(|| uninitialized(handle))?);
    }
    let operand_tensor = ctx.input(operand.0);
    let shape = values[0].shape().clone();
    let others = values[1..].iter().map(|t| t.shape()).zip(variables[1..].iter().map(|v| v.1));
    for (other, name) in others.chain([(operand_tensor.shape(), operand.1)]) {
        if *other != shape {
            return Err(Status::invalid_argument(format!(
                "var and {name} do not have the same shape{shape} {other}"
            )));
        }
    }
    let mut slices =
        values.into_iter().map(|t| t.as_mut_slice::<T>()).collect::<Result<Vec<_>>>()?;
    update(&mut slices, operand_tensor.as_slice::<T>()?);
    Ok(())
}
