//! What every rewrite pass needs to know about the run it rewrites for: which nodes run, which
//! are fed, fetched or targeted (never removed or renamed), who consumes what, and which ops
//! must not be touched.

use crate::{Endpoint, Graph, Node, NodeId, NodeSpec};
use std::collections::HashSet;

/// The dataflow control-flow ops (TensorFlow's `IsControlFlow`): they route values and
/// deadness, so no rewrite folds, merges or bypasses them, or looks through them.
const CONTROL_FLOW_OPS: [&str; 12] = [
    "Switch",
    "RefSwitch",
    "Merge",
    "RefMerge",
    "Enter",
    "RefEnter",
    "Exit",
    "RefExit",
    "NextIteration",
    "RefNextIteration",
    "LoopCond",
    "ControlTrigger",
];

/// Whether `op` is a control-flow op.
pub(super) fn is_control_flow(op: &str) -> bool {
    CONTROL_FLOW_OPS.contains(&op)
}

/// The run signature's view of the graph being rewritten.
pub(super) struct RunView {
    pub fed: HashSet<Endpoint>,
    /// Nodes with at least one fed output: their outputs come from the caller.
    pub fed_nodes: HashSet<NodeId>,
    /// Nodes with at least one fetched output: they keep their op, name and outputs.
    pub fetched: HashSet<NodeId>,
    pub targets: HashSet<NodeId>,
    fetches: Vec<Endpoint>,
}

impl RunView {
    pub(super) fn new(feeds: &[Endpoint], fetches: &[Endpoint], targets: &[NodeId]) -> RunView {
        RunView {
            fed: feeds.iter().copied().collect(),
            fed_nodes: feeds.iter().map(|e| e.node).collect(),
            fetched: fetches.iter().map(|e| e.node).collect(),
            targets: targets.iter().copied().collect(),
            fetches: fetches.to_vec(),
        }
    }

    /// Whether the rewrite must leave node `id` itself as it is (it may still stop being
    /// needed by others).
    pub(super) fn is_pinned(&self, id: NodeId) -> bool {
        self.fed_nodes.contains(&id) || self.fetched.contains(&id) || self.targets.contains(&id)
    }

    /// The nodes the run executes (TensorFlow's pruning, as the plan prunes): everything
    /// reachable backwards from the fetches and targets through data and control edges,
    /// stopping at fed endpoints. Ids whose entry is `true`.
    pub(super) fn needed(&self, graph: &Graph) -> Vec<bool> {
        let mut needed = vec![false; graph.num_nodes()];
        let mut stack: Vec<NodeId> = self
            .fetches
            .iter()
            .filter(|e| !self.fed.contains(e))
            .map(|e| e.node)
            .chain(self.targets.iter().copied())
            .collect();
        let nodes = graph.nodes();
        while let Some(id) = stack.pop() {
            let Some(seen) = needed.get_mut(id.index()) else { continue };
            if std::mem::replace(seen, true) {
                continue;
            }
            let node = &nodes[id.index()];
            stack.extend(node.inputs.iter().filter(|e| !self.fed.contains(e)).map(|e| e.node));
            stack.extend(node.control_inputs.iter().copied());
        }
        needed
    }
}

/// Who reads each node, among the needed ones.
pub(super) struct Consumers {
    /// Per node: (consumer, input position) of each data edge out of it.
    pub data: Vec<Vec<(NodeId, usize)>>,
    /// Per node: the consumers with a control edge from it.
    pub control: Vec<Vec<NodeId>>,
}

impl Consumers {
    pub(super) fn of(graph: &Graph, needed: &[bool]) -> Consumers {
        let n = graph.num_nodes();
        let (mut data, mut control) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for node in graph.nodes().iter().filter(|n| needed[n.id.index()]) {
            for (i, e) in node.inputs.iter().enumerate() {
                data[e.node.index()].push((node.id, i));
            }
            for c in &node.control_inputs {
                control[c.index()].push(node.id);
            }
        }
        Consumers { data, control }
    }

    /// The single data consumer of `id`'s output 0, when that is its only reader (no other
    /// data or control consumer).
    pub(super) fn only_consumer(&self, id: NodeId) -> Option<(NodeId, usize)> {
        match (self.data[id.index()].as_slice(), self.control[id.index()].is_empty()) {
            ([(consumer, slot)], true) => Some((*consumer, *slot)),
            _ => None,
        }
    }
}

/// Nodes downstream of a control-flow op (through data or control edges), including the
/// control-flow ops themselves: inside a conditional branch or a loop, where CSE and identity
/// removal do not go.
pub(super) fn in_control_flow(graph: &Graph) -> Vec<bool> {
    let mut inside = vec![false; graph.num_nodes()];
    // Ids are a topological order, so one forward sweep sees every producer first.
    for node in graph.nodes() {
        let from_inside = node.inputs.iter().any(|e| inside[e.node.index()])
            || node.control_inputs.iter().any(|c| inside[c.index()]);
        inside[node.id.index()] = from_inside || is_control_flow(node.op());
    }
    inside
}

/// A spec rebuilding `node` as it is, to be edited.
pub(super) fn spec_of(node: &Node) -> NodeSpec {
    NodeSpec {
        op: node.op().to_owned(),
        name: node.name.clone(),
        inputs: node.inputs.clone(),
        control_inputs: node.control_inputs.clone(),
        attrs: node.attrs.clone(),
        device: node.device.clone(),
    }
}

/// Whether `node` asks for no device or for the CPU. Rewrites run before placement, and
/// unpinned nodes are placed on the CPU first; the rewrites that compute on the CPU (folding)
/// or produce ops only the CPU has (fusions) leave nodes pinned to other devices alone, so that
/// those run there, and a hard placement that cannot be met still fails as TensorFlow's does.
pub(super) fn requests_cpu(node: &Node) -> bool {
    names_cpu_or_nothing(&node.device)
}

/// Whether a device request (full, partial or legacy) leaves the device type open or names CPU.
fn names_cpu_or_nothing(request: &str) -> bool {
    request.split('/').filter(|part| !part.is_empty()).all(|part| {
        let mut fields = part.split(':');
        let key = fields.next().unwrap_or_default();
        let device_type = if key.eq_ignore_ascii_case("device") {
            fields.next().unwrap_or_default()
        } else {
            key
        };
        matches!(key, "job" | "replica" | "task")
            || device_type.eq_ignore_ascii_case("cpu")
            || device_type == "*"
    })
}

#[cfg(test)]
mod tests {
    use super::names_cpu_or_nothing;

    #[test]
    fn device_requests_that_leave_a_node_on_the_cpu() {
        for cpu in ["", "/job:localhost", "/device:CPU:0", "/cpu:0", "/job:w/task:1/device:cpu:*"] {
            assert!(names_cpu_or_nothing(cpu), "{cpu}");
        }
        for other in ["/device:VULKAN:0", "/gpu:0", "/job:localhost/device:GPU:1", "/vulkan"] {
            assert!(!names_cpu_or_nothing(other), "{other}");
        }
    }
}
