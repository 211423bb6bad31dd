//! A `GraphDef` into a sessionflow graph: TensorFlow's `import_graph_def`.

use crate::attr;
use crate::export::{MIN_PRODUCER, PRODUCER};
use crate::proto::{GraphDef, NodeDef};
use sessionflow_core::{Allocator, AttrMap, Result, Status};
use sessionflow_graph::{Endpoint, Graph, NodeId, NodeSpec, OpRegistry};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// How to import (TensorFlow's `import_graph_def` arguments).
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Prefix of every imported node's name (`prefix/name`); empty for none. Made unique in
    /// the graph as a name scope is.
    pub prefix: String,
    /// GraphDef tensors (`"name:0"`, or `"^name"` for a control input) replaced by tensors
    /// (or, for control inputs, nodes) already in the graph.
    pub input_map: HashMap<String, Endpoint>,
    /// GraphDef names to return: `"name:i"` a tensor, `"name"` an operation.
    pub return_elements: Vec<String>,
}

/// One element asked for in [`ImportOptions::return_elements`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returned {
    Tensor(Endpoint),
    Operation(NodeId),
}

/// What an import added.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    /// Every node added, in the order added.
    pub nodes: Vec<NodeId>,
    /// The requested return elements, in order.
    pub returned: Vec<Returned>,
}

/// A parsed `"name"`, `"name:i"` or `"^name"` reference.
struct Ref<'a> {
    node: &'a str,
    index: u32,
    control: bool,
}

fn parse_ref(s: &str) -> Result<Ref<'_>> {
    if let Some(node) = s.strip_prefix('^') {
        return Ok(Ref { node, index: 0, control: true });
    }
    match s.rsplit_once(':') {
        Some((node, i)) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) => {
            let index = i
                .parse()
                .map_err(|_| Status::invalid_argument(format!("bad tensor name '{s}'")))?;
            Ok(Ref { node, index, control: false })
        }
        _ => Ok(Ref { node: s, index: 0, control: false }),
    }
}

