//! The two edits a TF1 while loop needs after its nodes exist: closing the loop (a `Merge`
//! input becomes the `NextIteration` output built after it, TF's `_update_input`) and giving a
//! loop variable's `Enter` the loop's shape invariant (TF's `Tensor.set_shape` on it).

use super::Graph;
use crate::{Endpoint, NodeId, merge_shapes};
use sessionflow_core::{PartialShape, Result, Status};

impl Graph {
    /// Makes input `index` of `merge` (a `Merge` node) the back edge from `source` (an output
    /// of a `NextIteration` node), closing a while loop. The input replaced must be a stand-in:
    /// a repeat of another input of the same `Merge` (TF1 builds `Merge([enter, enter])` and
    /// then updates it), so an edge that a caller made deliberately is never rewired. Its
    /// dtype must match, and its static shape must be compatible with the `Merge`'s output.
    ///
    /// This is the one edit that changes an existing node: call it while the loop is being
    /// built, before any session has run a signature that reaches the `Merge`.
    pub fn set_back_edge(&mut self, merge: NodeId, index: usize, source: Endpoint) -> Result<()> {
        if self.finalized {
            return Err(Status::failed_precondition("Graph is finalized and cannot be modified."));
        }
        let from = self.node(source.node)?;
        if from.op() != "NextIteration" {
            return Err(Status::invalid_argument(format!(
                "a loop's back edge comes from a NextIteration node, not '{}' ({})",
                from.name,
                from.op()
            )));
        }
        let (source_type, source_shape) = match (
            from.output_types.get(source.index as usize),
            from.output_shapes.get(source.index as usize),
        ) {
            (Some(t), Some(s)) => (*t, s.clone()),
            _ => {
                return Err(Status::invalid_argument(format!(
                    "'{}' has no output {}",
                    from.name, source.index
                )));
            }
        };
        let node = self.node(merge)?;
        let name = node.name.clone();
        if node.op() != "Merge" {
            return Err(Status::invalid_argument(format!(
                "only a Merge takes a loop's back edge; '{name}' is a {}",
                node.op()
            ))
            .with_node(&name));
        }
        let Some(&current) = node.inputs.get(index) else {
            return Err(Status::invalid_argument(format!(
                "'{name}' has {} inputs; input {index} does not exist",
                node.inputs.len()
            ))
            .with_node(&name));
        };
        let stand_in = node.inputs.iter().enumerate().any(|(i, &e)| i != index && e == current);
        if !stand_in {
            return Err(Status::invalid_argument(format!(
                "input {index} of '{name}' is a real edge, not a stand-in for a back edge"
            ))
            .with_node(&name));
        }
        if node.input_types[index] != source_type {
            return Err(Status::invalid_argument(format!(
                "the back edge into '{name}' carries {source_type} but the Merge takes {}",
                node.input_types[index]
            ))
            .with_node(&name));
        }
        if merge_shapes(&node.output_shapes[0], &source_shape).is_err() {
            return Err(Status::invalid_argument(format!(
                "the value '{}' passes to the next iteration has shape {source_shape}, which does \
                 not fit the loop variable's shape {}",
                from.name, node.output_shapes[0]
            ))
            .with_node(&name));
        }
        self.nodes[merge.index()].inputs[index] = source;
        Ok(())
    }

    /// Narrows the static shape of output `e` to `shape` (TF's `Tensor.set_shape`): what a
    /// loop builder does to a loop variable's `Enter` before anything consumes it.
    /// FailedPrecondition once a node consumes `e` (its inferred shape would go stale);
    /// InvalidArgument when `shape` contradicts what is already known.
    pub fn set_output_shape(&mut self, e: Endpoint, shape: &PartialShape) -> Result<()> {
        if self.finalized {
            return Err(Status::failed_precondition("Graph is finalized and cannot be modified."));
        }
        let node = self.node(e.node)?;
        if let Some(consumer) = self.nodes.iter().find(|n| n.inputs.contains(&e)) {
            return Err(Status::failed_precondition(format!(
                "the shape of {}:{} cannot change: '{}' already consumes it",
                node.name, e.index, consumer.name
            )));
        }
        self.refine_output_shape(e, shape)
    }
}
