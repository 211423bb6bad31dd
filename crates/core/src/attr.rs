use crate::{DType, PartialShape, Result, Status, Tensor};
use std::collections::BTreeMap;

/// The value of a node attribute, mirroring TensorFlow's `AttrValue` oneof.
#[derive(Clone, Debug)]
pub enum AttrValue {
    Int(i64),
    Float(f32),
    Bool(bool),
    String(String),
    Type(DType),
    Shape(PartialShape),
    Tensor(Tensor),
    ListInt(Vec<i64>),
    ListFloat(Vec<f32>),
    ListType(Vec<DType>),
    /// `list(string)`, e.g. `_FusedConv2D.fused_ops`.
    ListString(Vec<String>),
}

impl AttrValue {
    /// The kind's name as TensorFlow's op definitions write it (`int`, `type`, `list(int)`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            AttrValue::Int(_) => "int",
            AttrValue::Float(_) => "float",
            AttrValue::Bool(_) => "bool",
            AttrValue::String(_) => "string",
            AttrValue::Type(_) => "type",
            AttrValue::Shape(_) => "shape",
            AttrValue::Tensor(_) => "tensor",
            AttrValue::ListInt(_) => "list(int)",
            AttrValue::ListFloat(_) => "list(float)",
            AttrValue::ListType(_) => "list(type)",
            AttrValue::ListString(_) => "list(string)",
        }
    }
}

/// A node's attributes by name, ordered so that exports are deterministic.
pub type AttrMap = BTreeMap<String, AttrValue>;

/// Typed reads of an [`AttrMap`] that fail with InvalidArgument, naming the attribute.
pub trait AttrsExt {
    fn attr(&self, name: &str) -> Result<&AttrValue>;
    fn get_type(&self, name: &str) -> Result<DType>;
    fn get_bool(&self, name: &str) -> Result<bool>;
    fn get_int(&self, name: &str) -> Result<i64>;
    fn get_shape(&self, name: &str) -> Result<&PartialShape>;
    fn get_tensor(&self, name: &str) -> Result<&Tensor>;
}

macro_rules! getter {
    ($fn_name:ident, $variant:ident, $ty:ty, $conv:expr) => {
        fn $fn_name(&self, name: &str) -> Result<$ty> {
            match self.attr(name)? {
                AttrValue::$variant(v) => Ok($conv(v)),
                other => Err(wrong_kind(name, stringify!($variant), other)),
            }
        }
    };
}

impl AttrsExt for AttrMap {
    fn attr(&self, name: &str) -> Result<&AttrValue> {
        self.get(name).ok_or_else(|| Status::invalid_argument(format!("missing attr '{name}'")))
    }
    getter!(get_type, Type, DType, |v: &DType| *v);
    getter!(get_bool, Bool, bool, |v: &bool| *v);
    getter!(get_int, Int, i64, |v: &i64| *v);
    getter!(get_shape, Shape, &PartialShape, |v| v);
    getter!(get_tensor, Tensor, &Tensor, |v| v);
}

fn wrong_kind(name: &str, wanted: &str, got: &AttrValue) -> Status {
    Status::invalid_argument(format!(
        "attr '{name}' should be {}, but is {}",
        wanted.to_lowercase(),
        got.kind()
    ))
}