/// Imports `graph_def` into `graph`. All or nothing: on any error the graph is unchanged.
/// Constants are stored with `allocator`.
pub fn import(
    graph: &mut Graph,
    graph_def: &GraphDef,
    options: &ImportOptions,
    allocator: &Arc<dyn Allocator>,
) -> Result<Imported> {
    check_versions(graph_def)?;
    let lowered = crate::functional::lower(graph_def)?;
    let graph_def = lowered.as_ref().map_or(graph_def, |l| &l.graph_def);
    check_ops(graph_def)?;
    let by_name: HashMap<&str, &NodeDef> =
        graph_def.node.iter().map(|n| (n.name.as_str(), n)).collect();
    if by_name.len() != graph_def.node.len() {
        let mut seen = HashSet::new();
        let dup = graph_def.node.iter().find(|n| !seen.insert(n.name.as_str()));
        return Err(Status::invalid_argument(format!(
            "the GraphDef has two nodes named '{}'",
            dup.map_or("", |n| n.name.as_str())
        )));
    }
    check_input_map(options, &by_name)?;
    let order = topological_order(graph_def, &by_name)?;

    let mut staged = graph.clone();
    let prefix = if options.prefix.is_empty() {
        String::new()
    } else {
        format!("{}/", staged.unique_name(&options.prefix, true))
    };
    let mut ids: HashMap<&str, NodeId> = HashMap::new();
    let mut imported = Imported::default();
    let mut back_edges: Vec<(NodeId, usize, Ref<'_>)> = Vec::new();
    for &i in &order {
        let def = &graph_def.node[i];
        let (spec, loops_back) = node_spec(def, &prefix, options, &ids, &by_name, allocator)?;
        let id = staged.add_node(spec).map_err(|s| s.with_node(format!("{prefix}{}", def.name)))?;
        ids.insert(def.name.as_str(), id);
        imported.nodes.push(id);
        back_edges.extend(loops_back.into_iter().map(|(k, r)| (id, k, r)));
    }
    // A while loop's Merge was added with a stand-in for its NextIteration input; now that the
    // NextIteration exists, the loop is closed.
    for (merge, k, r) in back_edges {
        let source = ids
            .get(r.node)
            .copied()
            .ok_or_else(|| Status::internal("back edge source not added"))?;
        staged.set_back_edge(merge, k, Endpoint::new(source, r.index))?;
    }
    for name in &options.return_elements {
        let name = lowered.as_ref().map_or(name.as_str(), |l| l.rename(name));
        imported.returned.push(returned(&staged, name, &ids)?);
    }
    *graph = staged;
    Ok(imported)
}

fn check_versions(graph_def: &GraphDef) -> Result<()> {
    // A GraphDef without `versions` is from before versioning (producer 0) unless the
    // deprecated `version` field says otherwise.
    #[allow(deprecated)]
    let (producer, min_consumer, bad) = match &graph_def.versions {
        Some(v) => (v.producer, v.min_consumer, v.bad_consumers.as_slice()),
        None => (graph_def.version, 0, &[][..]),
    };
    if producer < MIN_PRODUCER && !graph_def.node.is_empty() {
        return Err(Status::unimplemented(format!(
            "GraphDef producer version {producer} is below the minimum {MIN_PRODUCER} sessionflow \
             reads; re-export the graph with a newer TensorFlow"
        )));
    }
    if min_consumer > PRODUCER {
        return Err(Status::invalid_argument(format!(
            "GraphDef min consumer version {min_consumer} is above sessionflow's version \
             {PRODUCER}; it needs a newer sessionflow"
        )));
    }
    if bad.contains(&PRODUCER) {
        return Err(Status::invalid_argument(format!(
            "GraphDef disallows consumer version {PRODUCER} (sessionflow's)"
        )));
    }
    Ok(())
}

/// NotFound listing the op types the engine lacks (the first few, with a node using each),
/// before anything is added.
fn check_ops(graph_def: &GraphDef) -> Result<()> {
    const SHOWN: usize = 5;
    let registry = OpRegistry::global();
    let mut missing: Vec<(&str, &str)> = Vec::new();
    for n in &graph_def.node {
        if registry.get(&n.op).is_err() && !missing.iter().any(|(op, _)| *op == n.op) {
            missing.push((&n.op, &n.name));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> =
        missing.iter().take(SHOWN).map(|(op, node)| format!("{op} (node '{node}')")).collect();
    let more = missing.len().saturating_sub(SHOWN);
    Err(Status::not_found(format!(
        "{} op type{} in the GraphDef {} not registered in sessionflow: {}{}",
        missing.len(),
        if missing.len() == 1 { "" } else { "s" },
        if missing.len() == 1 { "is" } else { "are" },
        shown.join(", "),
        if more > 0 { format!(", and {more} more") } else { String::new() }
    )))
}

fn check_input_map(options: &ImportOptions, by_name: &HashMap<&str, &NodeDef>) -> Result<()> {
    let mut unknown: Vec<&str> = options
        .input_map
        .keys()
        .filter(|k| parse_ref(k).map_or(true, |r| !by_name.contains_key(r.node)))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort_unstable();
    Err(Status::invalid_argument(format!(
        "Attempted to map inputs that were not found in graph_def: [{}]",
        unknown.join(", ")
    )))
}

/// Whether input `r` of `def` is a while loop's back edge: a `NextIteration` value into a
/// `Merge` (the one kind of cycle a GraphDef may have, as in TensorFlow).
fn is_back_edge(def: &NodeDef, r: &Ref<'_>, by_name: &HashMap<&str, &NodeDef>) -> bool {
    def.op == "Merge" && !r.control && by_name.get(r.node).is_some_and(|p| p.op == "NextIteration")
}

/// Node indices in an order where every input comes first (Kahn's algorithm, keeping the
/// GraphDef's order among ready nodes), loops' back edges aside; InvalidArgument on a missing
/// input or another cycle.
fn topological_order(
    graph_def: &GraphDef,
    by_name: &HashMap<&str, &NodeDef>,
) -> Result<Vec<usize>> {
    let index: HashMap<&str, usize> =
        graph_def.node.iter().enumerate().map(|(i, n)| (n.name.as_str(), i)).collect();
    let n = graph_def.node.len();
    let mut pending = vec![0usize; n];
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, def) in graph_def.node.iter().enumerate() {
        for input in &def.input {
            let r = parse_ref(input)?;
            let Some(&producer) = index.get(r.node) else {
                return Err(Status::invalid_argument(format!(
                    "Node '{}': Unknown input node '{input}'",
                    def.name
                ))
                .with_node(&def.name));
            };
            if is_back_edge(def, &r, by_name) {
                continue;
            }
            pending[i] += 1;
            consumers[producer].push(i);
        }
    }
    let mut ready: std::collections::VecDeque<usize> =
        (0..n).filter(|&i| pending[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for &c in &consumers[i] {
            pending[c] -= 1;
            if pending[c] == 0 {
                ready.push_back(c);
            }
        }
    }
    if order.len() < n {
        let stuck: Vec<&str> = (0..n)
            .filter(|&i| pending[i] > 0)
            .take(5)
            .map(|i| graph_def.node[i].name.as_str())
            .collect();
        return Err(Status::invalid_argument(format!(
            "the GraphDef has a cycle (without control-flow frames) through: {}",
            stuck.join(", ")
        )));
    }
    Ok(order)
}

/// The node to add for `def`, and its back-edge inputs (position, source) still to connect:
/// each stands in as a repeat of the node's first other input until then.
fn node_spec<'d>(
    def: &'d NodeDef,
    prefix: &str,
    options: &ImportOptions,
    ids: &HashMap<&str, NodeId>,
    by_name: &HashMap<&str, &NodeDef>,
    allocator: &Arc<dyn Allocator>,
) -> Result<(NodeSpec, Vec<(usize, Ref<'d>)>)> {
    let op_def = OpRegistry::global().get(&def.op)?;
    let mut inputs: Vec<Option<Endpoint>> = Vec::new();
    let mut back_edges = Vec::new();
    let mut control_inputs = Vec::new();
    for input in &def.input {
        let r = parse_ref(input)?;
        let key = if r.control { input.clone() } else { format!("{}:{}", r.node, r.index) };
        let mapped = options.input_map.get(&key).copied();
        // Topological order guarantees the producer was added already (back edges aside).
        let own =
            || ids.get(r.node).copied().ok_or_else(|| Status::internal("input not yet added"));
        if r.control {
            control_inputs.push(match mapped {
                Some(e) => e.node,
                None => own()?,
            });
        } else if mapped.is_none() && is_back_edge(def, &r, by_name) {
            back_edges.push((inputs.len(), r));
            inputs.push(None);
        } else {
            inputs.push(Some(match mapped {
                Some(e) => e,
                None => Endpoint::new(own()?, r.index),
            }));
        }
    }
    let stand_in = inputs.iter().flatten().next().copied();
    let inputs =
        inputs.into_iter().map(|e| e.or(stand_in)).collect::<Option<Vec<Endpoint>>>().ok_or_else(
            || {
                Status::invalid_argument(format!(
                    "Merge '{}' takes only NextIteration values: nothing enters its loop",
                    def.name
                ))
                .with_node(format!("{prefix}{}", def.name))
            },
        )?;
    let mut attrs = AttrMap::new();
    for (name, value) in &def.attr {
        // Attrs starting with '_' are TensorFlow-internal annotations (`_output_shapes`,
        // `_class`, …) that do not change what a node computes.
        if name.starts_with('_') {
            continue;
        }
        let Some(attr_def) = op_def.attr_def(name) else {
            return Err(Status::invalid_argument(format!(
                "NodeDef mentions attr '{name}' not in Op<name={}>; sessionflow does not know \
                 what it means",
                def.op
            ))
            .with_node(format!("{prefix}{}", def.name)));
        };
        let value = attr::from_proto(allocator, name, attr_def.kind, value)
            .map_err(|s| s.with_node(format!("{prefix}{}", def.name)))?;
        attrs.insert(name.clone(), value);
    }
    let spec = NodeSpec {
        op: def.op.clone(),
        name: format!("{prefix}{}", def.name),
        inputs,
        control_inputs,
        attrs,
        device: def.device.clone(),
    };
    Ok((spec, back_edges))
}

fn returned(graph: &Graph, name: &str, ids: &HashMap<&str, NodeId>) -> Result<Returned> {
    let r = parse_ref(name)?;
    let id = ids.get(r.node).copied().ok_or_else(|| {
        Status::invalid_argument(format!(
            "Requested return_element '{name}' not found in graph_def."
        ))
    })?;
    if r.control || !name.contains(':') {
        return Ok(Returned::Operation(id));
    }
    let node = graph.node(id)?;
    if r.index as usize >= node.num_outputs() {
        return Err(Status::invalid_argument(format!(
            "Requested return_element '{name}' not found in graph_def: '{}' has {} outputs",
            node.name,
            node.num_outputs()
        )));
    }
    Ok(Returned::Tensor(Endpoint::new(id, r.index)))
}
