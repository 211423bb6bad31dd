//! Reading a bundle.

use super::strings;
use super::{BUNDLE_VERSION, EntryInfo, HEADER_KEY, MIN_PRODUCER, data_filename, index_filename};
use crate::crc;
use crate::io_error::io_status;
use crate::proto::{BundleEntryProto, BundleHeaderProto, bundle_header_proto::Endianness};
use crate::table::read_table;
use prost::Message;
use sessionflow_core::{Allocator, Buffer, DType, Result, Status, Tensor};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

/// Reads the tensors of a checkpoint written by TensorFlow or by [`BundleWriter`]: opening
/// reads and checks the whole index; each [`read`] checks its tensor's size and checksum.
///
/// [`BundleWriter`]: crate::BundleWriter
/// [`read`]: BundleReader::read
#[derive(Debug)]
pub struct BundleReader {
    prefix: String,
    pub(super) header: BundleHeaderProto,
    pub(super) entries: BTreeMap<String, BundleEntryProto>,
    /// The data shards opened so far, by shard id.
    shards: BTreeMap<i32, File>,
}

impl BundleReader {
    /// Opens the bundle at `prefix`. NotFound when `<prefix>.index` does not exist; DataLoss
    /// when it is not a well-formed index (naming the file); InvalidArgument for a format
    /// version this reader does not know.
    pub fn open(prefix: &str) -> Result<BundleReader> {
        let path = index_filename(prefix);
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Status::not_found(format!("Failed to find any matching files for {prefix}"))
            }
            _ => io_status(&e, "Failed to read", &path),
        })?;
        let in_file = |s: Status| Status { message: format!("{path}: {}", s.message), ..s };
        let mut rows = read_table(&bytes).map_err(in_file)?.into_iter();
        let header = match rows.next() {
            Some((key, value)) if key == HEADER_KEY.as_bytes() => {
                BundleHeaderProto::decode(&*value)
                    .map_err(|_| in_file(Status::data_loss("the header entry is not parseable")))?
            }
            _ => return Err(in_file(Status::data_loss("the header entry is missing"))),
        };
        check_header(&header).map_err(in_file)?;
        let mut entries = BTreeMap::new();
        for (key, value) in rows {
            let key = String::from_utf8_lossy(&key).into_owned();
            let entry = BundleEntryProto::decode(&*value).map_err(|_| {
                in_file(Status::data_loss(format!("Entry for key {key} not parseable.")))
            })?;
            entries.insert(key, entry);
        }
        Ok(BundleReader { prefix: prefix.to_owned(), header, entries, shards: BTreeMap::new() })
    }

    /// The number of data shards.
    pub fn num_shards(&self) -> i32 {
        self.header.num_shards
    }

    /// Every tensor of the checkpoint, by name. The per-slice entries of a tensor saved in
    /// slices (whose keys begin with a zero byte) are left out, as TensorFlow lists them.
    pub fn entries(&self) -> Result<Vec<EntryInfo>> {
        self.entries
            .iter()
            .filter(|(key, _)| !key.starts_with('\0'))
            .map(|(key, entry)| EntryInfo::from_proto(key, entry))
            .collect()
    }

    /// The entry of `key`; NotFound in TensorFlow's words when there is none.
    pub fn entry(&self, key: &str) -> Result<EntryInfo> {
        EntryInfo::from_proto(key, self.proto(key)?)
    }

    /// Whether the checkpoint has a tensor named `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    fn proto(&self, key: &str) -> Result<&BundleEntryProto> {
        self.entries
            .get(key)
            .ok_or_else(|| Status::not_found(format!("Key {key} not found in checkpoint")))
    }

    /// The tensor named `key`, in `allocator`'s memory. NotFound for an unknown key;
    /// Unimplemented for a tensor saved in slices or of a dtype sessionflow lacks; DataLoss when
    /// its bytes are missing, of the wrong size, or fail their checksum.
    pub fn read(&mut self, key: &str, allocator: &Arc<dyn Allocator>) -> Result<Tensor> {
        let entry = self.proto(key)?.clone();
        if !entry.slices.is_empty() {
            return Err(Status::unimplemented(format!(
                "Tensor {key} is saved in slices (a partitioned variable), which sessionflow cannot restore yet"
            )));
        }
        let info = EntryInfo::from_proto(key, &entry)?;
        let dtype = info.dtype()?;
        let count = info.shape.num_elements()?;
        let (offset, size) = match (u64::try_from(entry.offset), u64::try_from(entry.size)) {
            (Ok(o), Ok(s)) => (o, s),
            _ => return Err(Status::data_loss(format!("Invalid offset or size for key {key}"))),
        };
        let path = data_filename(&self.prefix, entry.shard_id, self.header.num_shards);
        let file = self.shard(entry.shard_id, &path)?;
        let file_len = file.metadata().map_err(|e| io_status(&e, "Failed to read", &path))?.len();
        if offset.checked_add(size).is_none_or(|end| end > file_len) {
            return Err(Status::data_loss(format!(
                "{path} is truncated: tensor {key} lies at {offset}..{}, the file has {file_len} bytes",
                offset.saturating_add(size)
            )));
        }
        let read_error = |e: std::io::Error| io_status(&e, "Failed to read", &path);
        file.seek(SeekFrom::Start(offset)).map_err(read_error)?;
        // The size fits in memory's address space: it is within the file's length.
        let size = size as usize;
        let (tensor, actual) = if dtype == DType::String {
            let mut bytes = vec![0; size];
            file.read_exact(&mut bytes).map_err(read_error)?;
            let (values, crc) = strings::decode(key, &bytes, count)?;
            (Tensor::from_strings(info.shape, values)?, crc)
        } else {
            // dtype is flat (strings and resources are handled above and refused by dtype()).
            let expected = count.checked_mul(dtype.size().unwrap_or(1));
            if expected != Some(size) {
                return Err(Status::data_loss(format!(
                    "Invalid size in bundle entry: key {key}; stored size {size}; expected size {}",
                    expected.map_or_else(|| "too large".to_owned(), |n| n.to_string())
                )));
            }
            let mut buffer = Buffer::new_unzeroed(allocator, size)?;
            let bytes = buffer.as_bytes_mut().ok_or_else(|| {
                Status::internal("freshly allocated engine memory is not writable")
            })?;
            file.read_exact(bytes).map_err(read_error)?;
            let crc = crc::crc32c(bytes);
            if dtype == DType::Bool {
                // Bool elements must be 0 or 1 (the engine relies on it).
                bytes.iter_mut().for_each(|b| *b = u8::from(*b != 0));
            }
            (Tensor::from_buffer(dtype, info.shape, buffer)?, crc)
        };
        if actual != crc::unmask(entry.crc32c) {
            return Err(Status::data_loss(format!(
                "Checksum does not match for key {key}: stored {:08x} vs. calculated on the restored bytes {actual:08x}",
                crc::unmask(entry.crc32c)
            )));
        }
        Ok(tensor)
    }

    /// Data shard `id`, opened once.
    fn shard(&mut self, id: i32, path: &str) -> Result<&mut File> {
        if !(0..self.header.num_shards).contains(&id) {
            return Err(Status::data_loss(format!(
                "an entry names data shard {id} of a bundle with {} shards",
                self.header.num_shards
            )));
        }
        match self.shards.entry(id) {
            Entry::Occupied(file) => Ok(file.into_mut()),
            Entry::Vacant(slot) => {
                let file = File::open(path).map_err(|e| io_status(&e, "Failed to open", path))?;
                Ok(slot.insert(file))
            }
        }
    }
}

/// TensorFlow's `CheckVersions` for the bundle format, and the byte order.
fn check_header(header: &BundleHeaderProto) -> Result<()> {
    let version = header.version.clone().unwrap_or_default();
    if version.producer < MIN_PRODUCER {
        return Err(Status::invalid_argument(format!(
            "Checkpoint producer version {} below min producer {MIN_PRODUCER} supported by sessionflow. Please regenerate your checkpoint.",
            version.producer
        )));
    }
    if version.min_consumer > BUNDLE_VERSION {
        return Err(Status::invalid_argument(format!(
            "Checkpoint min consumer version {} above current version {BUNDLE_VERSION} for sessionflow.",
            version.min_consumer
        )));
    }
    if version.bad_consumers.contains(&BUNDLE_VERSION) {
        return Err(Status::invalid_argument(format!(
            "Checkpoint disallows consumer version {BUNDLE_VERSION}."
        )));
    }
    if header.endianness == Endianness::Big as i32 {
        return Err(Status::unimplemented(
            "the checkpoint was written on a big-endian machine, which sessionflow cannot read",
        ));
    }
    Ok(())
}
