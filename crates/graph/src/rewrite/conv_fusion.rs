//! Convolution fusion (grappler's remapper, plus folding a per-channel scale into the filter as
//! its arithmetic optimizer does): `Conv2D` or `DepthwiseConv2dNative`, then optionally `Mul`
//! by a per-channel constant (folded into a constant filter), then `BiasAdd`/`Add` of a channel
//! vector or an inference `FusedBatchNorm`, then optionally `Relu`, `Relu6`, `Elu` or
//! `LeakyRelu`, become one `_FusedConv2D` or `_FusedDepthwiseConv2dNative` whose kernel applies
//! the bias and activation while each output block is in cache. Keras' batch normalisation in
//! a frozen graph (`x·a + b` with constant `a`, `b`) fuses this way, and a zero `Pad` before
//! the convolution becomes its explicit padding.

use super::context::{Consumers, RunView, requests_cpu, spec_of};
use super::fusion_patterns::{
    Affine, activation, affine, channel_constant, const_value, other_input, sole_reader,
    string_attr, union_of_controls,
};
use super::pad_folding::folded_pad;
use crate::{Endpoint, Graph, Node, NodeId, NodeSpec};
use sessionflow_core::{Allocator, AttrMap, AttrValue, DType, Tensor};
use std::sync::Arc;

const ACTIVATIONS: [&str; 4] = ["Relu", "Relu6", "Elu", "LeakyRelu"];

/// Fuses the run's convolutions with what follows them; whether anything changed.
pub(super) fn fuse_convolutions(
    graph: &mut Graph,
    run: &RunView,
    allocator: Option<&Arc<dyn Allocator>>,
) -> bool {
    let needed = run.needed(graph);
    let consumers = Consumers::of(graph, &needed);
    let bases: Vec<NodeId> = graph
        .nodes()
        .iter()
        .filter(|n| needed[n.id.index()])
        .filter(|n| n.op() == "Conv2D" || n.op() == "DepthwiseConv2dNative")
        .map(|n| n.id)
        .collect();
    let mut changed = false;
    for base in bases {
        // Each pattern is its own batch: one that fails to build leaves the others.
        if let Some(batch) = pattern(graph, &consumers, run, base, allocator) {
            changed |= graph.replace_nodes(batch).is_ok();
        }
    }
    changed
}

/// The replacements fusing the chain that starts at convolution `base`, if any.
fn pattern(
    graph: &Graph,
    consumers: &Consumers,
    run: &RunView,
    base: NodeId,
    allocator: Option<&Arc<dyn Allocator>>,
) -> Option<Vec<(NodeId, NodeSpec)>> {
    let conv = graph.node(base).ok()?;
    if !requests_cpu(conv) {
        return None;
    }
    let depthwise = conv.op() == "DepthwiseConv2dNative";
    let dtype = conv.output_types[0];
    let fusable_type = if depthwise {
        matches!(dtype, DType::Float16 | DType::BFloat16 | DType::Float32 | DType::Float64)
    } else {
        matches!(dtype, DType::Float16 | DType::Float32 | DType::Float64)
    };
    if !fusable_type || string_attr(conv, "data_format") != Some("NHWC") {
        return None;
    }
    let channels = conv.output_shapes[0].dims().and_then(|d| d.get(3).copied().flatten())?;
    let pad = folded_pad(graph, consumers, run, conv);
    // The convolution as it will be written: its input and padding attrs, maybe the pad's.
    let mut base_spec = spec_of(conv);
    if let Some(p) = &pad {
        base_spec.inputs[0] = p.input;
        base_spec.attrs.insert("padding".into(), AttrValue::String("EXPLICIT".into()));
        base_spec
            .attrs
            .insert("explicit_paddings".into(), AttrValue::ListInt(p.explicit_paddings.clone()));
    }
    let mut chain: Vec<&Node> = pad.iter().map(|p| p.node).collect();
    chain.push(conv);
    let mut x = Endpoint::new(base, 0);
    let mut next = sole_reader(graph, consumers, run, base);

    // A constant per-channel scale folds into a constant filter.
    let mut scaled_filter: Option<(NodeId, NodeSpec)> = None;
    if let Some(mul) = next.filter(|n| n.op() == "Mul")
        && let Some(scale) =
            other_input(mul, x).and_then(|s| channel_constant(graph, s, channels, 4))
        && let Some(filter) = folded_filter(graph, consumers, run, conv, &scale, allocator)
        && matches!(dtype, DType::Float32 | DType::Float64)
    {
        scaled_filter = Some(filter);
        chain.push(mul);
        x = Endpoint::new(mul.id, 0);
        next = sole_reader(graph, consumers, run, mul.id);
    }
    let shift = next.and_then(|n| {
        let a = affine(graph, consumers, n, x, channels, dtype, dtype == DType::Float32)?;
        Some((n, a))
    });
    let Some((shift_node, shift)) = shift else {
        // No bias to fuse: the last node becomes the plain convolution, reading through the
        // pad and by the scaled filter where those folded.
        if scaled_filter.is_none() && pad.is_none() {
            return None;
        }
        let last = *chain.last()?;
        let mut spec = base_spec;
        spec.control_inputs = union_of_controls(&chain);
        spec.device = last.device.clone();
        let mut batch: Vec<(NodeId, NodeSpec)> = scaled_filter.into_iter().collect();
        batch.push((last.id, spec));
        return Some(batch);
    };
    chain.push(shift_node);
    let mut act = None;
    if let Some(n) = sole_reader(graph, consumers, run, shift_node.id)
        && let Some(a) = activation(n, &ACTIVATIONS)
    {
        chain.push(n);
        act = Some(a);
    }
    let last = *chain.last()?;
    // Intermediate nodes are unpinned (sole_reader checked); the last node keeps its name and
    // value, but a pinned multi-output node (batch normalisation) keeps its op.
    if run.is_pinned(last.id) && last.num_outputs() != 1 {
        return None;
    }
    let mut spec = fused_spec(&base_spec.attrs, &shift, act, depthwise);
    spec.inputs = vec![base_spec.inputs[0], conv.inputs[1]];
    spec.inputs.extend(shift.args());
    spec.control_inputs = union_of_controls(&chain);
    spec.name = last.name.clone();
    spec.device = last.device.clone();
    let mut batch: Vec<(NodeId, NodeSpec)> = scaled_filter.into_iter().collect();
    batch.push((last.id, spec));
    Some(batch)
}

