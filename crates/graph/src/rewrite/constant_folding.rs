//! Constant folding: nodes whose inputs are all constants are computed once, at plan time, by
//! their kernels, and the nodes where constant values meet the rest of the graph become
//! `Const` nodes holding the result. Nothing stateful, fed, fetched, targeted, involved in
//! control flow or pinned to a device other than the CPU is folded; a node whose kernel fails
//! is left to fail at run time; results larger than TensorFlow's limit for folded constants
//! (10 MiB) are not kept. A value computed along the way is dropped as soon as everything
//! reading it has folded too, so folding a long chain holds a few tensors at a time, not the
//! whole chain.

use super::ConstantEvaluator;
use super::context::{Consumers, RunView, is_control_flow, requests_cpu};
use crate::{Graph, Node, NodeId, NodeSpec};
use sessionflow_core::{AttrMap, AttrValue, DType, Tensor};
use std::collections::{HashMap, HashSet};

/// TensorFlow's `kMaxConstantSize`: larger folded values would bloat plans.
const MAX_CONSTANT_BYTES: usize = 10 << 20;

/// Ops that look foldable by their inputs but must run: their value is the feed when fed, or
/// they exist to be seen running.
const NEVER_FOLDED: [&str; 2] = ["PlaceholderWithDefault", "NoOp"];

/// Folds the run's constant subgraphs; whether anything changed.
pub(super) fn fold_constants(
    graph: &mut Graph,
    run: &RunView,
    evaluator: &dyn ConstantEvaluator,
) -> bool {
    let needed = run.needed(graph);
    let consumers = Consumers::of(graph, &needed);
    // Per node, its readers (data edges and control edges) that have not been folded into a
    // `Const` yet; at zero its value is no longer needed.
    let mut unfolded_readers: Vec<usize> = (0..graph.num_nodes())
        .map(|i| consumers.data[i].len() + consumers.control[i].len())
        .collect();
    // The values of the run's constant nodes that something may still read, by node.
    let mut values: HashMap<NodeId, Vec<Tensor>> = HashMap::new();
    let mut folded: Vec<NodeId> = Vec::new();
    for node in graph.nodes().iter().filter(|n| needed[n.id.index()]) {
        if run.fed_nodes.contains(&node.id) {
            continue;
        }
        if node.op() == "Const" {
            if let (true, Some(AttrValue::Tensor(t))) =
                (node.control_inputs.is_empty(), node.attrs.get("value"))
            {
                values.insert(node.id, vec![t.clone()]);
            }
            continue;
        }
        if !foldable(node)
            || !node.inputs.iter().all(|e| !run.fed.contains(e) && values.contains_key(&e.node))
            || !node.control_inputs.iter().all(|c| values.contains_key(c))
            || known_to_be_too_large(node)
            || (!becomes_const(node, run) && unfolded_readers[node.id.index()] == 0)
        {
            continue;
        }
        let inputs = node.inputs.iter().map(|e| values[&e.node][e.index as usize].clone());
        let Ok(outputs) = evaluator.evaluate(node, inputs.collect()) else { continue };
        if outputs.len() != node.num_outputs() || outputs.iter().any(too_large) {
            continue;
        }
        values.insert(node.id, outputs);
        folded.push(node.id);
        // Inputs read only by nodes that become Consts (below) are needed by nothing at run
        // time: release them now.
        if becomes_const(node, run) {
            let edges =
                node.inputs.iter().map(|e| e.node).chain(node.control_inputs.iter().copied());
            for input in edges {
                let left = &mut unfolded_readers[input.index()];
                *left = left.saturating_sub(1);
                if *left == 0 && !run.is_pinned(input) {
                    values.remove(&input);
                }
            }
        }
    }
    // Replace the folded nodes that something not folded reads (the rest are pruned with
    // them). Multi-output nodes stay (a Const has one output); their folded consumers do not.
    let nodes = graph.nodes();
    let replaceable: HashSet<NodeId> =
        folded.iter().copied().filter(|&id| becomes_const(&nodes[id.index()], run)).collect();
    let mut batch = Vec::new();
    for &id in &folded {
        let node = &nodes[id.index()];
        if !replaceable.contains(&id) {
            continue;
        }
        // Something that still runs reads it (folded nodes read only by replaced ones are
        // pruned with them).
        let read_by_runner = consumers.data[id.index()]
            .iter()
            .map(|(c, _)| *c)
            .chain(consumers.control[id.index()].iter().copied())
            .any(|c| !replaceable.contains(&c));
        if !read_by_runner {
            continue;
        }
        let mut attrs = AttrMap::new();
        attrs.insert("dtype".into(), AttrValue::Type(node.output_types[0]));
        // Present: a reader that does not become a Const never released it.
        let Some(value) = values.get(&id).and_then(|v| v.first()) else { continue };
        attrs.insert("value".into(), AttrValue::Tensor(value.clone()));
        let spec = NodeSpec {
            op: "Const".into(),
            name: node.name.clone(),
            attrs,
            device: node.device.clone(),
            ..NodeSpec::default()
        };
        batch.push((id, spec));
    }
    !batch.is_empty() && graph.replace_nodes(batch).is_ok()
}

/// Whether a folded node is replaced by a `Const` (or pruned): single-output and not fed,
/// fetched or targeted.
fn becomes_const(node: &Node, run: &RunView) -> bool {
    node.num_outputs() == 1 && !run.is_pinned(node.id)
}

/// Whether the op may be folded at all, whatever its inputs.
fn foldable(node: &Node) -> bool {
    requests_cpu(node)
        && !node.op_def.is_stateful
        && !is_control_flow(node.op())
        && !NEVER_FOLDED.contains(&node.op())
        && !node.inputs.is_empty()
        && node.num_outputs() > 0
        && !node.output_types.contains(&DType::Resource)
}

/// Whether a statically known output shape already exceeds the limit.
fn known_to_be_too_large(node: &Node) -> bool {
    node.output_shapes.iter().zip(&node.output_types).any(|(s, t)| {
        let elements = s.to_tensor_shape().and_then(|s| s.num_elements().ok());
        matches!((elements, t.size()), (Some(n), Some(size)) if n.saturating_mul(size) > MAX_CONSTANT_BYTES)
    })
}

fn too_large(t: &Tensor) -> bool {
    t.dtype().size().is_some_and(|size| t.num_elements().saturating_mul(size) > MAX_CONSTANT_BYTES)
}
