//! Gradients through conditionals (TensorFlow's `control_flow_grad.py`, the context-free
//! forms): the gradient of a `Merge` goes back only into the input that was forwarded (a
//! `Switch` on `value_index`), and the gradient of a `Switch` merges its two outputs' gradients,
//! of which exactly one is alive (the untaken side's is zeros of a dead output, so dead too).
//! Loops (`Enter`, `Exit`, `NextIteration`) have no gradient yet: they need a gradient loop
//! that replays the forward iterations backwards.

use super::{Grads, grad};
use crate::gradients::attrs;
use crate::{Endpoint, GradContext, OpRegistry};
use sessionflow_core::AttrValue;

pub(super) fn register(r: &mut OpRegistry) {
    grad(r, "Switch", switch_grad);
    grad(r, "Merge", merge_grad);
}

/// `Switch(data, pred)`: the data's gradient is whichever output's gradient is alive. A
/// missing one is zeros of that (equally dead or alive) output, so the `Merge` always has
/// exactly one live input. The predicate gets none.
fn switch_grad(c: &mut GradContext<'_>) -> Grads {
    let on_false = c.grad(0)?;
    let on_true = c.grad(1)?;
    let n = attrs([("N", AttrValue::Int(2))]);
    Ok(vec![Some(c.op("Merge", &[on_false, on_true], n)?), None])
}

/// `Merge(inputs…)`: input `i` gets the gradient when `value_index == i`, and a dead value
/// otherwise (its side did not run forward, so nothing runs backward there either).
fn merge_grad(c: &mut GradContext<'_>) -> Grads {
    let g = c.grad(0)?;
    let index = c.output(1);
    (0..c.num_inputs())
        .map(|i| {
            let i = c.int_scalar(i as i64)?;
            let taken = c.binary("Equal", index, i)?;
            let routed = c.add_node("Switch", &[g, taken], Default::default())?;
            Ok(Some(Endpoint::new(routed, 1)))
        })
        .collect()
}
