//! Common-subexpression elimination: two nodes running the same op with the same attrs on the
//! same inputs (after earlier merges), with the same control inputs and device, compute the
//! same values, so readers of the later one read the earlier one. Inputs of commutative ops
//! are compared unordered. Stateful, fed and control-flow nodes (and anything inside a
//! conditional or loop) are never merged; a fetched or targeted duplicate still runs itself.

use super::context::{Consumers, RunView, in_control_flow, is_control_flow, spec_of};
use crate::{Endpoint, Graph, Node, NodeId};
use sessionflow_core::{AttrValue, DType, Tensor};
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Ops whose two inputs may be swapped (for numbers; `Add` on strings concatenates).
const COMMUTATIVE: [&str; 11] = [
    "Add",
    "AddV2",
    "Mul",
    "Maximum",
    "Minimum",
    "SquaredDifference",
    "Equal",
    "NotEqual",
    "LogicalAnd",
    "LogicalOr",
    "BitwiseAnd",
];

/// Merges duplicate nodes of the run; whether anything changed.
pub(super) fn merge_duplicates(graph: &mut Graph, run: &RunView) -> bool {
    let needed = run.needed(graph);
    let inside = in_control_flow(graph);
    let nodes = graph.nodes();
    // Duplicate → the node it repeats.
    let mut same_as: HashMap<NodeId, NodeId> = HashMap::new();
    let mut by_hash: HashMap<u64, Vec<(NodeId, Key)>> = HashMap::new();
    for node in nodes.iter().filter(|n| needed[n.id.index()]) {
        if node.op_def.is_stateful
            || is_control_flow(node.op())
            || inside[node.id.index()]
            || node.num_outputs() == 0
            || run.fed_nodes.contains(&node.id)
        {
            continue;
        }
        let key = Key::of(node, &same_as);
        let bucket = by_hash.entry(key.hash(node)).or_default();
        match bucket.iter().find(|(other, k)| *k == key && same_attrs(&nodes[other.index()], node))
        {
            Some((original, _)) => {
                same_as.insert(node.id, *original);
            }
            None => bucket.push((node.id, key)),
        }
    }
    if same_as.is_empty() {
        return false;
    }
    let consumers = Consumers::of(graph, &needed);
    let mut readers: Vec<NodeId> = same_as
        .keys()
        .flat_map(|id| {
            let data = consumers.data[id.index()].iter().map(|(c, _)| *c);
            data.chain(consumers.control[id.index()].iter().copied())
        })
        .filter(|c| !same_as.contains_key(c))
        .collect();
    readers.sort_unstable();
    readers.dedup();
    let mut batch = Vec::new();
    for id in readers {
        let node = &nodes[id.index()];
        if run.fed_nodes.contains(&id) {
            continue;
        }
        let mut spec = spec_of(node);
        for e in &mut spec.inputs {
            e.node = *same_as.get(&e.node).unwrap_or(&e.node);
        }
        let mut controls = Vec::with_capacity(spec.control_inputs.len());
        for c in &spec.control_inputs {
            let c = *same_as.get(c).unwrap_or(c);
            if !controls.contains(&c) {
                controls.push(c);
            }
        }
        spec.control_inputs = controls;
        batch.push((id, spec));
    }
    !batch.is_empty() && graph.replace_nodes(batch).is_ok()
}

/// What must match, besides attrs, for two nodes to be duplicates.
#[derive(PartialEq, Eq)]
struct Key {
    op: &'static str,
    device: String,
    inputs: Vec<Endpoint>,
    controls: Vec<NodeId>,
}

impl Key {
    fn of(node: &Node, same_as: &HashMap<NodeId, NodeId>) -> Key {
        let canonical = |id: NodeId| *same_as.get(&id).unwrap_or(&id);
        let mut inputs: Vec<Endpoint> =
            node.inputs.iter().map(|e| Endpoint::new(canonical(e.node), e.index)).collect();
        if inputs.len() == 2
            && COMMUTATIVE.contains(&node.op())
            && !node.input_types.contains(&DType::String)
        {
            inputs.sort_unstable();
        }
        let mut controls: Vec<NodeId> = node.control_inputs.iter().map(|&c| canonical(c)).collect();
        controls.sort_unstable();
        controls.dedup();
        Key { op: node.op(), device: node.device.clone(), inputs, controls }
    }

    /// A hash of the key and of the node's attrs.
    fn hash(&self, node: &Node) -> u64 {
        let mut h = DefaultHasher::new();
        (self.op, &self.device, &self.inputs, &self.controls).hash(&mut h);
        for (name, value) in &node.attrs {
            name.hash(&mut h);
            hash_attr(value, &mut h);
        }
        h.finish()
    }
}

fn hash_attr(v: &AttrValue, h: &mut DefaultHasher) {
    v.kind().hash(h);
    match v {
        AttrValue::Int(i) => i.hash(h),
        AttrValue::Float(f) => f.to_bits().hash(h),
        AttrValue::Bool(b) => b.hash(h),
        AttrValue::String(s) => s.hash(h),
        AttrValue::Type(t) => t.hash(h),
        AttrValue::Shape(s) => s.to_i64().hash(h),
        AttrValue::Tensor(t) => {
            (t.dtype(), t.shape().dims()).hash(h);
            match t.dtype() {
                DType::String => t.as_strings().ok().hash(h),
                _ => t.as_bytes().ok().hash(h),
            }
        }
        AttrValue::ListInt(v) => v.hash(h),
        AttrValue::ListFloat(v) => v.iter().map(|f| f.to_bits()).for_each(|b| b.hash(h)),
        AttrValue::ListType(v) => v.hash(h),
        AttrValue::ListString(v) => v.hash(h),
    }
}

/// Whether two nodes' attrs are equal, tensors compared by value (floats bit for bit).
fn same_attrs(a: &Node, b: &Node) -> bool {
    a.attrs.len() == b.attrs.len()
        && a.attrs.iter().zip(&b.attrs).all(|((ka, va), (kb, vb))| ka == kb && same_attr(va, vb))
}

fn same_attr(a: &AttrValue, b: &AttrValue) -> bool {
    match (a, b) {
        (AttrValue::Int(x), AttrValue::Int(y)) => x == y,
        (AttrValue::Float(x), AttrValue::Float(y)) => x.to_bits() == y.to_bits(),
        (AttrValue::Bool(x), AttrValue::Bool(y)) => x == y,
        (AttrValue::String(x), AttrValue::String(y)) => x == y,
        (AttrValue::Type(x), AttrValue::Type(y)) => x == y,
        (AttrValue::Shape(x), AttrValue::Shape(y)) => x == y,
        (AttrValue::Tensor(x), AttrValue::Tensor(y)) => same_tensor(x, y),
        (AttrValue::ListInt(x), AttrValue::ListInt(y)) => x == y,
        (AttrValue::ListFloat(x), AttrValue::ListFloat(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        (AttrValue::ListType(x), AttrValue::ListType(y)) => x == y,
        (AttrValue::ListString(x), AttrValue::ListString(y)) => x == y,
        _ => false,
    }
}

fn same_tensor(a: &Tensor, b: &Tensor) -> bool {
    a.dtype() == b.dtype()
        && a.shape() == b.shape()
        && match a.dtype() {
            DType::String => a.as_strings().ok() == b.as_strings().ok(),
            _ => a.as_bytes().ok() == b.as_bytes().ok(),
        }
}
