//! Writing a table.

use super::block::BlockBuilder;
use super::format::{BlockHandle, append_block, append_footer};
use super::keys::{short_successor, shortest_separator};
use sessionflow_core::{Result, Status};

/// LevelDB's data block size in TensorFlow's table options (256 KiB).
const DEFAULT_BLOCK_SIZE: usize = 256 * 1024;

/// Builds a table in memory from entries added in increasing key order; [`finish`] gives the
/// file's bytes. (A bundle's index holds one short entry per tensor, so it stays small.)
///
/// [`finish`]: TableBuilder::finish
#[derive(Debug)]
pub struct TableBuilder {
    out: Vec<u8>,
    data: BlockBuilder,
    index: BlockBuilder,
    last_key: Vec<u8>,
    num_entries: usize,
    /// The handle of the last data block written, whose index entry waits for the next key
    /// (the index key is chosen between the block's last key and the next block's first).
    pending: Option<BlockHandle>,
    block_size: usize,
}

impl Default for TableBuilder {
    fn default() -> Self {
        TableBuilder::new()
    }
}

impl TableBuilder {
    /// A builder with TensorFlow's options: 256 KiB blocks, a restart point every 16 keys, no
    /// compression.
    pub fn new() -> Self {
        TableBuilder::with_block_size(DEFAULT_BLOCK_SIZE)
    }

    /// A builder that starts a new data block once one reaches `block_size` bytes.
    pub fn with_block_size(block_size: usize) -> Self {
        TableBuilder {
            out: Vec::new(),
            data: BlockBuilder::new(),
            index: BlockBuilder::new(),
            last_key: Vec::new(),
            num_entries: 0,
            pending: None,
            block_size,
        }
    }

    /// Adds an entry. InvalidArgument unless `key` is greater than every key added before, or
    /// when the key or value reaches 4 GiB (the format stores lengths in 32 bits).
    pub fn add(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        if self.num_entries > 0 && key <= self.last_key.as_slice() {
            return Err(Status::invalid_argument(format!(
                "table keys must be added in increasing order: {:?} after {:?}",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(&self.last_key)
            )));
        }
        if u32::try_from(key.len()).is_err() || u32::try_from(value.len()).is_err() {
            return Err(Status::invalid_argument("a table key or value must be under 4 GiB"));
        }
        if let Some(handle) = self.pending.take() {
            shortest_separator(&mut self.last_key, key);
            self.add_index_entry(handle);
        }
        self.data.add(key, value);
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.num_entries += 1;
        if self.data.size_estimate() >= self.block_size {
            self.flush();
        }
        Ok(())
    }

    fn add_index_entry(&mut self, handle: BlockHandle) {
        let mut encoded = Vec::with_capacity(20);
        handle.encode_to(&mut encoded);
        self.index.add(&self.last_key, &encoded);
    }

    /// Writes the current data block, if it has entries.
    fn flush(&mut self) {
        if self.data.is_empty() {
            return;
        }
        let contents = self.data.finish();
        self.pending = Some(append_block(&mut self.out, &contents));
    }

    /// The table's bytes: the last data block, the (empty) metaindex block, the index block
    /// and the footer.
    pub fn finish(mut self) -> Vec<u8> {
        self.flush();
        let metaindex = append_block(&mut self.out, &BlockBuilder::new().finish());
        if let Some(handle) = self.pending.take() {
            short_successor(&mut self.last_key);
            self.add_index_entry(handle);
        }
        let index_contents = self.index.finish();
        let index = append_block(&mut self.out, &index_contents);
        append_footer(&mut self.out, metaindex, index);
        self.out
    }
}
