use crate::attr_value::AttrValueJs;
use crate::status::guard;
use napi_derive::napi;
use sessionflow::core::{AttrMap, PartialShape, Status};
use sessionflow::graph::{
    Endpoint, GradientRequest, Graph, Node, NodeId, NodeSpec as EngineNodeSpec, add_gradients,
};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// One output of one node.
#[napi(object, js_name = "Endpoint")]
pub struct EndpointJs {
    pub node: u32,
    pub index: u32,
}

impl From<&EndpointJs> for Endpoint {
    fn from(e: &EndpointJs) -> Self {
        Endpoint::new(NodeId(e.node), e.index)
    }
}

/// A node to add.
#[napi(object)]
pub struct NodeSpec {
    pub op: String,
    pub name: String,
    pub inputs: Vec<EndpointJs>,
    pub control_inputs: Option<Vec<u32>>,
    pub attrs: Option<HashMap<String, AttrValueJs>>,
    pub device: Option<String>,
}

/// What `tf.gradients` asks of the engine (see `sessionflow::graph::GradientRequest`).
#[napi(object)]
pub struct GradientsSpec {
    pub ys: Vec<EndpointJs>,
    pub xs: Vec<EndpointJs>,
    /// One per y, `null` for ones; absent for all ones.
    pub grad_ys: Option<Vec<Option<EndpointJs>>>,
    pub stop_gradients: Option<Vec<EndpointJs>>,
    /// The name scope of the new nodes, already inside the caller's scope.
    pub name: String,
}

/// The static dtype and shape of one output; `shape` is absent for unknown rank.
#[napi(object)]
pub struct OutputInfo {
    pub dtype: String,
    pub shape: Option<Vec<i64>>,
}

/// What JS learns about a node once added.
#[napi(object)]
pub struct NodeInfo {
    pub id: u32,
    pub name: String,
    pub op: String,
    pub device: String,
    pub inputs: Vec<EndpointJs>,
    pub control_inputs: Vec<u32>,
    pub outputs: Vec<OutputInfo>,
}

impl From<&Node> for NodeInfo {
    fn from(n: &Node) -> Self {
        NodeInfo {
            id: n.id.0,
            name: n.name.clone(),
            op: n.op().to_owned(),
            device: n.device.clone(),
            inputs: n
                .inputs
                .iter()
                .map(|e| EndpointJs { node: e.node.0, index: e.index })
                .collect(),
            control_inputs: n.control_inputs.iter().map(|c| c.0).collect(),
            outputs: n
                .output_types
                .iter()
                .zip(&n.output_shapes)
                .map(|(t, s)| OutputInfo { dtype: t.name().to_owned(), shape: s.to_i64() })
                .collect(),
        }
    }
}

/// A graph under construction, shared with the sessions that run it.
#[napi]
pub struct NativeGraph {
    inner: Arc<RwLock<Graph>>,
}

impl NativeGraph {
    /// The shared engine graph.
    pub fn shared(&self) -> Arc<RwLock<Graph>> {
        Arc::clone(&self.inner)
    }

    // The graph is only mutated by add_node/add_gradients/import/finalize, which leave it
    // consistent even if a panic interrupts them (each node is pushed whole; an import swaps
    // in a finished copy), so a poisoned lock is safe to use.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Graph> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Graph> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[napi]
impl NativeGraph {
    /// An empty graph.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeGraph { inner: Arc::new(RwLock::new(Graph::new())) }
    }

    /// Validates and adds a node; its name is made unique (`a`, `a_1`, …).
    #[napi]
    pub fn add_node(&self, spec: NodeSpec) -> napi::Result<NodeInfo> {
        guard(|| {
            let mut attrs = AttrMap::new();
            for (name, value) in spec.attrs.iter().flatten() {
                attrs.insert(name.clone(), value.to_attr(name)?);
            }
            let engine_spec = EngineNodeSpec {
                op: spec.op,
                name: spec.name,
                inputs: spec.inputs.iter().map(Endpoint::from).collect(),
                control_inputs: spec
                    .control_inputs
                    .unwrap_or_default()
                    .into_iter()
                    .map(NodeId)
                    .collect(),
                attrs,
                device: spec.device.unwrap_or_default(),
            };
            let mut graph = self.write();
            let id = graph.add_node(engine_spec)?;
            Ok(NodeInfo::from(graph.node(id)?))
        })
    }

