//! Running one step's kernel: the part of a step that both executors share (the flat one and
//! the one with while-loop frames). It picks the allocator (tracked when tracing), calls the
//! kernel on the intra-op pool, checks the outputs' dtypes and records the step's statistics.

use crate::executor::ExecOptions;
use crate::plan::Step;
use crate::run_options::NodeExecStats;
use rayon::ThreadPool;
use sessionflow_alloc::TrackingAllocator;
use sessionflow_core::{Allocator, Device, KernelContext, ResourceManager, Result, Status, Tensor};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// What a kernel needs from the run it is part of.
pub(crate) struct KernelRunner<'a> {
    devices: &'a [Arc<dyn Device>],
    intra_op_pool: Option<&'a ThreadPool>,
    resources: &'a dyn ResourceManager,
    /// When the run started: step statistics are relative to it.
    pub started: Instant,
    /// Per-node statistics, when tracing.
    stats: Option<Mutex<Vec<NodeExecStats>>>,
}

impl<'a> KernelRunner<'a> {
    pub fn new(
        devices: &'a [Arc<dyn Device>],
        options: &ExecOptions<'a>,
        expected_steps: usize,
    ) -> Self {
        KernelRunner {
            devices,
            intra_op_pool: options.intra_op_pool,
            resources: options.resources,
            started: Instant::now(),
            stats: options.trace.then(|| Mutex::new(Vec::with_capacity(expected_steps))),
        }
    }

    /// Runs `step`'s kernel on `inputs` (all live) and returns its outputs, each of the dtype
    /// the graph promises; errors name the step's node.
    pub fn compute(&self, step: &Step, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let with_node = |s: Status| s.with_node(&step.node_name);
        let start = self.stats.as_ref().map(|_| Instant::now());
        let device_allocator = self.devices[step.device].allocator();
        // Traced steps allocate through a tracker to report what each kernel allocated; the
        // extra Arc costs nothing when not tracing.
        let tracker = start.map(|_| Arc::new(TrackingAllocator::new(Arc::clone(device_allocator))));
        let traced_allocator = tracker.clone().map(|t| t as Arc<dyn Allocator>);
        let allocator = traced_allocator.as_ref().unwrap_or(device_allocator);
        let mut ctx = KernelContext::new(inputs, step.outputs.len(), allocator)
            .with_resources(self.resources);
        let computed = match self.intra_op_pool {
            Some(pool) => pool.install(|| step.kernel.compute(&mut ctx)),
            None => step.kernel.compute(&mut ctx),
        };
        computed.map_err(with_node)?;
        let outputs = ctx.into_outputs().map_err(with_node)?;
        if let (Some(stats), Some(start), Some(tracker)) = (&self.stats, start, &tracker) {
            self.record(stats, step, start, &outputs, tracker);
        }
        for (tensor, &dtype) in outputs.iter().zip(&step.output_types) {
            if tensor.dtype() != dtype {
                return Err(with_node(Status::internal(format!(
                    "kernel produced {} where the graph promises {dtype}",
                    tensor.dtype()
                ))));
            }
        }
        Ok(outputs)
    }

    /// Whether this run records per-node statistics.
    pub fn traced(&self) -> bool {
        self.stats.is_some()
    }

    /// The statistics collected (empty when not tracing).
    pub fn into_stats(self) -> Vec<NodeExecStats> {
        let stats = self.stats.map(|s| s.into_inner().unwrap_or_else(PoisonError::into_inner));
        stats.unwrap_or_default()
    }

    fn record(
        &self,
        stats: &Mutex<Vec<NodeExecStats>>,
        step: &Step,
        start: Instant,
        outputs: &[Tensor],
        tracker: &TrackingAllocator,
    ) {
        let duration_micros = start.elapsed().as_micros() as u64;
        let output_bytes = outputs.iter().map(|t| t.as_bytes().map_or(0, <[u8]>::len) as u64).sum();
        let memory = tracker.tracked();
        let entry = NodeExecStats {
            node: step.node_name.clone(),
            op: step.op.to_owned(),
            device: self.devices[step.device].attributes().name.clone(),
            start_micros: start.duration_since(self.started).as_micros() as u64,
            duration_micros,
            output_bytes,
            allocator: tracker.name().to_owned(),
            allocated_bytes: memory.total_bytes,
            peak_bytes: memory.peak_bytes,
            live_bytes: memory.live_bytes,
            allocator_bytes_in_use: tracker.inner().stats().bytes_in_use,
            thread: thread_number(),
        };
        stats.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
    }
}

/// A small, stable number for the current thread: the rayon worker index plus one, or 0 for a
/// thread outside the pool (the caller's).
fn thread_number() -> u32 {
    rayon::current_thread_index().map_or(0, |i| i as u32 + 1)
}
