use crate::constant_folder::ConstantFolder;
use crate::denormals;
use crate::executor::{ExecOptions, InterOp, execute};
use crate::partial_run::PartialRun;
use crate::placed_kernel::MemoryPlacement;
use crate::placer::Placer;
use crate::plan::{KernelSource, Plan, build_kernel};
use crate::pool_run::run_on_pool;
use crate::resources::SessionResources;
use crate::run_options::{RunMetadata, RunOptions};
use crate::run_thread::{Assignment, RunThread};
use sessionflow_core::{Device, KernelRegistry, OpKernel, Result, Status, Tensor};
use sessionflow_graph::rewrite::{RewriteOptions, optimize};
use sessionflow_graph::{Endpoint, Graph, Node, NodeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

/// Session settings (the honoured subset of TensorFlow's `ConfigProto`).
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    /// Threads for parallelism inside one kernel; 0 shares the process-wide pool (one thread
    /// per core), as TensorFlow sessions share theirs by default.
    pub intra_op_threads: usize,
    /// Threads running independent nodes of one step concurrently: 0 shares the process-wide
    /// pool, 1 runs every node on the calling thread, n > 1 gives the session its own pool.
    pub inter_op_threads: usize,
    /// The timeout of every run that sets none itself (TF's `operation_timeout_in_ms`).
    pub default_timeout: Option<std::time::Duration>,
    /// Run a node whose requested device cannot run it on one that can (TF's option).
    pub allow_soft_placement: bool,
    /// Print each node's device to stderr when a plan is built.
    pub log_device_placement: bool,
    /// The graph rewrites run on each plan's copy of the graph (all by default).
    pub rewrites: RewriteOptions,
}

/// What a run asks for; plans are cached under it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunSignature {
    pub feeds: Vec<Endpoint>,
    pub fetches: Vec<Endpoint>,
    pub targets: Vec<NodeId>,
}

/// A run signature prepared once (TF's `make_callable`): running it does no graph work and no
/// name lookups. Valid only with the session that prepared it.
#[derive(Clone)]
pub struct Callable {
    session_id: u64,
    plan: Arc<Plan>,
}

impl Callable {
    /// Number of values a call feeds.
    pub fn num_feeds(&self) -> usize {
        self.plan.feeds.len()
    }
}

static NEXT_SESSION_ID: AtomicU64 = AtomicU64::new(1);

/// Runs a graph on a set of devices, as TensorFlow's `DirectSession`.
pub struct Session {
    id: u64,
    graph: Arc<RwLock<Graph>>,
    devices: Vec<Arc<dyn Device>>,
    registry: Arc<KernelRegistry>,
    plans: Mutex<HashMap<RunSignature, Arc<Plan>>>,
    /// A dedicated pool when the options ask for a thread count; else the global one.
    intra_op_pool: Option<rayon::ThreadPool>,
    /// A dedicated pool when the options ask for more than one thread.
    inter_op_pool: Option<rayon::ThreadPool>,
    inline: bool,
    default_timeout: Option<std::time::Duration>,
    allow_soft_placement: bool,
    log_device_placement: bool,
    rewrites: RewriteOptions,
    /// Partial runs in progress, by handle.
    partial_runs: Mutex<HashMap<String, Arc<Mutex<PartialRun>>>>,
    next_partial_run: AtomicU64,
    /// Kernels of stateful nodes, shared by every plan so their state persists across runs.
    stateful_kernels: Mutex<HashMap<NodeId, Arc<dyn OpKernel>>>,
    /// Variables: their values live here, not in the graph, so each session has its own.
    resources: SessionResources,
    /// Copies between host and device memory, when the devices have both.
    memory: MemoryPlacement,
    closed: AtomicBool,
}

