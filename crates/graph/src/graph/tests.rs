use super::*;
use sessionflow_alloc::CpuAllocator;
use sessionflow_core::{Allocator, Code, Tensor, TensorShape};
use std::sync::Arc;

fn constant(g: &mut Graph, name: &str, dims: &[usize]) -> NodeId {
    let a: Arc<dyn Allocator> = Arc::new(CpuAllocator::default());
    let value = Tensor::zeros(&a, DType::Float32, TensorShape::new(dims)).unwrap();
    let mut attrs = AttrMap::new();
    attrs.insert("value".into(), AttrValue::Tensor(value));
    attrs.insert("dtype".into(), AttrValue::Type(DType::Float32));
    g.add_node(NodeSpec { op: "Const".into(), name: name.into(), attrs, ..Default::default() })
        .unwrap()
}

fn placeholder(g: &mut Graph, name: &str, dtype: DType, dims: &[i64]) -> NodeId {
    let mut attrs = AttrMap::new();
    attrs.insert("dtype".into(), AttrValue::Type(dtype));
    attrs.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(dims).unwrap()));
    g.add_node(NodeSpec {
        op: "Placeholder".into(),
        name: name.into(),
        attrs,
        ..Default::default()
    })
    .unwrap()
}

fn binary(g: &mut Graph, op: &str, name: &str, x: NodeId, y: NodeId) -> Result<NodeId> {
    g.add_node(NodeSpec {
        op: op.into(),
        name: name.into(),
        inputs: vec![Endpoint::new(x, 0), Endpoint::new(y, 0)],
        ..Default::default()
    })
}

#[test]
fn names_are_made_unique_like_tensorflow() {
    let mut g = Graph::new();
    let names: Vec<String> = ["a", "a", "a_1", "a", "A"]
        .iter()
        .map(|n| {
            let id = constant(&mut g, n, &[]);
            g.node(id).unwrap().name.clone()
        })
        .collect();
    // TF: a, a_1, then an explicit a_1 becomes a_1_1, then a_2; names collide case-insensitively.
    assert_eq!(names, ["a", "a_1", "a_1_1", "a_2", "A_3"]);
    assert_eq!(g.node_by_name("a_2").unwrap().id, NodeId(3));
}

#[test]
fn invalid_names_are_rejected() {
    let mut g = Graph::new();
    let err = g
        .add_node(NodeSpec { op: "NoOp".into(), name: "_bad".into(), ..Default::default() })
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert!(
        g.add_node(NodeSpec {
            op: "NoOp".into(),
            name: "scope/ok-1.x".into(),
            ..Default::default()
        })
        .is_ok()
    );
}

#[test]
fn type_attrs_are_inferred_and_checked() {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::Float32, &[-1, 3]);
    let y = placeholder(&mut g, "y", DType::Int32, &[3]);
    let z = constant(&mut g, "z", &[3]);
    let sum = binary(&mut g, "AddV2", "add", x, z).unwrap();
    let node = g.node(sum).unwrap();
    assert!(matches!(node.attrs.get("T"), Some(AttrValue::Type(DType::Float32))));
    assert_eq!(node.output_types, [DType::Float32]);
    assert_eq!(node.output_shapes[0].to_string(), "[?,3]");

    let err = binary(&mut g, "Mul", "mul", x, y).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert_eq!(
        err.message,
        "Input 'y' of 'Mul' Op has type int32 that does not match type float32 of argument 'x'."
    );
    assert_eq!(err.node.as_deref(), Some("mul"));
    assert!(g.node_by_name("mul").is_none(), "a failed add leaves no node and claims no name");
    assert_eq!(
        binary(&mut g, "Mul", "mul", x, z).map(|id| g.node(id).unwrap().name.clone()).unwrap(),
        "mul"
    );
}