/// The fused node's op and attrs (inputs set by the caller).
fn fused_spec(
    conv_attrs: &AttrMap,
    shift: &Affine,
    act: Option<(String, Option<f32>)>,
    depthwise: bool,
) -> NodeSpec {
    let copied: &[&str] = if depthwise {
        &["T", "strides", "padding", "explicit_paddings", "data_format", "dilations"]
    } else {
        &[
            "T",
            "strides",
            "padding",
            "explicit_paddings",
            "data_format",
            "dilations",
            "use_cudnn_on_gpu",
        ]
    };
    let mut attrs: AttrMap =
        copied.iter().filter_map(|&k| Some((k.to_owned(), conv_attrs.get(k)?.clone()))).collect();
    let mut ops = vec![shift.fused_op().to_owned()];
    if let Some((name, alpha)) = &act {
        ops.push(name.clone());
        if let Some(alpha) = alpha {
            attrs.insert("leakyrelu_alpha".into(), AttrValue::Float(*alpha));
        }
    }
    attrs.insert("fused_ops".into(), AttrValue::ListString(ops));
    attrs.insert("num_args".into(), AttrValue::Int(shift.args().len() as i64));
    if let Some(epsilon) = shift.epsilon() {
        attrs.insert("epsilon".into(), AttrValue::Float(epsilon));
    }
    let op = if depthwise { "_FusedDepthwiseConv2dNative" } else { "_FusedConv2D" };
    NodeSpec { op: op.into(), attrs, ..NodeSpec::default() }
}

/// The convolution's constant filter multiplied by `scale` per output channel, replacing the
/// filter's own `Const` node (which nothing else may read). Output channel `o` is the filter's
/// last axis for `Conv2D` (`[KH, KW, C, O]`) and the last two flattened (`c·M + m`) for the
/// depthwise convolution, so in both it is the flat index modulo the channel count.
fn folded_filter(
    graph: &Graph,
    consumers: &Consumers,
    run: &RunView,
    conv: &Node,
    scale: &[f64],
    allocator: Option<&Arc<dyn Allocator>>,
) -> Option<(NodeId, NodeSpec)> {
    let allocator = allocator?;
    let e = conv.inputs[1];
    let filter = const_value(graph, e)?;
    // Control edges from the constant (a frozen graph's NoOp waits on every variable read)
    // only order; no one else may read its value.
    if run.is_pinned(e.node) || consumers.data[e.node.index()] != [(conv.id, 1)] {
        return None;
    }
    let n = scale.len();
    let scaled = match filter.dtype() {
        DType::Float32 => {
            let v: Vec<f32> = filter
                .as_slice::<f32>()
                .ok()?
                .iter()
                .enumerate()
                .map(|(i, &w)| w * scale[i % n] as f32)
                .collect();
            Tensor::from_slice(allocator, filter.shape().clone(), &v).ok()?
        }
        DType::Float64 => {
            let v: Vec<f64> = filter
                .as_slice::<f64>()
                .ok()?
                .iter()
                .enumerate()
                .map(|(i, &w)| w * scale[i % n])
                .collect();
            Tensor::from_slice(allocator, filter.shape().clone(), &v).ok()?
        }
        _ => return None,
    };
    let mut spec = spec_of(graph.node(e.node).ok()?);
    spec.attrs.insert("value".into(), AttrValue::Tensor(scaled));
    Some((e.node, spec))
}