impl Session {
    /// A session over `graph`, which may keep growing while the session is open. The first
    /// device is the default placement.
    pub fn new(
        graph: Arc<RwLock<Graph>>,
        devices: Vec<Arc<dyn Device>>,
        registry: Arc<KernelRegistry>,
        options: &SessionOptions,
    ) -> Result<Session> {
        if devices.is_empty() {
            return Err(Status::invalid_argument("a session needs at least one device"));
        }
        configure_global_pool();
        let intra_op_pool = match options.intra_op_threads {
            0 => None,
            n => Some(thread_pool(n, "intra-op")?),
        };
        let inter_op_pool = match options.inter_op_threads {
            0 | 1 => None,
            n => Some(thread_pool(n, "inter-op")?),
        };
        Ok(Session {
            id: NEXT_SESSION_ID.fetch_add(1, Ordering::Relaxed),
            graph,
            registry,
            plans: Mutex::new(HashMap::new()),
            intra_op_pool,
            inter_op_pool,
            inline: options.inter_op_threads == 1,
            default_timeout: options.default_timeout,
            allow_soft_placement: options.allow_soft_placement,
            log_device_placement: options.log_device_placement,
            rewrites: options.rewrites,
            partial_runs: Mutex::new(HashMap::new()),
            next_partial_run: AtomicU64::new(1),
            stateful_kernels: Mutex::new(HashMap::new()),
            resources: SessionResources::default(),
            memory: MemoryPlacement::new(&devices),
            devices,
            closed: AtomicBool::new(false),
        })
    }

    /// The devices this session places work on.
    pub fn devices(&self) -> &[Arc<dyn Device>] {
        &self.devices
    }

    /// The graph this session runs.
    pub fn graph(&self) -> &Arc<RwLock<Graph>> {
        &self.graph
    }

    /// Runs the graph: `feeds` replace the values of their endpoints, `fetches` are returned
    /// in order, and `targets` are run for their effects.
    pub fn run(
        &self,
        feeds: Vec<(Endpoint, Tensor)>,
        fetches: &[Endpoint],
        targets: &[NodeId],
    ) -> Result<Vec<Tensor>> {
        self.run_with_options(feeds, fetches, targets, &RunOptions::default()).map(|(v, _)| v)
    }

    /// [`Session::run`] with per-run options, also returning the run's metadata.
    pub fn run_with_options(
        &self,
        feeds: Vec<(Endpoint, Tensor)>,
        fetches: &[Endpoint],
        targets: &[NodeId],
        options: &RunOptions,
    ) -> Result<(Vec<Tensor>, RunMetadata)> {
        let (endpoints, values): (Vec<Endpoint>, Vec<Tensor>) = feeds.into_iter().unzip();
        let signature =
            RunSignature { feeds: endpoints, fetches: fetches.to_vec(), targets: targets.to_vec() };
        let callable = self.prepare(signature)?;
        self.run_callable(&callable, values, options)
    }

    /// Prepares `signature` for repeated runs (TF's `make_callable`); the plan is cached, so
    /// preparing the same signature twice costs a lookup.
    pub fn prepare(&self, signature: RunSignature) -> Result<Callable> {
        self.check_open()?;
        Ok(Callable { session_id: self.id, plan: self.plan(signature)? })
    }

