//! What the Vulkan session tests share: the device's name, the skip check, and a builder of
//! graphs whose nodes each name their device.

#![allow(dead_code)]

use sessionflow::core::{AttrMap, AttrValue, DType, PartialShape, Tensor, TensorShape};
use sessionflow::graph::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow::{Session, SessionConfig, host_allocator, open_session, vulkan_status};
use std::io::Write;
use std::sync::{Arc, RwLock};

pub const VULKAN: &str = "/job:localhost/replica:0/task:0/device:VULKAN:0";
pub const CPU: &str = "/job:localhost/replica:0/task:0/device:CPU:0";

/// Whether the process has a Vulkan device; if not, says why (past the output capture).
pub fn have_vulkan() -> bool {
    match vulkan_status() {
        Ok(()) => true,
        Err(status) => {
            let _ = writeln!(std::io::stderr(), "Vulkan session tests skip: {status}");
            false
        }
    }
}

/// A float32 host tensor.
pub fn floats(dims: &[usize], values: &[f32]) -> Tensor {
    Tensor::from_slice(host_allocator(), TensorShape::new(dims), values).unwrap()
}

/// A graph under construction, shared with the sessions opened on it.
pub struct Builder {
    pub graph: Arc<RwLock<Graph>>,
}

impl Builder {
    pub fn new() -> Self {
        Builder { graph: Arc::new(RwLock::new(Graph::new())) }
    }

    /// Adds `op` (named after it, made unique) reading output 0 of each of `inputs`.
    pub fn add(&self, op: &str, inputs: &[NodeId], attrs: AttrMap, device: &str) -> NodeId {
        let mut g = self.graph.write().expect("the test owns the graph");
        let name = g.unique_name(&op.to_lowercase(), false);
        let inputs = inputs.iter().map(|&n| Endpoint::new(n, 0)).collect();
        let spec = NodeSpec {
            op: op.into(),
            name,
            inputs,
            attrs,
            device: device.into(),
            ..Default::default()
        };
        g.add_node(spec).unwrap_or_else(|e| panic!("{op}: {e}"))
    }

    /// A float32 placeholder of `dims` (-1 for unknown), on the default device.
    pub fn placeholder(&self, dims: &[i64]) -> NodeId {
        let mut attrs = AttrMap::new();
        attrs.insert("dtype".into(), AttrValue::Type(DType::Float32));
        attrs.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(dims).unwrap()));
        self.add("Placeholder", &[], attrs, "")
    }

    pub fn constant(&self, t: Tensor, device: &str) -> NodeId {
        let mut attrs = AttrMap::new();
        attrs.insert("dtype".into(), AttrValue::Type(t.dtype()));
        attrs.insert("value".into(), AttrValue::Tensor(t));
        self.add("Const", &[], attrs, device)
    }

    pub fn floats(&self, dims: &[usize], values: &[f32], device: &str) -> NodeId {
        self.constant(floats(dims, values), device)
    }

    pub fn session(&self, config: &SessionConfig) -> Session {
        open_session(Arc::clone(&self.graph), config).unwrap()
    }
}
