use crate::frames::FramePlan;
use crate::placer::Placer;
use crate::run_thread::RunThreadTuner;
use sessionflow_core::{
    Code, DType, Device, KernelRegistry, NodeView, OpKernel, PartialShape, Result, Status, Tensor,
};
use sessionflow_graph::{Endpoint, Graph, Node, NodeId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// How the executor runs a step: through its kernel, or (for the dataflow control-flow ops)
/// by routing values and deadness itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Kernel,
    /// `Switch(data, pred)`: `data` goes to output `pred as usize`; the other output is dead.
    Switch,
    /// `Merge(inputs…)`: the first live input, and its index.
    Merge,
    /// `Enter(data)`: `data` into iteration 0 of a child frame (or, when constant, into every
    /// iteration of it).
    Enter,
    /// `Exit(data)`: `data` out of its frame, into the iteration of the parent that started it.
    Exit,
    /// `NextIteration(data)`: `data` into the next iteration of its frame.
    NextIteration,
    /// `LoopCond(pred)`: forwards the loop's predicate.
    LoopCond,
}

impl Flow {
    fn of(op: &str) -> Flow {
        match op {
            "Switch" => Flow::Switch,
            "Merge" => Flow::Merge,
            "Enter" => Flow::Enter,
            "Exit" => Flow::Exit,
            "NextIteration" => Flow::NextIteration,
            "LoopCond" => Flow::LoopCond,
            _ => Flow::Kernel,
        }
    }

    /// Whether a plan with this step runs in the loop executor (with frames).
    fn needs_frames(self) -> bool {
        matches!(self, Flow::Enter | Flow::Exit | Flow::NextIteration | Flow::LoopCond)
    }
}

/// One node to execute: its kernel, where its inputs and outputs live, and who waits for it.
pub(crate) struct Step {
    pub node: NodeId,
    pub flow: Flow,
    pub node_name: String,
    pub op: &'static str,
    pub kernel: Arc<dyn OpKernel>,
    /// The kernel's `is_expensive`, asked once: the executor consults it for every ready step
    /// after every step, where a call through the kernel's vtable missed the cache each time.
    pub expensive: bool,
    /// The value of a step that only emits a constant (a `Const` without inputs): untraced runs
    /// store it in the output slot instead of running the kernel (MobileNet has a hundred).
    pub constant: Option<Tensor>,
    /// Value slots read, in input order.
    pub inputs: Vec<usize>,
    /// Value slot of each output; `None` when the output is fed (the feed wins).
    pub outputs: Vec<Option<usize>>,
    pub output_types: Vec<DType>,
    /// Index into the session's devices.
    pub device: usize,
    /// Steps that depend on this one (through data or control edges), each listed once.
    pub successors: Vec<usize>,
    /// Steps this one has a control edge from: if one of them is dead, so is this one.
    pub control_predecessors: Vec<usize>,
    /// How many steps must finish before this one may start.
    pub predecessors: u32,
}

/// What a fed endpoint accepts, resolved at plan time so runs check feeds without the graph.
pub(crate) struct FeedSpec {
    /// `node:index`, for messages.
    pub name: String,
    pub node: String,
    pub dtype: DType,
    pub shape: PartialShape,
}

/// Everything derivable from a run signature, computed once.
pub(crate) struct Plan {
    /// The fed endpoints, in signature order.
    pub feeds: Vec<FeedSpec>,
    /// In a topological order.
    pub steps: Vec<Step>,
    /// Slot of each feed, in signature order.
    pub feed_slots: Vec<usize>,
    /// Slot of each fetch, in signature order.
    pub fetch_slots: Vec<usize>,
    /// Reads of each slot per run (consuming steps plus fetches): a value is released after
    /// its last read.
    pub reads: Vec<u32>,
    /// Steps with no predecessors, where a run starts.
    pub roots: Vec<usize>,
    /// The frames of the plan's while loops; `None` when it has none, and the executor runs
    /// the plan without frame bookkeeping.
    pub frames: Option<Box<FramePlan>>,
    /// Where this plan's runs execute, learnt from its first runs.
    pub run_thread: RunThreadTuner,
}

/// Where kernels come from: the session caches the kernels of stateful nodes (random ops,
/// variables) so that every plan shares one instance and its state.
pub(crate) trait KernelSource {
    fn kernel(&self, node: &Node, device: &dyn Device) -> Result<Arc<dyn OpKernel>>;
    /// Whether `device` has a kernel for `node` (what the placer asks).
    fn has_kernel(&self, node: &Node, device: &dyn Device) -> bool;
}

