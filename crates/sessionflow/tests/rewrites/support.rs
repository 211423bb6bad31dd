//! A small graph builder and a runner that runs the same fetches with rewrites on and off.

use sessionflow::core::{AttrValue, DType, PartialShape, Tensor, TensorShape};
use sessionflow::graph::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow::{
    GraphOptions, NodeExecStats, OptimizerOptions, RewriterConfig, RunOptions, SessionConfig,
    host_allocator, open_session,
};
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub struct Builder {
    pub graph: Graph,
}

impl Builder {
    pub fn op(&mut self, op: &str, name: &str, inputs: &[Endpoint]) -> Endpoint {
        self.node(op, name, inputs, &[], &[])
    }

    pub fn node(
        &mut self,
        op: &str,
        name: &str,
        inputs: &[Endpoint],
        control: &[NodeId],
        attrs: &[(&str, AttrValue)],
    ) -> Endpoint {
        let id = self
            .graph
            .add_node(NodeSpec {
                op: op.into(),
                name: name.into(),
                inputs: inputs.to_vec(),
                control_inputs: control.to_vec(),
                attrs: attrs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
                device: String::new(),
            })
            .unwrap_or_else(|e| panic!("{op} {name}: {e}"));
        Endpoint::new(id, 0)
    }

    pub fn placeholder(&mut self, name: &str, dims: &[i64]) -> Endpoint {
        let shape = PartialShape::from_i64(dims).unwrap();
        self.node(
            "Placeholder",
            name,
            &[],
            &[],
            &[("dtype", AttrValue::Type(DType::Float32)), ("shape", AttrValue::Shape(shape))],
        )
    }

    pub fn constant(&mut self, name: &str, dims: &[usize], values: &[f32]) -> Endpoint {
        self.constant_after(name, dims, values, &[])
    }

    pub fn constant_after(
        &mut self,
        name: &str,
        dims: &[usize],
        values: &[f32],
        control: &[NodeId],
    ) -> Endpoint {
        let t = tensor(dims, values);
        self.node(
            "Const",
            name,
            &[],
            control,
            &[("dtype", AttrValue::Type(DType::Float32)), ("value", AttrValue::Tensor(t))],
        )
    }

    pub fn ints(&mut self, name: &str, values: &[i32]) -> Endpoint {
        let t =
            Tensor::from_slice(host_allocator(), TensorShape::new([values.len()]), values).unwrap();
        self.node(
            "Const",
            name,
            &[],
            &[],
            &[("dtype", AttrValue::Type(DType::Int32)), ("value", AttrValue::Tensor(t))],
        )
    }
}

pub fn tensor(dims: &[usize], values: &[f32]) -> Tensor {
    Tensor::from_slice(host_allocator(), TensorShape::new(dims), values).unwrap()
}

/// `((i·a) mod m − ⌊m/2⌋)·scale` for i in 0..n.
pub fn ramp(n: usize, a: usize, m: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|i| (((i * a) % m) as f32 - (m / 2) as f32) * scale).collect()
}

pub fn text(s: &str) -> AttrValue {
    AttrValue::String(s.to_owned())
}

pub fn ints(v: &[i64]) -> AttrValue {
    AttrValue::ListInt(v.to_vec())
}

/// Every rewrite on (the default) or off.
pub fn config(rewrites: bool) -> SessionConfig {
    if rewrites {
        return SessionConfig::default();
    }
    let graph_options = GraphOptions {
        optimizer_options: OptimizerOptions { opt_level: Some("L0".into()), ..Default::default() },
        rewrite_options: RewriterConfig {
            disable_meta_optimizer: Some(true),
            ..Default::default()
        },
    };
    SessionConfig { graph_options, ..SessionConfig::default() }
}

/// What one traced run gave.
pub struct Ran {
    pub values: Vec<Tensor>,
    pub stats: Vec<NodeExecStats>,
}

impl Ran {
    /// The op each executed node ran, by node name.
    pub fn op_of(&self, node: &str) -> Option<&str> {
        self.stats.iter().find(|s| s.node == node).map(|s| s.op.as_str())
    }

    pub fn ran(&self, node: &str) -> bool {
        self.op_of(node).is_some()
    }

    pub fn f32s(&self, i: usize) -> Vec<f32> {
        self.values[i].as_slice::<f32>().unwrap().to_vec()
    }
}

/// Runs `fetches` of `graph` feeding `feeds`, traced, with `config`.
pub fn run_with(
    graph: &Graph,
    config: &SessionConfig,
    feeds: &[(Endpoint, Tensor)],
    fetches: &[Endpoint],
    targets: &[NodeId],
) -> Ran {
    let session = open_session(Arc::new(RwLock::new(graph.clone())), config).unwrap();
    let options = RunOptions { trace: true, ..RunOptions::default() };
    let (values, meta) =
        session.run_with_options(feeds.to_vec(), fetches, targets, &options).unwrap();
    Ran { values, stats: meta.step_stats }
}

/// The run with rewrites and without; their outputs agree to `tolerance` (relative to the
/// larger of 1 and the value), and the rewritten one runs no more nodes.
pub fn both(
    graph: &Graph,
    feeds: &[(Endpoint, Tensor)],
    fetches: &[Endpoint],
    tolerance: f32,
) -> (Ran, Ran) {
    let on = run_with(graph, &config(true), feeds, fetches, &[]);
    let off = run_with(graph, &config(false), feeds, fetches, &[]);
    for (i, (a, b)) in on.values.iter().zip(&off.values).enumerate() {
        assert_eq!((a.dtype(), a.shape()), (b.dtype(), b.shape()), "fetch {i}");
        if a.dtype() != DType::Float32 {
            assert_eq!(a.as_bytes().unwrap(), b.as_bytes().unwrap(), "fetch {i}");
            continue;
        }
        let (a, b) = (a.as_slice::<f32>().unwrap(), b.as_slice::<f32>().unwrap());
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            let ok = (x - y).abs() <= tolerance * y.abs().max(1.0);
            assert!(ok, "fetch {i} element {j}: rewritten {x}, as written {y}");
        }
    }
    assert!(on.stats.len() <= off.stats.len(), "rewrites added nodes");
    (on, off)
}
