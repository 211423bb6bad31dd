use crate::kernel_runner::KernelRunner;
use crate::loop_executor;
use crate::plan::{Flow, Plan};
use crate::run_options::NodeExecStats;
use rayon::ThreadPool;
use sessionflow_core::{Device, ResourceManager, Result, Status, Tensor};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Where independent steps of one run execute.
#[derive(Clone, Copy)]
pub(crate) enum InterOp<'a> {
    /// One after another on the calling thread.
    Inline,
    /// Concurrently on this pool.
    Pool(&'a ThreadPool),
    /// Concurrently on the process-wide pool.
    Global,
}

/// How one run executes: where, until when, and whether nodes are traced.
pub(crate) struct ExecOptions<'a> {
    pub inter_op: InterOp<'a>,
    pub intra_op_pool: Option<&'a ThreadPool>,
    pub timeout: Option<Duration>,
    pub trace: bool,
    /// The session's variables, which stateful kernels read and update.
    pub resources: &'a dyn ResourceManager,
}

/// One value slot: the tensor (once produced), whether it is dead (on an untaken branch of a
/// `Switch`), and how many reads of it remain this run.
struct Slot {
    value: Option<Tensor>,
    dead: bool,
    reads_left: u32,
}

/// The values of one run of a plan, by slot. A partial run keeps one across its calls.
pub(crate) struct Values {
    slots: Vec<Mutex<Slot>>,
}

impl Values {
    /// Empty slots for `plan`, each expecting its planned number of reads.
    pub fn new(plan: &Plan) -> Values {
        let slots = plan
            .reads
            .iter()
            .map(|&reads_left| Mutex::new(Slot { value: None, dead: false, reads_left }))
            .collect();
        Values { slots }
    }

    /// Keeps `tensor` in `slot` if anything will read it; otherwise it is dropped (freed) now.
    pub fn store(&self, slot: usize, tensor: Tensor) {
        let mut s = self.slots[slot].lock().unwrap_or_else(PoisonError::into_inner);
        if s.reads_left > 0 {
            s.value = Some(tensor);
        }
    }

    /// Marks `slot` dead: its producer did not run, or a `Switch` routed its value elsewhere.
    pub fn store_dead(&self, slot: usize) {
        self.slots[slot].lock().unwrap_or_else(PoisonError::into_inner).dead = true;
    }

    /// Reads a slot for a consumer, moving the value out on its last read so its buffer can be
    /// freed; None when the slot is dead.
    pub fn read_input(&self, slot: usize) -> Result<Option<Tensor>> {
        let mut s = self.slots[slot].lock().unwrap_or_else(PoisonError::into_inner);
        s.reads_left = s.reads_left.saturating_sub(1);
        if s.dead {
            return Ok(None);
        }
        let value = if s.reads_left == 0 { s.value.take() } else { s.value.clone() };
        value.map(Some).ok_or_else(|| {
            Status::internal(format!("value slot {slot} read before it was written"))
        })
    }

    /// Reads a fetched slot; InvalidArgument when it is dead (a tensor of a branch not taken),
    /// as TensorFlow's "Retval does not have value".
    pub fn read(&self, slot: usize) -> Result<Tensor> {
        self.read_input(slot)?.ok_or_else(|| {
            Status::invalid_argument(
                "Retval does not have value: the fetched tensor is on a branch of a conditional \
                 that was not taken",
            )
        })
    }
}

/// The mutable state of one run of a plan. Steps start when their last predecessor finishes;
/// a finishing step continues inline with one newly ready successor and hands the others to
/// the pool, so chains cost no scheduling and independent branches run in parallel.
struct Run<'a> {
    plan: &'a Plan,
    devices: &'a [Arc<dyn Device>],
    kernels: KernelRunner<'a>,
    values: &'a Values,
    pending: Vec<AtomicU32>,
    /// Per step: it did not run because an input or a control predecessor was dead.
    dead: Vec<AtomicBool>,
    error: Mutex<Option<Status>>,
    failed: AtomicBool,
    deadline: Option<(Instant, Duration)>,
}

