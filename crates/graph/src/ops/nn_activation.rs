//! Neural-network activations, softmax, losses and BiasAdd.

use crate::ops::array::unchanged_shape;
use crate::{InferenceContext, OpDef, OpRegistry, broadcast_partial_shapes, merge_dims};
use sessionflow_core::{AttrValue, DType, PartialShape, Result, Status};

const FLOATS: [DType; 4] = [DType::Float16, DType::BFloat16, DType::Float32, DType::Float64];

pub(super) fn register(r: &mut OpRegistry) {
    // TensorFlow's CPU Relu and Relu6 take every real type; the others only floats.
    for (op, types) in [
        ("Relu", &DType::NUMERIC[..]),
        ("Relu6", &DType::NUMERIC[..]),
        ("Elu", &FLOATS[..]),
        ("Selu", &FLOATS[..]),
        ("Softplus", &FLOATS[..]),
    ] {
        r.register(
            OpDef::new(op)
                .input("features: T")
                .output("activations: T")
                .type_attr("T", types)
                .shape(unchanged_shape),
        );
    }
    r.register(
        OpDef::new("LeakyRelu")
            .input("features: T")
            .output("activations: T")
            .attr("alpha: float = 0.2")
            .type_attr("T", &FLOATS)
            .default_type("T", DType::Float32)
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("Softmax")
            .input("logits: T")
            .output("softmax: T")
            .type_attr("T", &FLOATS)
            .shape(softmax_shape),
    );
    r.register(
        OpDef::new("LogSoftmax")
            .input("logits: T")
            .output("logsoftmax: T")
            .type_attr("T", &FLOATS)
            .shape(softmax_shape),
    );
    r.register(
        OpDef::new("BiasAdd")
            .input("value: T")
            .input("bias: T")
            .output("output: T")
            .type_attr("T", &DType::NUMERIC)
            .attr("data_format: string = 'NHWC'")
            .shape(bias_add_shape),
    );
    r.register(
        OpDef::new("SoftmaxCrossEntropyWithLogits")
            .input("features: T")
            .input("labels: T")
            .output("loss: T")
            .output("backprop: T")
            .type_attr("T", &FLOATS)
            .shape(softmax_cross_entropy_shape),
    );
    r.register(
        OpDef::new("SparseSoftmaxCrossEntropyWithLogits")
            .input("features: T")
            .input("labels: Tlabels")
            .output("loss: T")
            .output("backprop: T")
            .type_attr("T", &FLOATS)
            .attr("Tlabels: type = int64")
            .allow_types("Tlabels", &[DType::Int32, DType::Int64])
            .shape(sparse_softmax_cross_entropy_shape),
    );
    r.register(
        OpDef::new("L2Loss").input("t: T").output("output: T").type_attr("T", &FLOATS).shape(|c| {
            c.set_output(0, PartialShape::scalar());
            Ok(())
        }),
    );
}

fn softmax_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let shape = c.with_rank_at_least(0, 1)?.clone();
    c.set_output(0, shape);
    Ok(())
}

/// Whether BiasAdd's `data_format` is NCHW; InvalidArgument unless it is NHWC or NCHW.
pub(crate) fn bias_add_is_nchw(attr: Option<&AttrValue>) -> Result<bool> {
    match attr {
        Some(AttrValue::String(s)) if s == "NHWC" => Ok(false),
        Some(AttrValue::String(s)) if s == "NCHW" => Ok(true),
        Some(AttrValue::String(s)) => Err(Status::invalid_argument(format!(
            "Attr 'data_format' of 'BiasAdd' Op passed string '{s}' not in: \"NHWC\", \"NCHW\"."
        ))),
        _ => Err(Status::invalid_argument("BiasAdd requires a string attr 'data_format'")),
    }
}

/// TensorFlow's `BiasAddShape`: the value's shape, its channel dimension merged with the
/// bias length.
fn bias_add_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let nchw = bias_add_is_nchw(c.attrs.get("data_format"))?;
    let value = c.with_rank_at_least(0, if nchw { 3 } else { 2 })?.clone();
    let bias = c.with_rank(1, 1)?.dims().map(|d| d[0]);
    let Some(dims) = value.dims() else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let mut dims = dims.to_vec();
    let channel = if nchw { 1 } else { dims.len() - 1 };
    dims[channel] = merge_dims(dims[channel], bias.flatten())?;
    c.set_output(0, PartialShape::new(dims));
    Ok(())
}

/// TensorFlow's shape function for SoftmaxCrossEntropyWithLogits: features and labels of
/// one [batch, classes] shape, or broadcasting to one.
fn softmax_cross_entropy_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let (features, labels) = (c.input(0).clone(), c.input(1).clone());
    let features_is_matrix = features.rank().is_none_or(|r| r == 2);
    let merged = match (features.dims(), labels.dims()) {
        _ if !features_is_matrix => None,
        (None, None) => Some(PartialShape::unknown_of_rank(2)),
        (Some(d), None) | (None, Some(d)) if d.len() == 2 => Some(PartialShape::new(d.to_vec())),
        (Some(f), Some(l)) if l.len() == 2 => {
            let dims = [merge_dims(f[0], l[0]), merge_dims(f[1], l[1])];
            match dims {
                [Ok(b), Ok(n)] => Some(PartialShape::new(vec![b, n])),
                _ => None,
            }
        }
        _ => None,
    };
    let shape = match merged {
        Some(s) => s,
        None => {
            let s = broadcast_partial_shapes(&features, &labels)?;
            match s.rank() {
                Some(2) => s,
                Some(r) => {
                    return Err(Status::invalid_argument(format!(
                        "Shape must be broadcasted with rank 2, but is rank {r}"
                    )));
                }
                None => {
                    return Err(Status::invalid_argument(
                        "Shape must be broadcasted with rank 2, but is rank is unknown.",
                    ));
                }
            }
        }
    };
    let batch = shape.dims().and_then(|d| d[0]);
    c.set_output(0, PartialShape::new(vec![batch]));
    c.set_output(1, shape);
    Ok(())
}

/// Features [batch, classes] and labels [batch] give loss [batch] and backprop like features.
fn sparse_softmax_cross_entropy_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let features = c.with_rank(0, 2)?.clone();
    let labels = c.with_rank(1, 1)?.clone();
    let (fb, classes) = features.dims().map_or((None, None), |d| (d[0], d[1]));
    let batch = merge_dims(fb, labels.dims().and_then(|d| d[0]))?;
    c.set_output(0, PartialShape::new(vec![batch]));
    c.set_output(1, PartialShape::new(vec![batch, classes]));
    Ok(())
}
