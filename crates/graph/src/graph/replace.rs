//! Replacing a node in place: what the plan-time rewrites (`crate::rewrite`) do to their own
//! copy of a graph. The replacement keeps the node's id and name, so fetches, feeds and targets
//! that name it stay valid, and may read only nodes with smaller ids, so ids stay a
//! topological order.

use super::Graph;
use crate::{NodeId, NodeSpec};
use sessionflow_core::{Result, Status};

impl Graph {
    /// Replaces node `id` with one built from `spec` (validated and shape-inferred as
    /// [`Graph::add_node`] does; `spec.name` is ignored). Its outputs must have the dtypes of
    /// the node it replaces, as far as both have outputs; callers make sure no consumer reads an
    /// output the replacement lacks.
    pub(crate) fn replace_node(&mut self, id: NodeId, spec: NodeSpec) -> Result<()> {
        let old = self.node(id)?;
        let later = |n: NodeId| n >= id;
        if spec.inputs.iter().any(|e| later(e.node))
            || spec.control_inputs.iter().any(|&c| later(c))
        {
            return Err(Status::internal(format!(
                "rewrite of '{}' reads a node added after it",
                old.name
            )));
        }
        let (name, old_types) = (old.name.clone(), old.output_types.clone());
        let op_def = self.registry.get(&spec.op)?;
        let mut node = self.build_node(op_def, spec, name).map_err(|s| s.with_node(&old.name))?;
        if node.output_types.iter().zip(&old_types).any(|(a, b)| a != b) {
            return Err(Status::internal(format!(
                "rewrite of '{}' changes its output types",
                node.name
            )));
        }
        node.id = id;
        self.nodes[id.index()] = node;
        Ok(())
    }
}

impl Graph {
    /// Replaces each `(id, spec)` in order, as [`Graph::replace_node`]; all or none: on an
    /// error the nodes already replaced are restored.
    pub(crate) fn replace_nodes(&mut self, batch: Vec<(NodeId, NodeSpec)>) -> Result<()> {
        let mut saved = Vec::with_capacity(batch.len());
        for (id, spec) in batch {
            let old = self.node(id)?.clone();
            if let Err(e) = self.replace_node(id, spec) {
                for node in saved.into_iter().rev() {
                    self.restore(node);
                }
                return Err(e);
            }
            saved.push(old);
        }
        Ok(())
    }

    fn restore(&mut self, node: crate::Node) {
        let i = node.id.index();
        self.nodes[i] = node;
    }
}
