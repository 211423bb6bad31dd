//! Writing a bundle of one shard.

use super::{BUNDLE_VERSION, HEADER_KEY, data_filename, index_filename, strings, temp_path};
use crate::crc;
use crate::io_error::io_status;
use crate::proto::{BundleEntryProto, BundleHeaderProto, TensorShapeProto, VersionDef};
use crate::proto::{bundle_header_proto::Endianness, tensor_shape_proto::Dim};
use crate::table::TableBuilder;
use prost::Message;
use sessionflow_core::{DType, Result, Status, Tensor};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes the tensors of one checkpoint as a bundle of one shard, as TensorFlow's
/// `BundleWriter` does: bytes go to `<prefix>.data-00000-of-00001` in the order tensors are
/// added, and [`finish`] writes `<prefix>.index` with the entries sorted by name. Both files
/// are written under temporary names and renamed into place, so a reader sees the previous
/// checkpoint or the new one, never half of one. Dropping an unfinished writer removes its
/// temporary file.
///
/// [`finish`]: BundleWriter::finish
#[derive(Debug)]
pub struct BundleWriter {
    prefix: String,
    temp_data_path: String,
    data: Option<BufWriter<File>>,
    /// Bytes written to the data file so far: the next tensor's offset.
    size: u64,
    entries: BTreeMap<String, BundleEntryProto>,
}

impl BundleWriter {
    /// Starts a bundle at `prefix`, creating its directory if needed.
    pub fn new(prefix: &str) -> Result<BundleWriter> {
        if prefix.is_empty() {
            return Err(Status::invalid_argument("a checkpoint prefix must not be empty"));
        }
        if let Some(dir) = Path::new(prefix).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| io_status(&e, "Failed to create directory", &dir.to_string_lossy()))?;
        }
        let temp_data_path = temp_path(&data_filename(prefix, 0, 1));
        let file = File::create(&temp_data_path)
            .map_err(|e| io_status(&e, "Failed to create", &temp_data_path))?;
        Ok(BundleWriter {
            prefix: prefix.to_owned(),
            temp_data_path,
            data: Some(BufWriter::with_capacity(1 << 20, file)),
            size: 0,
            entries: BTreeMap::new(),
        })
    }

    /// Appends `tensor` under `key`. InvalidArgument for an empty key (the header's) or one
    /// already added; Unimplemented for resource tensors, which have no saved form.
    pub fn add(&mut self, key: &str, tensor: &Tensor) -> Result<()> {
        if key == HEADER_KEY {
            return Err(Status::invalid_argument("a tensor in a checkpoint needs a name"));
        }
        if self.entries.contains_key(key) {
            return Err(Status::invalid_argument(format!("Adding duplicate key: {key}")));
        }
        let dtype = tensor.dtype();
        if dtype == DType::Resource {
            return Err(Status::unimplemented(format!(
                "Tensor {key} is a resource handle, which cannot be saved in a checkpoint"
            )));
        }
        let owned;
        let (bytes, crc) = if dtype == DType::String {
            owned = strings::encode(tensor.as_strings()?);
            (owned.0.as_slice(), owned.1)
        } else {
            let bytes = tensor.as_bytes()?;
            (bytes, crc::crc32c(bytes))
        };
        let file = self.data.as_mut().ok_or_else(finished)?;
        file.write_all(bytes)
            .map_err(|e| io_status(&e, "Failed to write", &self.temp_data_path))?;
        let shape = TensorShapeProto {
            dim: tensor
                .shape()
                .dims()
                .iter()
                .map(|&d| Dim { size: d as i64, name: String::new() })
                .collect(),
            unknown_rank: false,
        };
        let entry = BundleEntryProto {
            dtype: dtype.as_proto(),
            shape: Some(shape),
            shard_id: 0,
            offset: self.size as i64,
            size: bytes.len() as i64,
            crc32c: crc::mask(crc),
            slices: Vec::new(),
        };
        self.size += bytes.len() as u64;
        self.entries.insert(key.to_owned(), entry);
        Ok(())
    }

    /// Closes the data file and writes the index (the header, then every entry by name),
    /// renaming both into place.
    pub fn finish(mut self) -> Result<()> {
        let data = self.data.take().ok_or_else(finished)?;
        if let Err(e) = data.into_inner() {
            let _ = std::fs::remove_file(&self.temp_data_path);
            return Err(io_status(e.error(), "Failed to write", &self.temp_data_path));
        }
        let data_path = data_filename(&self.prefix, 0, 1);
        rename(&self.temp_data_path, &data_path)?;
        let header = BundleHeaderProto {
            num_shards: 1,
            endianness: Endianness::Little as i32,
            version: Some(VersionDef { producer: BUNDLE_VERSION, ..VersionDef::default() }),
        };
        write_index(&self.prefix, &header, &self.entries)
    }
}

/// Writes `<prefix>.index` for `header` and `entries` (under a temporary name, then renamed).
pub(super) fn write_index(
    prefix: &str,
    header: &BundleHeaderProto,
    entries: &BTreeMap<String, BundleEntryProto>,
) -> Result<()> {
    let mut table = TableBuilder::new();
    table.add(HEADER_KEY.as_bytes(), &header.encode_to_vec())?;
    for (key, entry) in entries {
        table.add(key.as_bytes(), &entry.encode_to_vec())?;
    }
    let path = index_filename(prefix);
    let temp = temp_path(&path);
    std::fs::write(&temp, table.finish()).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_status(&e, "Failed to write", &temp)
    })?;
    rename(&temp, &path)
}

fn rename(from: &str, to: &str) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| {
        let _ = std::fs::remove_file(from);
        io_status(&e, &format!("Failed to rename {from} to"), to)
    })
}

fn finished() -> Status {
    Status::failed_precondition("the checkpoint writer has finished")
}

impl Drop for BundleWriter {
    fn drop(&mut self) {
        // Unfinished (an error, or never finished): the partial data file goes.
        if self.data.take().is_some() {
            let _ = std::fs::remove_file(&self.temp_data_path);
        }
    }
}
