//! The executor for plans with while loops: the same steps as the flat executor, run once per
//! iteration of their frame (see `frames` and `frame_state`).
//!
//! The frame state lives behind one lock, held only to take a step's inputs and to pass its
//! outputs on; kernels run outside it, on the calling thread or on the inter-op pool (an
//! expensive step is handed to the pool when its thread has other work). The control-flow
//! steps themselves (Switch, Merge, Enter, Exit, NextIteration, LoopCond) only route values,
//! so they run under the lock.
//!
//! Termination: a run only ever runs steps that are ready, and each step runs at most once per
//! iteration of its frame instance, so the run ends as soon as no step is ready or running. A
//! well-formed graph has then ended every loop and run every root step; anything else (a
//! `Merge` whose back edge never comes, an iteration that never completes) is reported as
//! InvalidArgument naming a step that still waits. Plan-time checks refuse loops that could
//! never end (a `NextIteration` with no `Switch` upstream). A loop whose predicate stays true
//! forever runs until the run's timeout, as in TensorFlow.

use crate::executor::{ExecOptions, InterOp, deadline_exceeded};
use crate::frame_state::{FrameState, Task};
use crate::frames::FramePlan;
use crate::kernel_runner::KernelRunner;
use crate::plan::{Flow, Plan};
use crate::run_options::NodeExecStats;
use sessionflow_core::{Device, Result, Status, Tensor};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Runs `plan` (which has frames) with the given feed values and returns the fetched values
/// and, when tracing, per-node statistics (one entry per kernel run, per iteration).
pub(crate) fn execute(
    plan: &Plan,
    frames: &FramePlan,
    feeds: Vec<Tensor>,
    devices: &[Arc<dyn Device>],
    options: &ExecOptions<'_>,
) -> Result<(Vec<Tensor>, Vec<NodeExecStats>)> {
    let (state, roots) = FrameState::new(plan, frames, feeds);
    let kernels = KernelRunner::new(devices, options, plan.steps.len());
    let deadline = options.timeout.map(|t| (kernels.started + t, t));
    let run = LoopRun {
        plan,
        devices,
        kernels,
        state: Mutex::new(state),
        error: Mutex::new(None),
        failed: AtomicBool::new(false),
        deadline,
    };
    match options.inter_op {
        InterOp::Inline => run.run_chain(None, roots),
        InterOp::Pool(pool) => pool.in_place_scope(|s| run.run_chain(Some(s), roots)),
        InterOp::Global => rayon::in_place_scope(|s| run.run_chain(Some(s), roots)),
    }
    if let Some(error) = run.error.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(error);
    }
    let mut state = run.state.into_inner().unwrap_or_else(PoisonError::into_inner);
    #[cfg(test)]
    tests::PEAK_ITERATIONS.with(|p| p.set(state.peak_iterations()));
    state.check_finished()?;
    let fetched = plan.fetch_slots.iter().map(|&slot| state.fetch(slot)).collect::<Result<_>>()?;
    Ok((fetched, run.kernels.into_stats()))
}

struct LoopRun<'a> {
    plan: &'a Plan,
    devices: &'a [Arc<dyn Device>],
    kernels: KernelRunner<'a>,
    state: Mutex<FrameState<'a>>,
    error: Mutex<Option<Status>>,
    failed: AtomicBool,
    deadline: Option<(Instant, Duration)>,
}

impl<'a> LoopRun<'a> {
    /// Runs `tasks` and whatever they make ready. As in the flat executor, only when two
    /// expensive steps are ready at once does one go to the pool (when there is one): waking a
    /// thread costs more than a cheap step.
    fn run_chain<'s>(&'s self, scope: Option<&rayon::Scope<'s>>, mut local: Vec<Task>) {
        while let Some(task) = local.pop() {
            if self.failed.load(Ordering::Acquire) {
                return;
            }
            match self.run_task(task) {
                Ok(ready) => local.extend(ready),
                Err(e) => {
                    self.fail(e);
                    return;
                }
            }
            let Some(scope) = scope else { continue };
            // Keeps the newest expensive step here and hands the older ones to the pool.
            let mut expensive = local.iter().rposition(|&t| self.is_expensive(t));
            while let Some(last) = expensive {
                let Some(other) = local[..last].iter().rposition(|&t| self.is_expensive(t)) else {
                    break;
                };
                let handed = local.remove(other);
                scope.spawn(move |s| self.run_chain(Some(s), vec![handed]));
                expensive = Some(last - 1);
            }
        }
    }

    fn is_expensive(&self, task: Task) -> bool {
        let step = &self.plan.steps[task.step as usize];
        !task.dead && step.flow == Flow::Kernel && step.expensive
    }

    fn lock(&self) -> MutexGuard<'_, FrameState<'a>> {
        // A panic while the lock was held leaves the run failed; the state is only read again
        // to report that.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one step of one iteration and returns the steps it made ready.
    fn run_task(&self, task: Task) -> Result<Vec<Task>> {
        let step = &self.plan.steps[task.step as usize];
        let with_node = |s: Status| s.with_node(&step.node_name);
        if let Some((deadline, timeout)) = self.deadline
            && Instant::now() > deadline
        {
            return Err(with_node(deadline_exceeded(timeout)));
        }
        if task.dead {
            let mut state = self.lock();
            if step.flow != Flow::Merge {
                // Reading releases the inputs this step would have consumed.
                drop(state.take_inputs(task).map_err(with_node)?);
            }
            return state.complete(task, vec![None; step.outputs.len()]).map_err(with_node);
        }
        if step.flow == Flow::Kernel {
            let inputs = self.lock().take_inputs(task).map_err(with_node)?;
            let inputs = inputs
                .into_iter()
                .collect::<Option<Vec<Tensor>>>()
                .ok_or_else(|| with_node(Status::internal("a live step read a dead input")))?;
            let outputs = self.kernels.compute(step, inputs)?;
            return self
                .lock()
                .complete(task, outputs.into_iter().map(Some).collect())
                .map_err(with_node);
        }
        let mut state = self.lock();
        let outputs = match step.flow {
            Flow::Merge => {
                let (index, value) = state.merge_input(task).map_err(with_node)?;
                let allocator = self.devices[step.device].allocator();
                vec![Some(value), Some(Tensor::scalar(allocator, index as i32).map_err(with_node)?)]
            }
            Flow::Switch => {
                let inputs = state.take_inputs(task).map_err(with_node)?;
                switch(inputs).map_err(with_node)?
            }
            _ => state.take_inputs(task).map_err(with_node)?,
        };
        state.complete(task, outputs).map_err(with_node)
    }

    /// Records the first error and stops further steps from starting.
    fn fail(&self, error: Status) {
        let mut first = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        first.get_or_insert(error);
        self.failed.store(true, Ordering::Release);
    }
}

/// `Switch(data, pred)`: data to output 1 when pred is true, else to output 0; the other is dead.
fn switch(inputs: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>> {
    let [Some(data), Some(pred)] = <[Option<Tensor>; 2]>::try_from(inputs)
        .map_err(|_| Status::internal("Switch takes two inputs"))?
    else {
        return Err(Status::internal("a live Switch read a dead input"));
    };
    let &[taken] = pred.as_slice::<bool>()? else {
        return Err(Status::invalid_argument(format!(
            "The second input of Switch must be a scalar, but it has shape {}",
            pred.shape()
        )));
    };
    Ok(if taken { vec![None, Some(data)] } else { vec![Some(data), None] })
}

#[cfg(test)]
mod tests;