/// Runs `plan` with the given feed values and returns the fetched values (and, when tracing,
/// per-node statistics). Each intermediate value is released right after its last read.
pub(crate) fn execute(
    plan: &Plan,
    feeds: Vec<Tensor>,
    devices: &[Arc<dyn Device>],
    options: &ExecOptions<'_>,
) -> Result<(Vec<Tensor>, Vec<NodeExecStats>)> {
    if let Some(frames) = &plan.frames {
        return loop_executor::execute(plan, frames, feeds, devices, options);
    }
    let values = Values::new(plan);
    for (&slot, tensor) in plan.feed_slots.iter().zip(feeds) {
        values.store(slot, tensor);
    }
    let run = Run::new(plan, devices, options, &values);
    run.run_inline(options.inter_op);
    let stats = run.finish()?;
    let fetched = plan.fetch_slots.iter().map(|&slot| values.read(slot)).collect::<Result<_>>()?;
    Ok((fetched, stats))
}

/// Runs the given steps of `plan` in order on the calling thread, against `values` kept by the
/// caller (a partial run); the steps' inputs must already be in `values`.
pub(crate) fn execute_steps(
    plan: &Plan,
    steps: &[usize],
    values: &Values,
    devices: &[Arc<dyn Device>],
    options: &ExecOptions<'_>,
) -> Result<Vec<NodeExecStats>> {
    if plan.frames.is_some() {
        return Err(Status::unimplemented(
            "partial runs of graphs with while loops are not supported; run the whole signature",
        ));
    }
    let run = Run::new(plan, devices, options, values);
    for &step in steps {
        if let Err(e) = run.run_step(step) {
            run.fail(e);
            break;
        }
    }
    run.finish()
}

impl<'a> Run<'a> {
    fn new(
        plan: &'a Plan,
        devices: &'a [Arc<dyn Device>],
        options: &ExecOptions<'a>,
        values: &'a Values,
    ) -> Self {
        let kernels = KernelRunner::new(devices, options, plan.steps.len());
        let started = kernels.started;
        Run {
            plan,
            devices,
            kernels,
            values,
            pending: plan.steps.iter().map(|s| AtomicU32::new(s.predecessors)).collect(),
            dead: plan.steps.iter().map(|_| AtomicBool::new(false)).collect(),
            error: Mutex::new(None),
            failed: AtomicBool::new(false),
            deadline: options.timeout.map(|t| (started + t, t)),
        }
    }

