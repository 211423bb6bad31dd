//! Attribute values ⇄ `AttrValue` protos. Reading needs the attr's declared kind, because an
//! empty `list {}` does not say what it is a list of.

use crate::proto::attr_value::{ListValue, Value};
use crate::proto::{AttrValue as AttrProto, TensorShapeProto};
use crate::{dtype, tensor};
use sessionflow_core::{Allocator, AttrValue, PartialShape, Result, Status};
use sessionflow_graph::AttrKind;
use std::sync::Arc;

/// An attr value as TensorFlow writes it.
pub fn to_proto(v: &AttrValue) -> Result<AttrProto> {
    let value = match v {
        AttrValue::Int(i) => Value::I(*i),
        AttrValue::Float(f) => Value::F(*f),
        AttrValue::Bool(b) => Value::B(*b),
        AttrValue::String(s) => Value::S(s.as_bytes().to_vec()),
        AttrValue::Type(t) => Value::Type(dtype::to_proto(*t) as i32),
        AttrValue::Shape(s) => Value::Shape(shape_to_proto(s)),
        AttrValue::Tensor(t) => Value::Tensor(tensor::to_proto(t)?),
        AttrValue::ListInt(v) => Value::List(ListValue { i: v.clone(), ..ListValue::default() }),
        AttrValue::ListFloat(v) => Value::List(ListValue { f: v.clone(), ..ListValue::default() }),
        AttrValue::ListType(v) => Value::List(ListValue {
            r#type: v.iter().map(|&t| dtype::to_proto(t) as i32).collect(),
            ..ListValue::default()
        }),
        AttrValue::ListString(v) => Value::List(ListValue {
            s: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
            ..ListValue::default()
        }),
    };
    Ok(AttrProto { value: Some(value) })
}

/// A partial shape as a proto: `unknown_rank`, or dims with -1 for unknown sizes.
pub fn shape_to_proto(s: &PartialShape) -> TensorShapeProto {
    match s.to_i64() {
        None => TensorShapeProto { dim: Vec::new(), unknown_rank: true },
        Some(dims) => tensor::shape_proto(dims),
    }
}

/// A partial shape from a proto.
pub fn shape_from_proto(p: &TensorShapeProto) -> Result<PartialShape> {
    if p.unknown_rank {
        return Ok(PartialShape::unknown());
    }
    let dims: Vec<i64> = p.dim.iter().map(|d| d.size).collect();
    PartialShape::from_i64(&dims)
}

/// Reads an attr declared as `kind`; InvalidArgument naming the attr when the value is of
/// another kind.
pub fn from_proto(
    allocator: &Arc<dyn Allocator>,
    name: &str,
    kind: AttrKind,
    proto: &AttrProto,
) -> Result<AttrValue> {
    let mismatch = |found: &str| {
        Status::invalid_argument(format!(
            "attr '{name}' should be {}, but the GraphDef has {found}",
            kind_name(kind)
        ))
    };
    let Some(value) = &proto.value else {
        return Err(mismatch("no value"));
    };
    Ok(match (kind, value) {
        (AttrKind::Int, Value::I(i)) => AttrValue::Int(*i),
        (AttrKind::Float, Value::F(f)) => AttrValue::Float(*f),
        (AttrKind::Bool, Value::B(b)) => AttrValue::Bool(*b),
        (AttrKind::String, Value::S(s)) => AttrValue::String(
            String::from_utf8(s.clone())
                .map_err(|_| Status::unimplemented(format!("attr '{name}' is not UTF-8 text")))?,
        ),
        (AttrKind::Type, Value::Type(t)) => AttrValue::Type(dtype::from_proto(*t)?),
        (AttrKind::Shape, Value::Shape(s)) => AttrValue::Shape(shape_from_proto(s)?),
        (AttrKind::Tensor, Value::Tensor(t)) => {
            AttrValue::Tensor(tensor::from_proto(allocator, t)?)
        }
        (AttrKind::ListInt, Value::List(l)) => AttrValue::ListInt(l.i.clone()),
        (AttrKind::ListFloat, Value::List(l)) => AttrValue::ListFloat(l.f.clone()),
        (AttrKind::ListType, Value::List(l)) => AttrValue::ListType(
            l.r#type.iter().map(|&t| dtype::from_proto(t)).collect::<Result<_>>()?,
        ),
        (AttrKind::ListString, Value::List(l)) => AttrValue::ListString(
            l.s.iter()
                .map(|s| {
                    String::from_utf8(s.clone()).map_err(|_| {
                        Status::unimplemented(format!("attr '{name}' is not UTF-8 text"))
                    })
                })
                .collect::<Result<_>>()?,
        ),
        (_, other) => return Err(mismatch(value_kind(other))),
    })
}

fn kind_name(kind: AttrKind) -> &'static str {
    match kind {
        AttrKind::Int => "int",
        AttrKind::Float => "float",
        AttrKind::Bool => "bool",
        AttrKind::String => "string",
        AttrKind::Type => "type",
        AttrKind::Shape => "shape",
        AttrKind::Tensor => "tensor",
        AttrKind::ListInt => "list(int)",
        AttrKind::ListFloat => "list(float)",
        AttrKind::ListType => "list(type)",
        AttrKind::ListString => "list(string)",
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "a list",
        Value::S(_) => "a string",
        Value::I(_) => "an int",
        Value::F(_) => "a float",
        Value::B(_) => "a bool",
        Value::Type(_) => "a type",
        Value::Shape(_) => "a shape",
        Value::Tensor(_) => "a tensor",
        Value::Placeholder(_) => "a function attr placeholder",
        Value::Func(_) => "a function",
    }
}