impl Plan {
    /// Prunes `graph` to what `fetches` and `targets` need given `feeds`, orders it, links
    /// each step to the steps it waits for, and gets each node's kernel for its device.
    pub fn build(
        graph: &Graph,
        feeds: &[Endpoint],
        fetches: &[Endpoint],
        targets: &[NodeId],
        devices: &[Arc<dyn Device>],
        placer: &Placer<'_>,
        kernels: &dyn KernelSource,
    ) -> Result<Plan> {
        let mut slots: HashMap<Endpoint, usize> = HashMap::new();
        let mut slot_of = |e: Endpoint| {
            let next = slots.len();
            *slots.entry(e).or_insert(next)
        };
        let mut feed_slots = Vec::with_capacity(feeds.len());
        let mut feed_specs = Vec::with_capacity(feeds.len());
        for &f in feeds {
            check_endpoint(graph, f)?;
            let node = graph.node(f.node)?;
            feed_specs.push(FeedSpec {
                name: format!("{}:{}", node.name, f.index),
                node: node.name.clone(),
                dtype: node.output_types[f.index as usize],
                shape: node.output_shapes[f.index as usize].clone(),
            });
            if feed_slots.contains(&slot_of(f)) {
                let name = &graph.node(f.node)?.name;
                return Err(Status::invalid_argument(format!(
                    "{name}:{} is fed more than once",
                    f.index
                )));
            }
            feed_slots.push(slot_of(f));
        }
        let fed: HashSet<Endpoint> = feeds.iter().copied().collect();

        let needed = prune(graph, fetches, targets, &fed)?;
        let step_of: HashMap<NodeId, usize> =
            needed.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        // Ids are a topological order: a node's inputs always exist before it is added, except
        // a while loop's back edges (NextIteration into Merge), which only the frame executor
        // runs.
        let mut steps = Vec::with_capacity(needed.len());
        let mut edges: Vec<(usize, usize)> = Vec::new();
        for (index, &id) in needed.iter().enumerate() {
            let node = graph.node(id)?;
            let inputs = node.inputs.iter().map(|&e| slot_of(e)).collect();
            let outputs = (0..node.num_outputs() as u32)
                .map(|i| Endpoint::new(id, i))
                .map(|e| if fed.contains(&e) { None } else { Some(slot_of(e)) })
                .collect();
            let producers = node
                .inputs
                .iter()
                .filter(|e| !fed.contains(e))
                .map(|e| e.node)
                .chain(node.control_inputs.iter().copied());
            let mut predecessors: Vec<usize> =
                producers.filter_map(|p| step_of.get(&p).copied()).collect();
            predecessors.sort_unstable();
            predecessors.dedup();
            edges.extend(predecessors.iter().map(|&p| (p, index)));
            let (device, kernel) = place_and_build(node, devices, placer, kernels)?;
            let mut control_predecessors: Vec<usize> =
                node.control_inputs.iter().filter_map(|p| step_of.get(p).copied()).collect();
            control_predecessors.sort_unstable();
            control_predecessors.dedup();
            steps.push(Step {
                node: id,
                flow: Flow::of(node.op()),
                control_predecessors,
                node_name: node.name.clone(),
                op: node.op(),
                expensive: kernel.is_expensive(),
                constant: constant_of(&kernel, &node.inputs, &node.output_types),
                kernel,
                inputs,
                outputs,
                output_types: node.output_types.clone(),
                device,
                successors: Vec::new(),
                predecessors: predecessors.len() as u32,
            });
        }
        for (from, to) in edges {
            steps[from].successors.push(to);
        }
        let fetch_slots: Vec<usize> = fetches.iter().map(|&e| slot_of(e)).collect();
        let mut reads = vec![0u32; slots.len()];
        for s in steps.iter().flat_map(|s| &s.inputs).chain(&fetch_slots) {
            reads[*s] += 1;
        }
        let roots = (0..steps.len()).filter(|&i| steps[i].predecessors == 0).collect();
        let frames = match steps.iter().any(|s| s.flow.needs_frames()) {
            true => {
                Some(Box::new(FramePlan::build(graph, &steps, &reads, &feed_slots, &fetch_slots)?))
            }
            false => None,
        };
        Ok(Plan {
            feeds: feed_specs,
            steps,
            feed_slots,
            fetch_slots,
            reads,
            roots,
            frames,
            run_thread: RunThreadTuner::default(),
        })
    }
}

/// The device `node` runs on and its kernel there. A device's kernel may refuse some attrs
/// with Unimplemented when it is built (Vulkan's convolutions take NHWC only), which
/// TensorFlow expresses as kernel constraints the placer sees; under soft placement such a
/// device is passed over and the next capable one tried, as if it had no kernel.
fn place_and_build(
    node: &Node,
    devices: &[Arc<dyn Device>],
    placer: &Placer<'_>,
    kernels: &dyn KernelSource,
) -> Result<(usize, Arc<dyn OpKernel>)> {
    let mut refused: Vec<String> = Vec::new();
    loop {
        let usable =
            |d: &dyn Device| !refused.contains(&d.attributes().name) && kernels.has_kernel(node, d);
        let device = placer.place(node, &usable)?;
        match kernels.kernel(node, devices[device].as_ref()) {
            Err(e) if e.code == Code::Unimplemented && placer.allow_soft_placement => {
                let name = devices[device].attributes().name.clone();
                // No other device can run it either: the refusal is the clearest error.
                if refused.contains(&name)
                    || !devices.iter().any(|d| {
                        d.attributes().name != name
                            && !refused.contains(&d.attributes().name)
                            && kernels.has_kernel(node, d.as_ref())
                    })
                {
                    return Err(e);
                }
                refused.push(name);
            }
            built => return Ok((device, built?)),
        }
    }
}

