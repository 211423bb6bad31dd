use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use sessionflow::core::{DType, Result, Status, Tensor, TensorShape};

/// A tensor crossing the JS boundary: little-endian element bytes in row-major order.
#[napi(object)]
pub struct TensorValue {
    pub dtype: String,
    pub shape: Vec<i64>,
    pub data: Buffer,
}

/// Parses a dtype name from JS.
pub fn parse_dtype(name: &str) -> Result<DType> {
    DType::from_name(name)
        .ok_or_else(|| Status::invalid_argument(format!("unknown dtype '{name}'")))
}

impl TensorValue {
    /// Copies the value into an engine tensor, validating dtype, shape and byte length.
    pub fn to_tensor(&self) -> Result<Tensor> {
        let dtype = parse_dtype(&self.dtype)?;
        let dims = self
            .shape
            .iter()
            .map(|&d| {
                usize::try_from(d).map_err(|_| {
                    Status::invalid_argument(format!("tensor dimension {d} is negative"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Tensor::from_bytes(
            sessionflow::host_allocator(),
            dtype,
            TensorShape::new(dims),
            &self.data,
        )
    }

    /// Copies an engine tensor out for JS.
    pub fn from_tensor(t: &Tensor) -> TensorValue {
        TensorValue {
            dtype: t.dtype().name().to_owned(),
            shape: t.shape().dims().iter().map(|&d| d as i64).collect(),
            data: Buffer::from(t.as_bytes().to_vec()),
        }
    }
}
