//! The backward walk's rules, checked on the structure of the graphs it builds (values are
//! checked against finite differences in `crates/op-tests/tests/gradients.rs`).

use super::*;
use crate::NodeSpec;
use sessionflow_alloc::CpuAllocator;
use sessionflow_core::{AttrMap, AttrValue, Code, DType, PartialShape, Status};
use std::sync::LazyLock;

static ALLOCATOR: LazyLock<Arc<dyn Allocator>> =
    LazyLock::new(|| Arc::new(CpuAllocator::default()));

fn placeholder(g: &mut Graph, name: &str, dtype: DType, dims: &[i64]) -> Endpoint {
    let mut attrs = AttrMap::new();
    attrs.insert("dtype".into(), AttrValue::Type(dtype));
    attrs.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(dims).unwrap()));
    let spec =
        NodeSpec { op: "Placeholder".into(), name: name.into(), attrs, ..Default::default() };
    Endpoint::new(g.add_node(spec).unwrap(), 0)
}

fn op(g: &mut Graph, op: &str, inputs: &[Endpoint], attrs: AttrMap, device: &str) -> Endpoint {
    let spec = NodeSpec {
        op: op.into(),
        name: op.into(),
        inputs: inputs.to_vec(),
        attrs,
        device: device.into(),
        ..Default::default()
    };
    Endpoint::new(g.add_node(spec).unwrap(), 0)
}

fn grads(g: &mut Graph, ys: &[Endpoint], xs: &[Endpoint]) -> Result<Vec<Option<Endpoint>>> {
    grads_with(g, ys, xs, &[])
}

fn grads_with(
    g: &mut Graph,
    ys: &[Endpoint],
    xs: &[Endpoint],
    grad_ys: &[Option<Endpoint>],
) -> Result<Vec<Option<Endpoint>>> {
    let request = GradientRequest {
        ys,
        xs,
        grad_ys,
        stop_gradients: &[],
        name: "gradients",
        allocator: &ALLOCATOR,
    };
    add_gradients(g, &request)
}

fn node(g: &Graph, e: Endpoint) -> &crate::Node {
    g.node(e.node).unwrap()
}

#[test]
fn gradients_of_several_paths_are_summed_with_add_n() {
    // y = x*x + x: x gets a gradient from each Mul input and from the AddV2.
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::Float32, &[2]);
    let sq = op(&mut g, "Mul", &[x, x], AttrMap::new(), "");
    let y = op(&mut g, "AddV2", &[sq, x], AttrMap::new(), "");
    let dx = grads(&mut g, &[y], &[x]).unwrap()[0].unwrap();
    let sum = node(&g, dx);
    assert_eq!(sum.op(), "AddN");
    assert_eq!(sum.name, "gradients/AddN");
    assert_eq!(sum.inputs.len(), 3);
    assert_eq!(sum.output_shapes[0], PartialShape::from_i64(&[2]).unwrap());
}

#[test]
fn unreachable_xs_get_none() {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::Float32, &[]);
    let unused = placeholder(&mut g, "unused", DType::Float32, &[]);
    let y = op(&mut g, "Neg", &[x], AttrMap::new(), "");
    let result = grads(&mut g, &[y], &[unused, x]).unwrap();
    assert!(result[0].is_none());
    assert!(result[1].is_some());
    // And a y that is not float-reachable from x at all: nothing is added but the scope.
    let before = g.num_nodes();
    assert_eq!(grads(&mut g, &[x], &[unused]).unwrap(), [None]);
    assert_eq!(g.num_nodes(), before);
}

#[test]
fn stop_gradient_and_integer_paths_block_gradients() {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::Float32, &[3]);
    let stopped = op(&mut g, "StopGradient", &[x], AttrMap::new(), "");
    let mut to_int = AttrMap::new();
    to_int.insert("DstT".into(), AttrValue::Type(DType::Int32));
    let as_int = op(&mut g, "Cast", &[x], to_int, "");
    let mut to_float = AttrMap::new();
    to_float.insert("DstT".into(), AttrValue::Type(DType::Float32));
    let back = op(&mut g, "Cast", &[as_int], to_float, "");
    let y = op(&mut g, "AddV2", &[stopped, back], AttrMap::new(), "");
    assert_eq!(grads(&mut g, &[y], &[x]).unwrap(), [None]);
    // An integer x gets no gradient even on a direct path.
    let xi = placeholder(&mut g, "xi", DType::Int32, &[3]);
    let yi = op(&mut g, "Neg", &[xi], AttrMap::new(), "");
    assert_eq!(grads(&mut g, &[yi], &[xi]).unwrap(), [None]);
}

