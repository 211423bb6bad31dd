use crate::executor::execute;
use crate::plan::Plan;
use sessionflow_core::{Device, KernelRegistry, Result, Status, Tensor};
use sessionflow_graph::{Endpoint, Graph, NodeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Session settings (the honoured subset of TensorFlow's `ConfigProto`).
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    /// Threads for parallelism inside one kernel; 0 shares the process-wide pool (one thread
    /// per core), as TensorFlow sessions share theirs by default.
    pub intra_op_threads: usize,
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
            n => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("sessionflow-intra-op-{i}"))
                    .build()
                    .map_err(|e| {
                        Status::resource_exhausted(format!("cannot start intra-op threads: {e}"))
                    })?,
            ),
        };
        Ok(Session {
            graph,
            devices,
            registry,
            plans: Mutex::new(HashMap::new()),
            intra_op_pool,
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
        match &self.intra_op_pool {
            Some(pool) => pool.install(|| execute(&plan, values, &self.devices)),
            None => execute(&plan, values, &self.devices),
        }
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
            &self.registry,
        )?);
        self.plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(signature, Arc::clone(&plan));
        Ok(plan)
    }
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
