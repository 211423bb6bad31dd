//! The graph IR. Nodes are added one at a time and validated as they are added, as in
//! TensorFlow: the op must be registered, input dtypes must agree with the op definition, and
//! the op's shape function must accept the input shapes. Graphs only grow, so a [`NodeId`]
//! stays valid for the graph's lifetime and plans built on a prefix remain correct.

mod gradients;
mod graph;
mod node;
mod op_def;
mod op_registry;
pub mod ops;
pub mod rewrite;
mod shape_inference;

pub use gradients::{GradContext, GradFn, GradientRequest, add_gradients};
pub use graph::{Graph, NodeSpec};
pub use node::{Endpoint, Node, NodeId};
pub use op_def::{ArgDef, ArgType, AttrDef, AttrKind, Gradient, OpDef, ShapeFn};
pub use op_registry::OpRegistry;
pub use shape_inference::{
    InferenceContext, InputInfo, broadcast_partial_shapes, merge_dims, merge_shapes,
};