#[test]
fn stop_gradients_hold_tensors_constant() {
    // y = a*b with b = 2a: d/da is b + 2a normally, just b with b held constant.
    let mut g = Graph::new();
    let a = placeholder(&mut g, "a", DType::Float64, &[]);
    let b = op(&mut g, "AddV2", &[a, a], AttrMap::new(), "");
    let y = op(&mut g, "Mul", &[a, b], AttrMap::new(), "");
    let request = GradientRequest {
        ys: &[y],
        xs: &[a, b],
        grad_ys: &[],
        stop_gradients: &[b],
        name: "gradients",
        allocator: &ALLOCATOR,
    };
    let result = add_gradients(&mut g, &request).unwrap();
    // a's gradient is Mul's gradient for input 0 alone (no AddN with the path through b).
    let da = node(&g, result[0].unwrap());
    assert_eq!(da.op(), "Mul");
    assert!(result[1].is_some());
}

#[test]
fn nodes_are_named_by_scope_and_placed_with_their_op() {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::Float32, &[2, 2]);
    let y = op(&mut g, "Mul", &[x, x], AttrMap::new(), "/device:CPU:0");
    grads(&mut g, &[y], &[x]).unwrap();
    let second = grads(&mut g, &[y], &[x]).unwrap()[0].unwrap();
    let first_mul = g.node_by_name("gradients/Mul_grad/Mul").unwrap();
    assert_eq!(first_mul.device, "/device:CPU:0");
    assert!(g.node_by_name("gradients/grad_ys_0").is_some());
    assert!(node(&g, second).name.starts_with("gradients_1/"), "{}", node(&g, second).name);
}

#[test]
fn grad_ys_must_match_ys() {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::Float32, &[2]);
    let y = op(&mut g, "Neg", &[x], AttrMap::new(), "");
    let wrong_type = placeholder(&mut g, "g64", DType::Float64, &[2]);
    let wrong_shape = placeholder(&mut g, "g3", DType::Float32, &[3]);
    let good = placeholder(&mut g, "g", DType::Float32, &[-1]);
    let before = g.num_nodes();
    let err = grads_with(&mut g, &[y], &[x], &[Some(wrong_type)]).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert!(err.message.contains("float64") && err.message.contains("float32"), "{err}");
    let err = grads_with(&mut g, &[y], &[x], &[Some(wrong_shape)]).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert!(err.message.contains("Incompatible shapes"), "{err}");
    let err = grads_with(&mut g, &[y], &[x], &[None, None]).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert_eq!(g.num_nodes(), before);
    // A given gradient replaces the ones: Neg's gradient negates it directly.
    let dx = grads_with(&mut g, &[y], &[x], &[Some(good)]).unwrap()[0].unwrap();
    assert_eq!(node(&g, dx).inputs, [good]);
}

/// The first op (by name) with no gradient registered: TF's LookupError case. The loop ops
/// (whose gradients wait for a gradient-loop builder) are left out, as the graph below is
/// built for an ordinary op.
fn op_without_gradient() -> Option<&'static str> {
    let registry = crate::OpRegistry::global();
    registry.op_names().into_iter().filter(|n| !["Enter", "Exit"].contains(n)).find(|name| {
        matches!(registry.get(name).map(|d| d.gradient), Ok(crate::Gradient::Undefined))
    })
}

#[test]
fn ops_without_a_gradient_fail_with_not_found_and_leave_the_graph_unchanged() {
    let Some(name) = op_without_gradient() else { return };
    assert_eq!(name, "FusedBatchNormGradV3", "update this test's graph for {name}");
    let mut g = Graph::new();
    let dy = placeholder(&mut g, "dy", DType::Float32, &[1, 2, 2, 3]);
    let x = placeholder(&mut g, "xx", DType::Float32, &[1, 2, 2, 3]);
    let v = placeholder(&mut g, "v", DType::Float32, &[3]);
    let spec = NodeSpec {
        op: name.into(),
        name: "bn_grad".into(),
        inputs: vec![dy, x, v, v, v, v],
        ..Default::default()
    };
    let bn = Endpoint::new(g.add_node(spec).unwrap(), 0);
    let y = op(&mut g, "Neg", &[bn], AttrMap::new(), "");
    let before = g.num_nodes();
    let err: Status = grads(&mut g, &[y], &[x]).unwrap_err();
    assert_eq!(err.code, Code::NotFound);
    assert_eq!(
        err.message,
        format!("No gradient defined for operation 'bn_grad' (op type: {name})")
    );
    assert_eq!(g.num_nodes(), before);
    assert!(g.node_by_name("gradients").is_none());
    assert_eq!(g.unique_name("gradients", false), "gradients");
}
