//! Reading a table.

use super::block::block_entries;
use super::format::{BlockHandle, read_block, read_footer};
use sessionflow_core::{Result, Status};

/// Every entry of the table in `file`, in key order, as (key, value).
///
/// DataLoss for anything that is not a well-formed table: a short file, a bad magic number, a
/// block or handle outside the file, a checksum that does not match, a malformed entry, keys
/// out of order, or a key outside its block's index range.
pub fn read_table(file: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let (metaindex, index_handle) = read_footer(file)?;
    // Nothing is kept from the metaindex block (TensorFlow writes it empty), but checking it
    // leaves no byte of the table unchecked except the footer's padding.
    block_entries(read_block(file, metaindex)?)?;
    let index = read_block(file, index_handle)?;
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for (bound, mut encoded) in block_entries(index)? {
        let handle = BlockHandle::decode_from(&mut encoded)?;
        if !encoded.is_empty() {
            return Err(Status::data_loss("an index entry has bytes after its block handle"));
        }
        for (key, value) in block_entries(read_block(file, handle)?)? {
            if entries.last().is_some_and(|(previous, _)| *previous >= key) {
                return Err(Status::data_loss("table keys are out of order"));
            }
            if key > bound {
                return Err(Status::data_loss("a table key lies above its index entry"));
            }
            entries.push((key, value.to_vec()));
        }
    }
    Ok(entries)
}