impl Plan {
    /// Checks feed values against the fed endpoints' dtypes and static shapes.
    pub fn check_feeds(&self, values: &[Tensor]) -> Result<()> {
        if values.len() != self.feeds.len() {
            return Err(Status::invalid_argument(format!(
                "{} values given for {} feeds",
                values.len(),
                self.feeds.len()
            )));
        }
        let all: Vec<usize> = (0..values.len()).collect();
        self.check_feeds_subset(&all, values)
    }

    /// Checks `values` against the feeds at `indices` (a partial run feeds a few at a time).
    pub fn check_feeds_subset(&self, indices: &[usize], values: &[Tensor]) -> Result<()> {
        for (spec, value) in indices.iter().map(|&i| &self.feeds[i]).zip(values) {
            if value.dtype() != spec.dtype {
                return Err(Status::invalid_argument(format!(
                    "Cannot feed value of dtype {} for Tensor '{}', which has dtype {}",
                    value.dtype(),
                    spec.name,
                    spec.dtype
                ))
                .with_node(&spec.node));
            }
            if !spec.shape.is_compatible_with(value.shape()) {
                return Err(Status::invalid_argument(format!(
                    "Cannot feed value of shape {} for Tensor '{}', which has shape {}",
                    value.shape(),
                    spec.name,
                    spec.shape
                ))
                .with_node(&spec.node));
            }
        }
        Ok(())
    }
}

fn check_endpoint(graph: &Graph, e: Endpoint) -> Result<()> {
    let node = graph.node(e.node)?;
    if e.index as usize >= node.num_outputs() {
        return Err(Status::invalid_argument(format!(
            "'{}' has {} outputs; output {} does not exist",
            node.name,
            node.num_outputs(),
            e.index
        )));
    }
    Ok(())
}

/// The nodes that must run, sorted by id: everything reachable backwards from the fetches
/// and targets through data and control edges, stopping at fed endpoints.
fn prune(
    graph: &Graph,
    fetches: &[Endpoint],
    targets: &[NodeId],
    fed: &HashSet<Endpoint>,
) -> Result<Vec<NodeId>> {
    let mut needed = vec![false; graph.num_nodes()];
    let mut stack: Vec<NodeId> = Vec::new();
    for &f in fetches {
        check_endpoint(graph, f)?;
        if !fed.contains(&f) {
            stack.push(f.node);
        }
    }
    for &t in targets {
        graph.node(t)?;
        stack.push(t);
    }
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut needed[id.index()], true) {
            continue;
        }
        let node = graph.node(id)?;
        stack.extend(node.inputs.iter().filter(|e| !fed.contains(e)).map(|e| e.node));
        stack.extend(node.control_inputs.iter().copied());
    }
    Ok((0..needed.len()).filter(|&i| needed[i]).map(|i| NodeId(i as u32)).collect())
}

/// Builds the kernel of `node` for `device` from the registry.
pub(crate) fn build_kernel(
    node: &Node,
    device: &dyn Device,
    registry: &KernelRegistry,
) -> Result<Arc<dyn OpKernel>> {
    let dtype = node.kernel_dtype();
    let factory = registry.find(node.op(), device.device_type(), dtype).ok_or_else(|| {
        let registered: Vec<&str> =
            registry.dtypes_for(node.op(), device.device_type()).iter().map(|d| d.name()).collect();
        Status::invalid_argument(format!(
            "No OpKernel was registered to support Op '{}' used by node {} with dtype {}. Registered kernels on {}: [{}]",
            node.op(),
            node.name,
            dtype.map_or("none", |d| d.name()),
            device.device_type(),
            registered.join(", ")
        ))
        .with_node(&node.name)
    })?;
    let view = NodeView {
        name: &node.name,
        op: node.op(),
        attrs: &node.attrs,
        input_types: &node.input_types,
        output_types: &node.output_types,
    };
    factory(&view).map(Arc::from).map_err(|s| s.with_node(&node.name))
}

/// The value a step with `kernel` may store instead of running: its kernel's constant, when
/// the step reads nothing and the constant is its one output, of the dtype the graph promises.
fn constant_of(kernel: &Arc<dyn OpKernel>, inputs: &[Endpoint], types: &[DType]) -> Option<Tensor> {
    let value = kernel.constant_output()?;
    (inputs.is_empty() && types == [value.dtype()]).then(|| value.clone())
}
