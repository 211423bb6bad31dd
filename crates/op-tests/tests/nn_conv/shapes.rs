//! Static shapes with unknown dimensions.

use super::*;

/// The static output shapes (GraphDef convention, `None` for unknown rank) of one `op` node
/// whose inputs are placeholders of these dtypes and partial shapes (`None`: unknown rank).
fn inferred(
    op: &str,
    inputs: &[(DType, Option<&[i64]>)],
    attrs: &[(&str, AttrValue)],
) -> Result<Vec<Option<Vec<i64>>>, Status> {
    let mut g = Graph::new();
    let mut endpoints = Vec::new();
    for (i, (dtype, shape)) in inputs.iter().enumerate() {
        let mut a = AttrMap::new();
        a.insert("dtype".into(), AttrValue::Type(*dtype));
        if let Some(s) = shape {
            a.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(s)?));
        }
        let spec = NodeSpec {
            op: "Placeholder".into(),
            name: format!("in{i}"),
            attrs: a,
            ..Default::default()
        };
        endpoints.push(Endpoint::new(g.add_node(spec)?, 0));
    }
    let attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let spec = NodeSpec {
        op: op.into(),
        name: "op".into(),
        inputs: endpoints,
        attrs,
        ..Default::default()
    };
    let id = g.add_node(spec)?;
    Ok(g.node(id)?.output_shapes.iter().map(PartialShape::to_i64).collect())
}

fn ints(v: &[i64]) -> AttrValue {
    AttrValue::ListInt(v.to_vec())
}

fn text(s: &str) -> AttrValue {
    AttrValue::String(s.into())
}

#[test]
fn conv_shapes_propagate_unknown_dimensions() {
    let f32 = DType::Float32;
    let conv_attrs = |padding: &str, format: &str| {
        vec![
            ("strides", ints(&[1, 2, 2, 1])),
            ("padding", text(padding)),
            ("data_format", text(format)),
        ]
    };
    let shapes = |x: Option<&[i64]>, f: Option<&[i64]>, padding: &str| {
        inferred("Conv2D", &[(f32, x), (f32, f)], &conv_attrs(padding, "NHWC")).unwrap()[0].clone()
    };
    assert_eq!(shapes(Some(&[-1, 5, 5, 3]), Some(&[3, 3, 3, 8]), "SAME"), Some(vec![-1, 3, 3, 8]));
    assert_eq!(shapes(Some(&[2, 6, -1, 3]), Some(&[3, 3, 3, 8]), "VALID"), Some(vec![2, 2, -1, 8]));
    // SAME needs no window size; VALID does.
    assert_eq!(shapes(Some(&[2, 6, 7, 3]), Some(&[-1, -1, 3, 8]), "SAME"), Some(vec![2, 3, 4, 8]));
    assert_eq!(shapes(Some(&[2, 6, 7, 3]), Some(&[-1, 3, 3, 8]), "VALID"), Some(vec![2, -1, 3, 8]));
    assert_eq!(shapes(None, Some(&[3, 3, 3, 8]), "SAME"), Some(vec![-1, -1, -1, 8]));
    assert_eq!(shapes(None, None, "SAME"), Some(vec![-1; 4]));
    let nchw = inferred(
        "Conv2D",
        &[(f32, Some(&[1, 3, 9, 8])), (f32, Some(&[3, 3, 3, 4]))],
        &[
            ("strides", ints(&[1, 1, 2, 2])),
            ("padding", text("VALID")),
            ("data_format", text("NCHW")),
        ],
    )
    .unwrap();
    assert_eq!(nchw[0], Some(vec![1, 4, 4, 3]));
    let dw = inferred(
        "DepthwiseConv2dNative",
        &[(f32, Some(&[1, -1, 8, 3])), (f32, Some(&[2, 2, -1, 2]))],
        &conv_attrs("SAME", "NHWC"),
    )
    .unwrap();
    assert_eq!(dw[0], Some(vec![1, -1, 4, 6]));
    let err = inferred(
        "Conv2D",
        &[(f32, Some(&[1, 4, 4, 4])), (f32, Some(&[2, 2, 3, 1]))],
        &conv_attrs("SAME", "NHWC"),
    )
    .unwrap_err();
    assert!(
        err.message.contains("Depth of input (4) is not a multiple of input depth of filter (3)"),
        "{err}"
    );
}

#[test]
fn pool_and_batch_norm_shapes_propagate_unknown_dimensions() {
    let f32 = DType::Float32;
    let pool_attrs = [
        ("ksize", ints(&[1, 1, 3, 3])),
        ("strides", ints(&[1, 1, 2, 2])),
        ("padding", text("SAME")),
        ("data_format", text("NCHW")),
    ];
    let out = inferred("MaxPool", &[(f32, Some(&[-1, 4, 7, -1]))], &pool_attrs).unwrap();
    assert_eq!(out[0], Some(vec![-1, 4, 4, -1]));
    let out = inferred("AvgPool", &[(f32, None)], &pool_attrs).unwrap();
    assert_eq!(out[0], Some(vec![-1; 4]));
    let v = |s: &'static [i64]| (f32, Some(s));
    let out = inferred(
        "FusedBatchNormV3",
        &[v(&[2, -1, 4, 4]), v(&[-1]), v(&[3]), v(&[0]), v(&[0])],
        &[("data_format", text("NCHW"))],
    )
    .unwrap();
    assert_eq!(
        out,
        [Some(vec![2, 3, 4, 4]), Some(vec![3]), Some(vec![3]), Some(vec![3]), Some(vec![3]), None]
    );
    let out = inferred(
        "FusedBatchNormV3",
        &[(f32, None), v(&[5]), v(&[-1]), v(&[-1]), v(&[-1])],
        &[("is_training", AttrValue::Bool(false))],
    )
    .unwrap();
    assert_eq!(out[0], Some(vec![-1, -1, -1, 5]));
    let err = inferred(
        "FusedBatchNormV3",
        &[v(&[2, 4, 4, 3]), v(&[3]), v(&[3]), v(&[2]), v(&[3])],
        &[("is_training", AttrValue::Bool(false))],
    )
    .unwrap_err();
    assert!(err.message.contains("Dimensions must be equal, but are 3 and 2"), "{err}");
}
