//! Pruning control edges that order nothing (grappler's dependency optimizer): a control edge
//! from a `Const` or `NoOp` that has no inputs of its own waits for a node that is always
//! ready and never dead, so it is dropped, and such a `NoOp` waited on by nothing else no
//! longer runs. Frozen graphs need this: `convert_variables_to_constants_v2` leaves a `NoOp`
//! waiting on every former variable read, which kept all of them running after their values
//! were folded away. Edges from anything with inputs (a side effect, a conditional branch's
//! constants, which wait on its pivot) are kept.

use super::context::{RunView, spec_of};
use crate::Graph;

/// Drops the run's trivial control edges; whether anything changed.
pub(super) fn prune_control_edges(graph: &mut Graph, run: &RunView) -> bool {
    let needed = run.needed(graph);
    let mut trivially_live = vec![false; graph.num_nodes()];
    let mut batch = Vec::new();
    // Ids are a topological order: a node's control inputs are judged before it.
    for node in graph.nodes().iter().filter(|n| needed[n.id.index()]) {
        let kept: Vec<_> =
            node.control_inputs.iter().copied().filter(|c| !trivially_live[c.index()]).collect();
        trivially_live[node.id.index()] = matches!(node.op(), "Const" | "NoOp")
            && node.inputs.is_empty()
            && kept.is_empty()
            && !run.fed_nodes.contains(&node.id);
        if kept.len() != node.control_inputs.len() && !run.fed_nodes.contains(&node.id) {
            let mut spec = spec_of(node);
            spec.control_inputs = kept;
            batch.push((node.id, spec));
        }
    }
    !batch.is_empty() && graph.replace_nodes(batch).is_ok()
}
