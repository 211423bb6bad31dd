//! Checkpoints read from JS without a graph or session: the tensors a checkpoint holds, and
//! one tensor's value (`tf.train.listVariables`, `tf.train.loadVariable`).

use crate::status::guard;
use crate::tensor_value::TensorValue;
use napi_derive::napi;
use sessionflow::checkpoint::BundleReader;

/// One tensor of a checkpoint.
#[napi(object)]
pub struct CheckpointEntry {
    pub name: String,
    /// sessionflow's dtype name, or TensorFlow's (lower case) for dtypes sessionflow lacks.
    pub dtype: String,
    pub shape: Vec<i64>,
}

/// The tensors of the checkpoint at `prefix`, sorted by name.
#[cfg_attr(test, allow(dead_code))] // Called from JS only.
#[napi]
pub fn checkpoint_entries(prefix: String) -> napi::Result<Vec<CheckpointEntry>> {
    guard(|| {
        let entries = BundleReader::open(&prefix)?.entries()?;
        Ok(entries
            .into_iter()
            .map(|e| CheckpointEntry {
                dtype: e.dtype_name(),
                shape: e.shape.dims().iter().map(|&d| d as i64).collect(),
                name: e.name,
            })
            .collect())
    })
}

/// The value of tensor `name` in the checkpoint at `prefix`.
#[cfg_attr(test, allow(dead_code))] // Called from JS only.
#[napi]
pub fn checkpoint_tensor(prefix: String, name: String) -> napi::Result<TensorValue> {
    guard(|| {
        let tensor = BundleReader::open(&prefix)?.read(&name, sessionflow::host_allocator())?;
        TensorValue::from_tensor(tensor)
    })
}
