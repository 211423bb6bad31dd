//! Pattern pieces shared by the fusions: what follows a convolution or product (a per-channel
//! scale, a bias or batch normalisation, an activation), each accepted only where it is the
//! single reader of what it follows, so the intermediate values are not needed elsewhere.

use super::context::{Consumers, RunView};
use crate::{Endpoint, Graph, Node, NodeId};
use sessionflow_core::{AttrValue, DType, Tensor};

/// The node reading `id`'s only output, when it is the only reader and `id` is not fed,
/// fetched or targeted (so its value is needed nowhere else).
pub(super) fn sole_reader<'g>(
    graph: &'g Graph,
    consumers: &Consumers,
    run: &RunView,
    id: NodeId,
) -> Option<&'g Node> {
    if run.is_pinned(id) {
        return None;
    }
    let (reader, _) = consumers.only_consumer(id)?;
    let node = graph.node(reader).ok()?;
    let producer = graph.node(id).ok()?;
    (node.device == producer.device).then_some(node)
}

/// The other input of a two-input node that reads `x` as one of them.
pub(super) fn other_input(node: &Node, x: Endpoint) -> Option<Endpoint> {
    match node.inputs.as_slice() {
        [a, b] if *a == x => Some(*b),
        [a, b] if *b == x => Some(*a),
        _ => None,
    }
}

/// The value of `e` when its producer is a `Const`.
pub(super) fn const_value(graph: &Graph, e: Endpoint) -> Option<&Tensor> {
    let node = graph.node(e.node).ok()?;
    match (node.op(), node.attrs.get("value")) {
        ("Const", Some(AttrValue::Tensor(t))) => Some(t),
        _ => None,
    }
}

/// A string attr.
pub(super) fn string_attr<'n>(node: &'n Node, name: &str) -> Option<&'n str> {
    match node.attrs.get(name) {
        Some(AttrValue::String(s)) => Some(s),
        _ => None,
    }
}

/// Whether `e` is statically a vector of `channels` elements.
pub(super) fn is_channel_vector(graph: &Graph, e: Endpoint, channels: usize) -> bool {
    graph
        .node(e.node)
        .ok()
        .and_then(|n| n.output_shapes.get(e.index as usize))
        .is_some_and(|s| matches!(s.dims(), Some([Some(n)]) if *n == channels))
}

/// The per-channel values of a constant broadcast along the last axis: shape `[channels]` or
/// `[1, …, 1, channels]` of rank at most `rank`, f32 or f64.
pub(super) fn channel_constant(
    graph: &Graph,
    e: Endpoint,
    channels: usize,
    rank: usize,
) -> Option<Vec<f64>> {
    let t = const_value(graph, e)?;
    let dims = t.shape().dims();
    let (last, leading) = dims.split_last()?;
    if *last != channels || dims.len() > rank || leading.iter().any(|&d| d != 1) {
        return None;
    }
    match t.dtype() {
        DType::Float32 => Some(t.as_slice::<f32>().ok()?.iter().map(|&v| f64::from(v)).collect()),
        DType::Float64 => Some(t.as_slice::<f64>().ok()?.to_vec()),
        _ => None,
    }
}

/// How the output of a convolution or product is shifted per channel.
pub(super) enum Affine {
    /// `BiasAdd(x, bias)` or `Add(x, bias)` with a channel vector.
    Bias(Endpoint),
    /// Inference `FusedBatchNorm*(x, scale, offset, mean, variance)`.
    BatchNorm([Endpoint; 4], f32),
}

impl Affine {
    pub(super) fn fused_op(&self) -> &'static str {
        match self {
            Affine::Bias(_) => "BiasAdd",
            Affine::BatchNorm(..) => "FusedBatchNorm",
        }
    }

    pub(super) fn args(&self) -> Vec<Endpoint> {
        match self {
            Affine::Bias(b) => vec![*b],
            Affine::BatchNorm(args, _) => args.to_vec(),
        }
    }

    pub(super) fn epsilon(&self) -> Option<f32> {
        match self {
            Affine::Bias(_) => None,
            Affine::BatchNorm(_, e) => Some(*e),
        }
    }
}

/// `node` as a per-channel shift of `x` (whose last dimension has `channels` elements and whose
/// dtype is `dtype`), if it is one; batch normalisation only where `batch_norm` allows it.
pub(super) fn affine(
    graph: &Graph,
    consumers: &Consumers,
    node: &Node,
    x: Endpoint,
    channels: usize,
    dtype: DType,
    batch_norm: bool,
) -> Option<Affine> {
    match node.op() {
        "BiasAdd" if node.inputs[0] == x && string_attr(node, "data_format") == Some("NHWC") => {
            Some(Affine::Bias(node.inputs[1]))
        }
        "Add" | "AddV2" => {
            let bias = other_input(node, x)?;
            let same_type = graph.node(bias.node).ok()?.output_types[bias.index as usize] == dtype;
            (same_type && is_channel_vector(graph, bias, channels)).then_some(Affine::Bias(bias))
        }
        "FusedBatchNorm" | "FusedBatchNormV2" | "FusedBatchNormV3" if batch_norm => {
            let inference = matches!(node.attrs.get("is_training"), Some(AttrValue::Bool(false)));
            let only_y = consumers.data[node.id.index()].iter().all(|(reader, slot)| {
                graph.node(*reader).is_ok_and(|r| r.inputs[*slot].index == 0)
            });
            let f32_stats = node.input_types.iter().all(|&t| t == DType::Float32);
            let epsilon = match node.attrs.get("epsilon") {
                Some(AttrValue::Float(e)) => *e,
                _ => return None,
            };
            let nhwc = string_attr(node, "data_format") == Some("NHWC");
            let args = [node.inputs[1], node.inputs[2], node.inputs[3], node.inputs[4]];
            let vectors = args.iter().all(|&a| is_channel_vector(graph, a, channels));
            (node.inputs[0] == x && inference && only_y && f32_stats && nhwc && vectors)
                .then_some(Affine::BatchNorm(args, epsilon))
        }
        _ => None,
    }
}

/// The fused name of an activation node and its `leakyrelu_alpha`, if `node` is one of
/// `allowed`.
pub(super) fn activation(node: &Node, allowed: &[&str]) -> Option<(String, Option<f32>)> {
    if !allowed.contains(&node.op()) {
        return None;
    }
    let alpha = match node.attrs.get("alpha") {
        Some(AttrValue::Float(a)) if node.op() == "LeakyRelu" => Some(*a),
        _ => None,
    };
    Some((node.op().to_owned(), alpha))
}

/// The control inputs of all of `nodes`, each once: a fused node waits for what any of the
/// nodes it replaces waited for.
pub(super) fn union_of_controls(nodes: &[&Node]) -> Vec<NodeId> {
    let mut all: Vec<NodeId> =
        nodes.iter().flat_map(|n| n.control_inputs.iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    all
}