#[test]
fn matmul_shape_errors_name_the_node_and_both_shapes() {
    let mut g = Graph::new();
    let a = constant(&mut g, "a", &[2, 3]);
    let b = constant(&mut g, "b", &[4, 5]);
    let err = binary(&mut g, "MatMul", "MatMul", a, b).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert_eq!(err.node.as_deref(), Some("MatMul"));
    assert_eq!(
        err.message,
        "Dimensions must be equal, but are 3 and 4 for 'MatMul' (op: 'MatMul') with input shapes: [2,3], [4,5]."
    );
    let c = constant(&mut g, "c", &[3, 5]);
    let ok = binary(&mut g, "MatMul", "MatMul", a, c).unwrap();
    assert_eq!(g.node(ok).unwrap().output_shapes[0].to_string(), "[2,5]");
}

#[test]
fn matmul_honours_transposes_and_ranks() {
    let mut g = Graph::new();
    let a = constant(&mut g, "a", &[3, 2]);
    let b = constant(&mut g, "b", &[5, 3]);
    let mut attrs = AttrMap::new();
    attrs.insert("transpose_a".into(), AttrValue::Bool(true));
    attrs.insert("transpose_b".into(), AttrValue::Bool(true));
    let id = g
        .add_node(NodeSpec {
            op: "MatMul".into(),
            name: "mm".into(),
            inputs: vec![Endpoint::new(a, 0), Endpoint::new(b, 0)],
            attrs,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(g.node(id).unwrap().output_shapes[0].to_string(), "[2,5]");
    let v = constant(&mut g, "v", &[3]);
    let err = binary(&mut g, "MatMul", "bad", a, v).unwrap_err();
    assert!(err.message.starts_with("Shape must be rank 2 but is rank 1"), "{}", err.message);
}

#[test]
fn unknown_ops_attrs_and_disallowed_types_are_errors() {
    let mut g = Graph::new();
    let err =
        g.add_node(NodeSpec { op: "Frobnicate".into(), name: "f".into(), ..Default::default() });
    assert_eq!(err.unwrap_err().code, Code::NotFound);

    let b = placeholder(&mut g, "b", DType::Bool, &[]);
    let err = binary(&mut g, "AddV2", "add", b, b).unwrap_err();
    assert!(err.message.contains("not in the list of allowed values"), "{}", err.message);

    let mut attrs = AttrMap::new();
    attrs.insert("colour".into(), AttrValue::Int(1));
    let err =
        g.add_node(NodeSpec { op: "NoOp".into(), name: "n".into(), attrs, ..Default::default() });
    assert_eq!(err.unwrap_err().code, Code::InvalidArgument);

    let err = g.add_node(NodeSpec {
        op: "Identity".into(),
        name: "i".into(),
        inputs: vec![Endpoint::new(b, 3)],
        ..Default::default()
    });
    assert_eq!(err.unwrap_err().code, Code::InvalidArgument);
}

#[test]
fn tensors_are_found_by_name() {
    let mut g = Graph::new();
    let a = constant(&mut g, "scope/a", &[]);
    assert_eq!(g.endpoint_by_name("scope/a:0").unwrap(), Endpoint::new(a, 0));
    assert_eq!(g.endpoint_by_name("scope/a").unwrap(), Endpoint::new(a, 0));
    assert_eq!(g.endpoint_by_name("scope/a:1").unwrap_err().code, Code::NotFound);
    assert_eq!(g.endpoint_by_name("nope:0").unwrap_err().code, Code::NotFound);
    assert_eq!(g.endpoint_by_name("scope/a:x").unwrap_err().code, Code::InvalidArgument);
}

#[test]
fn a_finalized_graph_refuses_nodes() {
    let mut g = Graph::new();
    g.finalize();
    let err = g.add_node(NodeSpec { op: "NoOp".into(), name: "n".into(), ..Default::default() });
    assert_eq!(err.unwrap_err().code, Code::FailedPrecondition);
}

#[test]
fn unique_names_for_scopes_follow_tensorflow() {
    let mut g = Graph::new();
    assert_eq!(g.unique_name("scope", true), "scope");
    assert_eq!(g.unique_name("scope", true), "scope_1");
    assert_eq!(g.unique_name("scope", false), "scope_2");
    assert_eq!(g.unique_name("scope", false), "scope_2", "peeking claims nothing");
    let id = constant(&mut g, "scope", &[]);
    assert_eq!(g.node(id).unwrap().name, "scope_2", "op names share the namespace");
}
