use crate::OpDef;
use sessionflow_core::{AttrMap, DType, PartialShape};
use std::fmt;

/// Index of a node in its graph. Dense: ids run from 0 to the node count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One output of one node: what TensorFlow calls a tensor of the graph (`name:index`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub node: NodeId,
    pub index: u32,
}

impl Endpoint {
    /// Output `index` of `node`.
    pub fn new(node: NodeId, index: u32) -> Self {
        Endpoint { node, index }
    }
}

/// A validated node: its op definition resolved, type attrs inferred, output dtypes and
/// shapes computed.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    pub name: String,
    pub op_def: &'static OpDef,
    pub inputs: Vec<Endpoint>,
    pub control_inputs: Vec<NodeId>,
    pub attrs: AttrMap,
    /// The requested device, as written by the user (may be empty).
    pub device: String,
    pub input_types: Vec<DType>,
    pub output_types: Vec<DType>,
    pub output_shapes: Vec<PartialShape>,
}

impl Node {
    /// The op type, e.g. `MatMul`.
    pub fn op(&self) -> &'static str {
        self.op_def.name
    }

    /// Number of outputs.
    pub fn num_outputs(&self) -> usize {
        self.output_types.len()
    }

    /// The dtype that selects this node's kernel (from `T`, `dtype`, …), if its op has one.
    pub fn kernel_dtype(&self) -> Option<DType> {
        let attr = self.op_def.kernel_type_attr?;
        match self.attrs.get(attr) {
            Some(sessionflow_core::AttrValue::Type(t)) => Some(*t),
            _ => None,
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (op: {})", self.name, self.op())
    }
}
