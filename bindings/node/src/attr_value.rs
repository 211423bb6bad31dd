use crate::tensor_value::{TensorValue, parse_dtype};
use napi_derive::napi;
use sessionflow::core::{AttrValue, DType, PartialShape, Result, Status};

/// A node attribute from JS: exactly one field is set. Shapes use -1 for unknown dimensions.
#[napi(object, js_name = "AttrValue")]
pub struct AttrValueJs {
    pub i: Option<i64>,
    pub f: Option<f64>,
    pub b: Option<bool>,
    pub s: Option<String>,
    #[napi(js_name = "type")]
    pub type_: Option<String>,
    pub shape: Option<Vec<i64>>,
    pub unknown_rank: Option<bool>,
    pub tensor: Option<TensorValue>,
    pub list_i: Option<Vec<i64>>,
    pub list_f: Option<Vec<f64>>,
    pub list_type: Option<Vec<String>>,
}

impl AttrValueJs {
    /// The engine's attr value; InvalidArgument unless exactly one field is set.
    pub fn to_attr(&self, name: &str) -> Result<AttrValue> {
        let mut found: Vec<AttrValue> = Vec::with_capacity(1);
        if let Some(i) = self.i {
            found.push(AttrValue::Int(i));
        }
        if let Some(f) = self.f {
            found.push(AttrValue::Float(f as f32));
        }
        if let Some(b) = self.b {
            found.push(AttrValue::Bool(b));
        }
        if let Some(s) = &self.s {
            found.push(AttrValue::String(s.clone()));
        }
        if let Some(t) = &self.type_ {
            found.push(AttrValue::Type(parse_dtype(t)?));
        }
        if self.unknown_rank == Some(true) {
            found.push(AttrValue::Shape(PartialShape::unknown()));
        } else if let Some(dims) = &self.shape {
            found.push(AttrValue::Shape(PartialShape::from_i64(dims)?));
        }
        if let Some(t) = &self.tensor {
            found.push(AttrValue::Tensor(t.to_tensor()?));
        }
        if let Some(v) = &self.list_i {
            found.push(AttrValue::ListInt(v.clone()));
        }
        if let Some(v) = &self.list_f {
            found.push(AttrValue::ListFloat(v.iter().map(|&x| x as f32).collect()));
        }
        if let Some(v) = &self.list_type {
            found.push(AttrValue::ListType(
                v.iter().map(|t| parse_dtype(t)).collect::<Result<Vec<DType>>>()?,
            ));
        }
        if found.len() != 1 {
            return Err(Status::invalid_argument(format!(
                "attr '{name}' must set exactly one value field, but sets {}",
                found.len()
            )));
        }
        Ok(found.remove(0))
    }
}
