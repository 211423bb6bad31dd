//! LevelDB's sorted-table format, as TensorFlow's `lib/io/table` writes it for a bundle's
//! `.index` file.
//!
//! A table is a sequence of blocks, then a 48-byte footer:
//! - *data blocks* (about 256 KiB each) hold the entries in key order, each key stored as the
//!   length of the prefix it shares with the previous key plus the rest; every 16th entry is a
//!   *restart point* storing its whole key, and a block ends with the restart offsets (fixed32
//!   each) and their count;
//! - the *metaindex block* (empty: TensorFlow writes no filters);
//! - the *index block*: one entry per data block, a key at or above the block's last key and
//!   below the next block's first, whose value is the block's handle (varint64 offset and
//!   size);
//! - every block is followed by a 5-byte trailer: a compression byte (0: none) and the masked
//!   CRC32C of the block and that byte;
//! - the footer: the metaindex and index handles, zero-padded to 40 bytes, then the magic
//!   number `0xdb4775248b80fb57` as two little-endian fixed32 halves.

mod block;
mod builder;
mod format;
mod keys;
mod reader;

pub use builder::TableBuilder;
pub use reader::read_table;

#[cfg(test)]
mod tests;