    /// Adds the gradient nodes of `spec.ys` with respect to `spec.xs` (TF's `tf.gradients`) and
    /// returns each x's gradient, `null` where no y depends on it. Fails without changing the
    /// graph.
    #[napi]
    pub fn add_gradients(&self, spec: GradientsSpec) -> napi::Result<Vec<Option<EndpointJs>>> {
        guard(|| {
            let endpoints = |v: &[EndpointJs]| v.iter().map(Endpoint::from).collect::<Vec<_>>();
            let (ys, xs) = (endpoints(&spec.ys), endpoints(&spec.xs));
            let stop = endpoints(spec.stop_gradients.as_deref().unwrap_or_default());
            let grad_ys: Vec<Option<Endpoint>> =
                spec.grad_ys.iter().flatten().map(|g| g.as_ref().map(Endpoint::from)).collect();
            let request = GradientRequest {
                ys: &ys,
                xs: &xs,
                grad_ys: &grad_ys,
                stop_gradients: &stop,
                name: &spec.name,
                allocator: sessionflow::host_allocator(),
            };
            let grads = add_gradients(&mut self.write(), &request)?;
            Ok(grads
                .into_iter()
                .map(|g| g.map(|e| EndpointJs { node: e.node.0, index: e.index }))
                .collect())
        })
    }

    /// TensorFlow's `unique_name`: `name`, or `name_1`, `name_2`, … if taken; claimed when
    /// `markAsUsed` (as name scopes do).
    #[napi]
    pub fn unique_name(&self, name: String, mark_as_used: bool) -> napi::Result<String> {
        guard(|| Ok(self.write().unique_name(&name, mark_as_used)))
    }

    /// The node with this exact name, or null.
    #[napi]
    pub fn node_by_name(&self, name: String) -> napi::Result<Option<NodeInfo>> {
        guard(|| Ok(self.read().node_by_name(&name).map(NodeInfo::from)))
    }

    /// The node with this id.
    #[napi]
    pub fn node(&self, id: u32) -> napi::Result<NodeInfo> {
        guard(|| Ok(NodeInfo::from(self.read().node(NodeId(id))?)))
    }

    /// Number of nodes.
    #[napi]
    pub fn num_nodes(&self) -> napi::Result<u32> {
        guard(|| {
            u32::try_from(self.read().num_nodes())
                .map_err(|_| Status::out_of_range("graph has more than 2^32 nodes"))
        })
    }

    /// Makes the graph read-only.
    #[napi]
    pub fn finalize(&self) -> napi::Result<()> {
        guard(|| {
            self.write().finalize();
            Ok(())
        })
    }

    /// Whether the graph is read-only.
    #[napi]
    pub fn is_finalized(&self) -> napi::Result<bool> {
        guard(|| Ok(self.read().is_finalized()))
    }

    /// Closes a while loop: input `index` of the Merge `merge` (a stand-in) becomes `source`, a
    /// NextIteration output. See `Graph::set_back_edge`.
    #[napi]
    pub fn set_back_edge(&self, merge: u32, index: u32, source: EndpointJs) -> napi::Result<()> {
        guard(|| self.write().set_back_edge(NodeId(merge), index as usize, Endpoint::from(&source)))
    }

    /// Narrows the static shape of an output nothing consumes yet (TF's `Tensor.set_shape`);
    /// `shape` absent for unknown rank, -1 for an unknown dimension. Returns the node as it is now.
    #[napi]
    pub fn set_output_shape(
        &self,
        output: EndpointJs,
        shape: Option<Vec<i64>>,
    ) -> napi::Result<NodeInfo> {
        guard(|| {
            let shape = match shape {
                Some(dims) => PartialShape::from_i64(&dims)?,
                None => PartialShape::unknown(),
            };
            let mut graph = self.write();
            graph.set_output_shape(Endpoint::from(&output), &shape)?;
            Ok(NodeInfo::from(graph.node(NodeId(output.node))?))
        })
    }
}
