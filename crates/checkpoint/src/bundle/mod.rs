//! Tensor bundles: the files of one checkpoint prefix.

mod entry;
mod merge;
mod reader;
mod strings;
mod writer;

pub use entry::EntryInfo;
pub use merge::merge_bundles;
pub use reader::BundleReader;
pub use writer::BundleWriter;

use std::hash::{BuildHasher, RandomState};

/// The index file of bundle `prefix`: `<prefix>.index`.
pub fn index_filename(prefix: &str) -> String {
    format!("{prefix}.index")
}

/// Data shard `shard` of `num_shards` of bundle `prefix`: `<prefix>.data-00000-of-00001`.
pub fn data_filename(prefix: &str, shard: i32, num_shards: i32) -> String {
    format!("{prefix}.data-{shard:05}-of-{num_shards:05}")
}

/// Where a file is written before it is renamed into place (TensorFlow's
/// `<name>.tempstate<random>`), so that a reader never sees half a file.
fn temp_path(path: &str) -> String {
    // RandomState is seeded randomly per instance: a fresh one hashes to a random value.
    let random = RandomState::new().hash_one(path);
    format!("{path}.tempstate{random}")
}

/// The key of the bundle's header entry.
const HEADER_KEY: &str = "";

/// The bundle format version TensorFlow writes and reads (`kTensorBundleVersion`), and the
/// oldest producer it accepts.
const BUNDLE_VERSION: i32 = 1;
const MIN_PRODUCER: i32 = 0;

#[cfg(test)]
mod tests;
