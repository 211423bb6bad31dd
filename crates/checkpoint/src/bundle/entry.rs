//! What the index says about one tensor.

use crate::proto::{BundleEntryProto, DataType};
use sessionflow_core::{DType, Result, Status, TensorShape};

/// A tensor's name, dtype and shape, as the bundle's index records them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    /// The key: the tensor's name (`dense/kernel`).
    pub name: String,
    /// TensorFlow's `DataType` number.
    pub data_type: i32,
    /// The full tensor's shape.
    pub shape: TensorShape,
}

impl EntryInfo {
    /// The entry for `name`, after checking its shape (DataLoss for negative sizes or an
    /// unknown rank, which no saved tensor has).
    pub(crate) fn from_proto(name: &str, entry: &BundleEntryProto) -> Result<EntryInfo> {
        let invalid = || Status::data_loss(format!("Invalid tensor shape for key {name}"));
        let shape = entry.shape.clone().unwrap_or_default();
        if shape.unknown_rank {
            return Err(invalid());
        }
        let dims = shape
            .dim
            .iter()
            .map(|d| usize::try_from(d.size).map_err(|_| invalid()))
            .collect::<Result<Vec<_>>>()?;
        let shape = TensorShape::new(dims);
        shape.num_elements().map_err(|_| invalid())?;
        Ok(EntryInfo { name: name.to_owned(), data_type: entry.dtype, shape })
    }

    /// The dtype; Unimplemented for those sessionflow has no tensors of (complex, unsigned
    /// wider than 8 bits, quantized, variant).
    pub fn dtype(&self) -> Result<DType> {
        DType::from_proto(self.data_type).filter(|d| *d != DType::Resource).ok_or_else(|| {
            Status::unimplemented(format!(
                "Tensor {} in the checkpoint has dtype {}, which sessionflow does not support",
                self.name,
                self.dtype_name()
            ))
        })
    }

    /// The dtype's name: sessionflow's (`float32`) where it has the dtype, else TensorFlow's in
    /// lower case (`complex64`, `uint32`).
    pub fn dtype_name(&self) -> String {
        match DType::from_proto(self.data_type) {
            Some(d) => d.name().to_owned(),
            None => match DataType::try_from(self.data_type) {
                Ok(d) => d.as_str_name().trim_start_matches("DT_").to_lowercase(),
                Err(_) => format!("unknown DataType {}", self.data_type),
            },
        }
    }
}
