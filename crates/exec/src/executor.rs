use crate::plan::Plan;
use rayon::ThreadPool;
use sessionflow_core::{Device, KernelContext, Result, Status, Tensor};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

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

/// One value slot: the tensor (once produced) and how many reads of it remain this run.
struct Slot {
    value: Option<Tensor>,
    reads_left: u32,
}

/// The mutable state of one run of a plan. Steps start when their last predecessor finishes;
/// a finishing step continues inline with one newly ready successor and hands the others to
/// the pool, so chains cost no scheduling and independent branches run in parallel.
struct Run<'a> {
    plan: &'a Plan,
    devices: &'a [Arc<dyn Device>],
    intra_op_pool: Option<&'a ThreadPool>,
    slots: Vec<Mutex<Slot>>,
    pending: Vec<AtomicU32>,
    error: Mutex<Option<Status>>,
    failed: AtomicBool,
}

/// Runs `plan` with the given feed values and returns the fetched values. Each intermediate
/// value is released right after its last read.
pub(crate) fn execute(
    plan: &Plan,
    feeds: Vec<Tensor>,
    devices: &[Arc<dyn Device>],
    inter_op: InterOp<'_>,
    intra_op_pool: Option<&ThreadPool>,
) -> Result<Vec<Tensor>> {
    let slots =
        plan.reads.iter().map(|&reads_left| Mutex::new(Slot { value: None, reads_left })).collect();
    let pending = plan.steps.iter().map(|s| AtomicU32::new(s.predecessors)).collect();
    let run = Run {
        plan,
        devices,
        intra_op_pool,
        slots,
        pending,
        error: Mutex::new(None),
        failed: AtomicBool::new(false),
    };
    for (&slot, tensor) in plan.feed_slots.iter().zip(feeds) {
        run.store(slot, tensor);
    }
    match inter_op {
        InterOp::Inline => run.run_inline(),
        // In-place scopes start on the calling thread, so a run with no parallel branches
        // never hands work to another thread.
        InterOp::Pool(pool) => pool.in_place_scope(|scope| run.start(scope)),
        InterOp::Global => rayon::in_place_scope(|scope| run.start(scope)),
    }
    if let Some(error) = run.error.lock().unwrap_or_else(PoisonError::into_inner).take() {
        return Err(error);
    }
    plan.fetch_slots.iter().map(|&slot| run.read(slot)).collect()
}

impl<'a> Run<'a> {
    fn run_inline(&self) {
        let mut ready: Vec<usize> = self.plan.roots.iter().rev().copied().collect();
        while let Some(step) = ready.pop() {
            if let Err(e) = self.run_step(step) {
                self.fail(e);
                return;
            }
            for &next in self.plan.steps[step].successors.iter().rev() {
                if self.pending[next].fetch_sub(1, Ordering::AcqRel) == 1 {
                    ready.push(next);
                }
            }
        }
    }

    /// Hands all roots but the first to the pool and runs the first here.
    fn start<'s>(&'s self, scope: &rayon::Scope<'s>) {
        let Some((&first, rest)) = self.plan.roots.split_first() else {
            return;
        };
        for &root in rest {
            scope.spawn(move |scope| self.run_chain(scope, root));
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
        let inputs = step.inputs.iter().map(|&slot| self.read(slot)).collect::<Result<Vec<_>>>()?;
        let allocator = self.devices[step.device].allocator();
        let mut ctx = KernelContext::new(inputs, step.outputs.len(), allocator);
        let computed = match self.intra_op_pool {
            Some(pool) => pool.install(|| step.kernel.compute(&mut ctx)),
            None => step.kernel.compute(&mut ctx),
        };
        computed.map_err(with_node)?;
        let outputs = ctx.into_outputs().map_err(with_node)?;
        for ((tensor, slot), &dtype) in
            outputs.into_iter().zip(&step.outputs).zip(&step.output_types)
        {
            if tensor.dtype() != dtype {
                return Err(with_node(Status::internal(format!(
                    "kernel produced {} where the graph promises {dtype}",
                    tensor.dtype()
                ))));
            }
            if let Some(slot) = *slot {
                self.store(slot, tensor);
            }
        }
        Ok(())
    }

    /// Keeps `tensor` in `slot` if anything will read it; otherwise it is dropped (freed) now.
    fn store(&self, slot: usize, tensor: Tensor) {
        let mut s = self.slots[slot].lock().unwrap_or_else(PoisonError::into_inner);
        if s.reads_left > 0 {
            s.value = Some(tensor);
        }
    }

    /// Reads a slot, moving the value out on its last read so its buffer can be freed.
    fn read(&self, slot: usize) -> Result<Tensor> {
        let mut s = self.slots[slot].lock().unwrap_or_else(PoisonError::into_inner);
        s.reads_left = s.reads_left.saturating_sub(1);
        let value = if s.reads_left == 0 { s.value.take() } else { s.value.clone() };
        value.ok_or_else(|| {
            Status::internal(format!("value slot {slot} read before it was written"))
        })
    }

    /// Records the first error and stops further steps from starting.
    fn fail(&self, error: Status) {
        let mut first = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        first.get_or_insert(error);
        self.failed.store(true, Ordering::Release);
    }
}