    /// Runs a prepared signature with `feeds` in its feed order.
    pub fn run_callable(
        &self,
        callable: &Callable,
        feeds: Vec<Tensor>,
        options: &RunOptions,
    ) -> Result<(Vec<Tensor>, RunMetadata)> {
        self.check_open()?;
        if callable.session_id != self.id {
            return Err(Status::invalid_argument("this callable was made by another session"));
        }
        let plan = &callable.plan;
        plan.check_feeds(&feeds)?;
        let inter_op = match (&self.inter_op_pool, self.inline) {
            (_, true) => InterOp::Inline,
            (Some(pool), false) => InterOp::Pool(pool),
            (None, false) => InterOp::Global,
        };
        let exec = ExecOptions {
            inter_op,
            intra_op_pool: self.intra_op_pool.as_ref(),
            timeout: options.timeout.or(self.default_timeout),
            trace: options.trace,
            resources: &self.resources,
        };
        // Traced runs take no part in the trials (tracing changes how long kernels take) but
        // run where untraced ones do once that is settled, so that traces show those runs.
        let assignment = match inter_op {
            InterOp::Inline => None,
            _ if options.trace => {
                plan.run_thread.chosen().map(|thread| Assignment { thread, timed: false })
            }
            InterOp::Pool(_) | InterOp::Global => Some(plan.run_thread.next()),
        };
        let devices = &self.devices;
        let run = move || {
            let _flush = denormals::FlushDenormals::new();
            execute(plan, feeds, devices, &exec)
        };
        let started = assignment.filter(|a| a.timed).map(|_| Instant::now());
        let thread = assignment.map_or(RunThread::Caller, |a| a.thread);
        let (values, step_stats) = match (thread, inter_op) {
            (RunThread::Pool, InterOp::Pool(pool)) => run_on_pool(Some(pool), run),
            (RunThread::Pool, InterOp::Global) => run_on_pool(None, run),
            _ => run(),
        }?;
        if let Some(started) = started {
            // A pool run from a thread of that pool stays in place (see `run_thread`).
            let in_place = match inter_op {
                InterOp::Pool(pool) => pool.current_thread_index().is_some(),
                _ => rayon::current_thread_index().is_some(),
            };
            plan.run_thread.record(thread, started.elapsed(), in_place);
        }
        Ok((self.memory.fetched(values)?, RunMetadata { step_stats }))
    }

    /// Declares a partial run (TF's `partial_run_setup`): every feed and fetch its steps will
    /// use, and the targets it may run. Returns the handle that [`Session::partial_run`] takes.
    pub fn partial_run_setup(&self, signature: RunSignature) -> Result<String> {
        let callable = self.prepare(signature.clone())?;
        let fetch_names = {
            let graph = self.graph.read().unwrap_or_else(PoisonError::into_inner);
            signature.fetches.iter().map(|&e| endpoint_name(&graph, e)).collect()
        };
        let run = PartialRun::new(callable.plan, &signature.feeds, &signature.fetches, fetch_names);
        let handle = format!("prun-{}", self.next_partial_run.fetch_add(1, Ordering::Relaxed));
        self.partial_runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(handle.clone(), Arc::new(Mutex::new(run)));
        Ok(handle)
    }

    /// One step of a partial run (TF's `partial_run`): each declared feed is fed exactly once,
    /// each declared fetch fetched exactly once, and values computed earlier are reused. The
    /// run ends (its handle becomes invalid) once every fetch has been fetched, or on an error.
    pub fn partial_run(
        &self,
        handle: &str,
        feeds: Vec<(Endpoint, Tensor)>,
        fetches: &[Endpoint],
        targets: &[NodeId],
        options: &RunOptions,
    ) -> Result<Vec<Tensor>> {
        self.check_open()?;
        let run = self
            .partial_runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(handle)
            .cloned()
            .ok_or_else(|| {
                Status::invalid_argument(format!(
                    "No partial run with handle '{handle}': call partialRunSetup first (a partial run ends once all its fetches are fetched)"
                ))
            })?;
        let mut state = run.lock().unwrap_or_else(PoisonError::into_inner);
        let exec = ExecOptions {
            inter_op: InterOp::Inline,
            intra_op_pool: self.intra_op_pool.as_ref(),
            timeout: options.timeout.or(self.default_timeout),
            trace: false,
            resources: &self.resources,
        };
        let name_of = |e: Endpoint| {
            let graph = self.graph.read().unwrap_or_else(PoisonError::into_inner);
            endpoint_name(&graph, e)
        };
        let result = state
            .step(feeds, fetches, targets, &self.devices, &exec, &name_of)
            .and_then(|values| self.memory.fetched(values));
        if state.is_over() {
            self.partial_runs.lock().unwrap_or_else(PoisonError::into_inner).remove(handle);
        }
        result
    }