    /// The first error, if a step failed; else the statistics collected.
    fn finish(self) -> Result<Vec<NodeExecStats>> {
        if let Some(error) = self.error.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(error);
        }
        Ok(self.kernels.into_stats())
    }

    /// Runs ready steps on the calling thread until two expensive ones are ready at once; then,
    /// unless told to stay inline, hands the rest of the run to the pool. Waking pool threads
    /// costs microseconds, so runs without real parallelism never pay it.
    fn run_inline(&self, inter_op: InterOp<'_>) {
        let steps = &self.plan.steps;
        let mut ready: Vec<usize> = self.plan.roots.iter().rev().copied().collect();
        // How many of `ready` are expensive, kept as steps come and go: MobileNet's hundred
        // constants wait in `ready` from the start, and counting them after every step cost
        // more than running them.
        let mut expensive = ready.iter().filter(|&&s| steps[s].expensive).count();
        while let Some(step) = ready.pop() {
            expensive -= usize::from(steps[step].expensive);
            if let Err(e) = self.run_step(step) {
                self.fail(e);
                return;
            }
            for &next in steps[step].successors.iter().rev() {
                if self.pending[next].fetch_sub(1, Ordering::AcqRel) == 1 {
                    ready.push(next);
                    expensive += usize::from(steps[next].expensive);
                }
            }
            if expensive >= 2 {
                match inter_op {
                    InterOp::Inline => {}
                    InterOp::Pool(pool) => return pool.in_place_scope(|s| self.fan_out(s, ready)),
                    InterOp::Global => return rayon::in_place_scope(|s| self.fan_out(s, ready)),
                }
            }
        }
    }

    /// Continues a run concurrently from `ready`: the first step here, the others on the pool.
    fn fan_out<'s>(&'s self, scope: &rayon::Scope<'s>, mut ready: Vec<usize>) {
        let Some(first) = ready.pop() else {
            return;
        };
        for step in ready {
            scope.spawn(move |scope| self.run_chain(scope, step));
        }
        self.run_chain(scope, first);
    }

    fn run_chain<'s>(&'s self, scope: &rayon::Scope<'s>, mut step: usize) {
        loop {
            if self.failed.load(Ordering::Acquire) {
                return;
            }
            if let Err(e) = self.run_step(step) {
                self.fail(e);
                return;
            }
            let mut next = None;
            for &succ in &self.plan.steps[step].successors {
                if self.pending[succ].fetch_sub(1, Ordering::AcqRel) == 1 {
                    match next {
                        None => next = Some(succ),
                        Some(_) => scope.spawn(move |scope| self.run_chain(scope, succ)),
                    }
                }
            }
            match next {
                Some(n) => step = n,
                None => return,
            }
        }
    }

    fn run_step(&self, index: usize) -> Result<()> {
        let step = &self.plan.steps[index];
        let with_node = |s: Status| s.with_node(&step.node_name);
        if let Some((deadline, timeout)) = self.deadline
            && Instant::now() > deadline
        {
            return Err(with_node(deadline_exceeded(timeout)));
        }
        let read: Vec<Option<Tensor>> =
            step.inputs.iter().map(|&slot| self.values.read_input(slot)).collect::<Result<_>>()?;
        let control_dead =
            step.control_predecessors.iter().any(|&p| self.dead[p].load(Ordering::Acquire));
        match step.flow {
            Flow::Kernel if control_dead || read.iter().any(Option::is_none) => {
                self.kill(index);
                return Ok(());
            }
            Flow::Kernel => {}
            Flow::Switch => return self.switch(index, read, control_dead).map_err(with_node),
            Flow::Merge => return self.merge(index, read).map_err(with_node),
            // Plans with loop ops run in the loop executor.
            Flow::LoopCond | Flow::Enter | Flow::Exit | Flow::NextIteration => {
                return Err(with_node(Status::internal(
                    "a loop op reached the executor for graphs without frames",
                )));
            }
        }
        if let Some(value) = &step.constant
            && !self.kernels.traced()
        {
            if let Some(slot) = step.outputs[0] {
                self.values.store(slot, value.clone());
            }
            return Ok(());
        }
        // Every input is live (checked above).
        let inputs: Vec<Tensor> = read.into_iter().flatten().collect();
        let outputs = self.kernels.compute(step, inputs)?;
        for (tensor, slot) in outputs.into_iter().zip(&step.outputs) {
            if let Some(slot) = *slot {
                self.values.store(slot, tensor);
            }
        }
        Ok(())
    }

    /// A step that does not run: every output is dead, and so is the step for control edges.
    fn kill(&self, index: usize) {
        self.dead[index].store(true, Ordering::Release);
        for slot in self.plan.steps[index].outputs.iter().flatten() {
            self.values.store_dead(*slot);
        }
    }

    /// `Switch(data, pred)`: data to output 1 when pred is true, else to output 0; the other
    /// output is dead. Dead inputs make both outputs dead.
    fn switch(&self, index: usize, read: Vec<Option<Tensor>>, control_dead: bool) -> Result<()> {
        let step = &self.plan.steps[index];
        let [Some(data), Some(pred)] = <[Option<Tensor>; 2]>::try_from(read)
            .map_err(|_| Status::internal("Switch takes two inputs"))?
        else {
            self.kill(index);
            return Ok(());
        };
        if control_dead {
            self.kill(index);
            return Ok(());
        }
        let &[taken] = pred.as_slice::<bool>()? else {
            return Err(Status::invalid_argument(format!(
                "The second input of Switch must be a scalar, but it has shape {}",
                pred.shape()
            )));
        };
        let (live, dead) = if taken { (1, 0) } else { (0, 1) };
        if let Some(slot) = step.outputs[dead] {
            self.values.store_dead(slot);
        }
        if let Some(slot) = step.outputs[live] {
            self.values.store(slot, data);
        }
        Ok(())
    }

    /// `Merge(inputs…)`: the first live input and its index; dead when every input is.
    fn merge(&self, index: usize, read: Vec<Option<Tensor>>) -> Result<()> {
        let step = &self.plan.steps[index];
        let Some((i, value)) = read.into_iter().enumerate().find_map(|(i, t)| Some((i, t?))) else {
            self.kill(index);
            return Ok(());
        };
        if let Some(slot) = step.outputs[0] {
            self.values.store(slot, value);
        }
        if let Some(slot) = step.outputs[1] {
            let allocator = self.devices[step.device].allocator();
            self.values.store(slot, Tensor::scalar(allocator, i as i32)?);
        }
        Ok(())
    }

    /// Records the first error and stops further steps from starting.
    fn fail(&self, error: Status) {
        let mut first = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        first.get_or_insert(error);
        self.failed.store(true, Ordering::Release);
    }
}

/// DeadlineExceeded for a run that outlived its timeout.
pub(crate) fn deadline_exceeded(timeout: Duration) -> Status {
    Status::deadline_exceeded(format!(
        "Timed out: the run took longer than its {} ms timeout",
        timeout.as_millis()
    ))
}
