use crate::executor::{InterOp, execute};
use crate::plan::{KernelSource, Plan, build_kernel};
use sessionflow_core::{Device, KernelRegistry, OpKernel, Result, Status, Tensor};
use sessionflow_graph::{Endpoint, Graph, Node, NodeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Session settings (the honoured subset of TensorFlow's `ConfigProto`).
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    /// Threads for parallelism inside one kernel; 0 shares the process-wide pool (one thread
    /// per core), as TensorFlow sessions share theirs by default.
    pub intra_op_threads: usize,
    /// Threads running independent nodes of one step concurrently: 0 shares the process-wide
    /// pool, 1 runs every node on the calling thread, n > 1 gives the session its own pool.
    pub inter_op_threads: usize,
}

/// What a run asks for; plans are cached under it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunSignature {
    pub feeds: Vec<Endpoint>,
    pub fetches: Vec<Endpoint>,
    pub targets: Vec<NodeId>,
}

/// Runs a graph on a set of devices, as TensorFlow's `DirectSession`.
pub struct Session {
    graph: Arc<RwLock<Graph>>,
    devices: Vec<Arc<dyn Device>>,
    registry: Arc<KernelRegistry>,
    plans: Mutex<HashMap<RunSignature, Arc<Plan>>>,
    /// A dedicated pool when the options ask for a thread count; else the global one.
    intra_op_pool: Option<rayon::ThreadPool>,
    /// A dedicated pool when the options ask for more than one thread.
    inter_op_pool: Option<rayon::ThreadPool>,
    inline: bool,
    /// Kernels of stateful nodes, shared by every plan so their state persists across runs.
    stateful_kernels: Mutex<HashMap<NodeId, Arc<dyn OpKernel>>>,
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
        let intra_op_pool = match options.intra_op_threads {
            0 => None,
            n => Some(thread_pool(n, "intra-op")?),
        };
        let inter_op_pool = match options.inter_op_threads {
            0 | 1 => None,
            n => Some(thread_pool(n, "inter-op")?),
        };
        Ok(Session {
            graph,
            devices,
            registry,
            plans: Mutex::new(HashMap::new()),
            intra_op_pool,
            inter_op_pool,
            inline: options.inter_op_threads == 1,
            stateful_kernels: Mutex::new(HashMap::new()),
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
        self.check_open()?;
        let (endpoints, values): (Vec<Endpoint>, Vec<Tensor>) = feeds.into_iter().unzip();
        let signature =
            RunSignature { feeds: endpoints, fetches: fetches.to_vec(), targets: targets.to_vec() };
        let plan = self.plan(signature, &values)?;
        let inter_op = match (&self.inter_op_pool, self.inline) {
            (_, true) => InterOp::Inline,
            (Some(pool), false) => InterOp::Pool(pool),
            (None, false) => InterOp::Global,
        };
        execute(&plan, values, &self.devices, inter_op, self.intra_op_pool.as_ref())
    }

    /// Closes the session; later runs fail with Cancelled. Idempotent.
    pub fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.plans.lock().unwrap_or_else(PoisonError::into_inner).clear();
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

    /// The cached plan for `signature`, building it on first use; feed values are checked
    /// against the graph's dtypes and static shapes on every run.
    fn plan(&self, signature: RunSignature, feed_values: &[Tensor]) -> Result<Arc<Plan>> {
        // A poisoned lock only means another run panicked; the map itself stays consistent.
        let graph = self.graph.read().unwrap_or_else(PoisonError::into_inner);
        check_feeds(&graph, &signature.feeds, feed_values)?;
        if let Some(plan) =
            self.plans.lock().unwrap_or_else(PoisonError::into_inner).get(&signature)
        {
            return Ok(Arc::clone(plan));
        }
        let plan = Arc::new(Plan::build(
            &graph,
            &signature.feeds,
            &signature.fetches,
            &signature.targets,
            &self.devices,
            self,
        )?);
        self.plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(signature, Arc::clone(&plan));
        Ok(plan)
    }
}

impl KernelSource for Session {
    fn kernel(&self, node: &Node, device: &dyn Device) -> Result<Arc<dyn OpKernel>> {
        if !node.op_def.is_stateful {
            return build_kernel(node, device, &self.registry);
        }
        let mut cache = self.stateful_kernels.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(kernel) = cache.get(&node.id) {
            return Ok(Arc::clone(kernel));
        }
        let kernel = build_kernel(node, device, &self.registry)?;
        cache.insert(node.id, Arc::clone(&kernel));
        Ok(kernel)
    }
}

fn thread_pool(threads: usize, role: &'static str) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("sessionflow-{role}-{i}"))
        .build()
        .map_err(|e| Status::resource_exhausted(format!("cannot start {role} threads: {e}")))
}

fn check_feeds(graph: &Graph, feeds: &[Endpoint], values: &[Tensor]) -> Result<()> {
    for (e, value) in feeds.iter().zip(values) {
        let node = graph.node(e.node)?;
        let name = format!("{}:{}", node.name, e.index);
        let (Some(&dtype), Some(shape)) =
            (node.output_types.get(e.index as usize), node.output_shapes.get(e.index as usize))
        else {
            return Err(Status::invalid_argument(format!("cannot feed {name}: no such output")));
        };
        if value.dtype() != dtype {
            return Err(Status::invalid_argument(format!(
                "Cannot feed value of dtype {} for Tensor '{name}', which has dtype {dtype}",
                value.dtype()
            ))
            .with_node(&node.name));
        }
        if !shape.is_compatible_with(value.shape()) {
            return Err(Status::invalid_argument(format!(
                "Cannot feed value of shape {} for Tensor '{name}', which has shape {shape}",
                value.shape()
            ))
            .with_node(&node.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