    /// Closes the session; later runs fail with Cancelled, its variables' values are
    /// released, and so is every device memory region no live tensor uses (TensorFlow's
    /// `DeallocateFreeRegions`), without waiting for the session to be dropped. Idempotent.
    pub fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.plans.lock().unwrap_or_else(PoisonError::into_inner).clear();
            self.resources.clear();
            for device in &self.devices {
                device.allocator().release_free_memory();
            }
        }
    }

    /// Whether [`Session::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Number of cached plans (one per distinct run signature).
    pub fn num_cached_plans(&self) -> usize {
        self.plans.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn check_open(&self) -> Result<()> {
        if self.is_closed() { Err(Status::cancelled("Session has been closed.")) } else { Ok(()) }
    }

    /// The cached plan for `signature`, building it on first use.
    fn plan(&self, signature: RunSignature) -> Result<Arc<Plan>> {
        // A poisoned lock only means another run panicked; the map itself stays consistent.
        if let Some(plan) =
            self.plans.lock().unwrap_or_else(PoisonError::into_inner).get(&signature)
        {
            return Ok(Arc::clone(plan));
        }
        let graph = self.graph.read().unwrap_or_else(PoisonError::into_inner);
        // Plan-time rewrites work on a copy; `None` when nothing applies.
        let (s, folder) = (&signature, ConstantFolder::new(&self.registry, &self.devices));
        // Folding runs kernels: with the same floating-point modes as a run.
        let rewritten = {
            let _flush = denormals::FlushDenormals::new();
            optimize(&graph, &s.feeds, &s.fetches, &s.targets, &self.rewrites, &folder)
        };
        let plan = Arc::new(Plan::build(
            rewritten.as_ref().unwrap_or(&graph),
            &signature.feeds,
            &signature.fetches,
            &signature.targets,
            &self.devices,
            &Placer {
                devices: &self.devices,
                allow_soft_placement: self.allow_soft_placement,
                log_device_placement: self.log_device_placement,
            },
            self,
        )?);
        drop(graph);
        self.plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(signature, Arc::clone(&plan));
        Ok(plan)
    }
}

impl KernelSource for Session {
    fn has_kernel(&self, node: &Node, device: &dyn Device) -> bool {
        self.registry.find(node.op(), device.device_type(), node.kernel_dtype()).is_some()
    }

    fn kernel(&self, node: &Node, device: &dyn Device) -> Result<Arc<dyn OpKernel>> {
        let build = || Ok(self.memory.wrap(build_kernel(node, device, &self.registry)?, device));
        if !node.op_def.is_stateful {
            return build();
        }
        let mut cache = self.stateful_kernels.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(kernel) = cache.get(&node.id) {
            return Ok(Arc::clone(kernel));
        }
        let kernel = build()?;
        cache.insert(node.id, Arc::clone(&kernel));
        Ok(kernel)
    }
}

/// `node:index`, or a placeholder when the endpoint is not in the graph.
fn endpoint_name(graph: &Graph, e: Endpoint) -> String {
    match graph.node(e.node) {
        Ok(node) => format!("{}:{}", node.name, e.index),
        Err(_) => format!("<node {}>:{}", e.node.0, e.index),
    }
}

/// Gives rayon's process-wide pool (the default intra- and inter-op pool) threads that flush
/// denormals, before anything uses it. If something else in the process built it first, its
/// threads keep IEEE denormals: kernel work split onto them computes those exactly (and
/// slowly) where our own threads would give zero.
pub(crate) fn configure_global_pool() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("sessionflow-pool-{i}"))
            .start_handler(|_| denormals::flush_on_this_thread())
            .build_global();
    });
}

fn thread_pool(threads: usize, role: &'static str) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("sessionflow-{role}-{i}"))
        .start_handler(|_| denormals::flush_on_this_thread())
        .build()
        .map_err(|e| Status::resource_exhausted(format!("cannot start {role} threads: {e}")))
}

#[cfg(test)]
mod tests;
