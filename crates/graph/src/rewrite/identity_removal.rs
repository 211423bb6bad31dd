//! Identity removal (grappler's dependency optimizer, for `Identity`): consumers of an
//! `Identity` read its input directly, and control edges from it start at its input's node
//! instead. The Identity itself stays only where it is fetched or targeted.
//!
//! Not bypassed: fed identities (their value is the feed), identities with control inputs
//! (they order their input after something), identities inside control flow or on another
//! device than their input (transfers), and edges into control-flow ops.

use super::context::{Consumers, RunView, in_control_flow, is_control_flow, spec_of};
use crate::{Endpoint, Graph, NodeId};
use std::collections::HashMap;

/// Bypasses the Identity nodes of the run; whether anything changed.
pub(super) fn remove_identities(graph: &mut Graph, run: &RunView) -> bool {
    let needed = run.needed(graph);
    let inside = in_control_flow(graph);
    // Identity node → the endpoint it passes on, resolved through chains of identities.
    let mut forward: HashMap<NodeId, Endpoint> = HashMap::new();
    for node in graph.nodes().iter().filter(|n| needed[n.id.index()]) {
        if node.op() != "Identity"
            || run.fed_nodes.contains(&node.id)
            || !node.control_inputs.is_empty()
            || inside[node.id.index()]
        {
            continue;
        }
        let input = node.inputs[0];
        let source = forward.get(&input.node).copied().unwrap_or(input);
        let Ok(producer) = graph.node(source.node) else { continue };
        if producer.device != node.device || is_control_flow(producer.op()) {
            continue;
        }
        forward.insert(node.id, source);
    }
    if forward.is_empty() {
        return false;
    }
    let consumers = Consumers::of(graph, &needed);
    let mut rewired: Vec<NodeId> = forward
        .keys()
        .flat_map(|id| {
            let data = consumers.data[id.index()].iter().map(|(c, _)| *c);
            data.chain(consumers.control[id.index()].iter().copied())
        })
        .collect();
    rewired.sort_unstable();
    rewired.dedup();
    let mut batch = Vec::new();
    for id in rewired {
        let Ok(node) = graph.node(id) else { continue };
        if is_control_flow(node.op()) || run.fed_nodes.contains(&id) {
            continue;
        }
        let mut spec = spec_of(node);
        for e in &mut spec.inputs {
            if let Some(&source) = forward.get(&e.node) {
                *e = source;
            }
        }
        let mut controls = Vec::with_capacity(spec.control_inputs.len());
        for c in &spec.control_inputs {
            // A control edge makes its source node run, so it never moves onto a fed node
            // (whose kernel must not run): there the Identity stays.
            let c = match forward.get(c) {
                Some(source) if !run.fed_nodes.contains(&source.node) => source.node,
                _ => *c,
            };
            if !controls.contains(&c) {
                controls.push(c);
            }
        }
        spec.control_inputs = controls;
        batch.push((id, spec));
    }
    graph.replace_nodes(batch).is_ok()
}
