//! Graph-building helpers shared by the benchmarks in `benches/`.

use sessionflow::core::{AttrMap, AttrValue, DType, Element, PartialShape, Tensor, TensorShape};
use sessionflow::graph::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow::{Session, SessionConfig, host_allocator, open_session};
use std::sync::{Arc, RwLock};

/// A graph being built for a benchmark, and a session over it.
pub struct Bench {
    pub graph: Arc<RwLock<Graph>>,
    pub session: Session,
}

impl Default for Bench {
    fn default() -> Self {
        Bench::new()
    }
}

impl Bench {
    /// An empty graph and a default session.
    pub fn new() -> Self {
        let graph = Arc::new(RwLock::new(Graph::new()));
        let session = open_session(Arc::clone(&graph), &SessionConfig::default())
            .expect("a default session always opens");
        Bench { graph, session }
    }

    /// Adds a node; benchmarks build valid graphs, so failure is a bug in the benchmark.
    pub fn add(&self, op: &str, name: &str, inputs: &[NodeId], attrs: AttrMap) -> NodeId {
        self.graph
            .write()
            .expect("benchmarks do not panic while holding the graph")
            .add_node(NodeSpec {
                op: op.into(),
                name: name.into(),
                inputs: inputs.iter().map(|&n| Endpoint::new(n, 0)).collect(),
                attrs,
                ..Default::default()
            })
            .unwrap_or_else(|e| panic!("benchmark graph is invalid: {e}"))
    }

    /// A placeholder of `dtype` with unknown shape.
    pub fn placeholder(&self, name: &str, dtype: DType) -> NodeId {
        let mut attrs = AttrMap::new();
        attrs.insert("dtype".into(), AttrValue::Type(dtype));
        attrs.insert("shape".into(), AttrValue::Shape(PartialShape::unknown()));
        self.add("Placeholder", name, &[], attrs)
    }
}

/// A host tensor with the given shape and values.
pub fn tensor<T: Element>(dims: &[usize], data: &[T]) -> Tensor {
    Tensor::from_slice(host_allocator(), TensorShape::new(dims), data)
        .unwrap_or_else(|e| panic!("benchmark tensor is invalid: {e}"))
}
