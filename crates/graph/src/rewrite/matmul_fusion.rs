//! Product fusion (grappler's remapper): `MatMul`, then `BiasAdd` or `Add` of a vector as long
//! as a product row, then optionally `Relu`, `Relu6`, `Elu`, `LeakyRelu`, `Tanh` or `Sigmoid`,
//! become one `_FusedMatMul`.

use super::context::requests_cpu;
use super::context::{Consumers, RunView};
use super::fusion_patterns::{Affine, activation, affine, sole_reader, union_of_controls};
use crate::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow_core::{AttrMap, AttrValue, DType};

const ACTIVATIONS: [&str; 6] = ["Relu", "Relu6", "Elu", "LeakyRelu", "Tanh", "Sigmoid"];

/// Fuses the run's products with the bias and activation after them; whether anything changed.
pub(super) fn fuse_products(graph: &mut Graph, run: &RunView) -> bool {
    let needed = run.needed(graph);
    let consumers = Consumers::of(graph, &needed);
    let products: Vec<NodeId> = graph
        .nodes()
        .iter()
        .filter(|n| needed[n.id.index()] && n.op() == "MatMul")
        .map(|n| n.id)
        .collect();
    let mut changed = false;
    for id in products {
        if let Some(replacement) = pattern(graph, &consumers, run, id) {
            changed |= graph.replace_nodes(vec![replacement]).is_ok();
        }
    }
    changed
}

fn pattern(
    graph: &Graph,
    consumers: &Consumers,
    run: &RunView,
    id: NodeId,
) -> Option<(NodeId, NodeSpec)> {
    let product = graph.node(id).ok()?;
    if !requests_cpu(product) {
        return None;
    }
    let dtype = product.output_types[0];
    if !matches!(dtype, DType::Float32 | DType::Float16 | DType::BFloat16) {
        return None;
    }
    let columns = product.output_shapes[0].dims().and_then(|d| d.get(1).copied().flatten())?;
    let x = Endpoint::new(id, 0);
    let bias_node = sole_reader(graph, consumers, run, id)?;
    let Affine::Bias(bias) = affine(graph, consumers, bias_node, x, columns, dtype, false)? else {
        return None;
    };
    let mut chain = vec![product, bias_node];
    let mut act = None;
    if let Some(n) = sole_reader(graph, consumers, run, bias_node.id)
        && let Some(a) = activation(n, &ACTIVATIONS)
    {
        chain.push(n);
        act = Some(a);
    }
    let last = *chain.last()?;
    let mut attrs: AttrMap = ["T", "transpose_a", "transpose_b"]
        .iter()
        .filter_map(|&k| Some((k.to_owned(), product.attrs.get(k)?.clone())))
        .collect();
    let mut ops = vec!["BiasAdd".to_owned()];
    if let Some((name, alpha)) = act {
        ops.push(name);
        if let Some(alpha) = alpha {
            attrs.insert("leakyrelu_alpha".into(), AttrValue::Float(alpha));
        }
    }
    attrs.insert("fused_ops".into(), AttrValue::ListString(ops));
    attrs.insert("num_args".into(), AttrValue::Int(1));
    let spec = NodeSpec {
        op: "_FusedMatMul".into(),
        name: last.name.clone(),
        inputs: vec![product.inputs[0], product.inputs[1], bias],
        control_inputs: union_of_controls(&chain),
        attrs,
        device: last.device.clone(),
    };
    Some((last.id, spec))
}
