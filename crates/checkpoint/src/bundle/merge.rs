//! Merging bundles into one, as TensorFlow's `MergeV2Checkpoints` does after a sharded save
//! (each device writes its own bundle under a temporary prefix).

use super::writer::write_index;
use super::{BundleReader, data_filename, index_filename};
use crate::io_error::io_status;
use crate::proto::{BundleEntryProto, BundleHeaderProto};
use sessionflow_core::{Result, Status};
use std::collections::BTreeMap;
use std::path::Path;

/// Merges the bundles at `prefixes` into one at `merged_prefix`: their data shards are renamed
/// to the merged prefix's shard names, one index lists every tensor, and the old index files
/// are deleted. With `delete_old_dirs`, each old prefix's directory is removed too when it is
/// left empty. With `allow_missing_files`, prefixes without an index are skipped (but at least
/// one must exist).
///
/// InvalidArgument when two bundles hold the same tensor or differ in byte order or version.
pub fn merge_bundles(
    prefixes: &[&str],
    merged_prefix: &str,
    delete_old_dirs: bool,
    allow_missing_files: bool,
) -> Result<()> {
    let mut header: Option<BundleHeaderProto> = None;
    let mut num_shards = 0;
    let mut entries: BTreeMap<String, BundleEntryProto> = BTreeMap::new();
    // Old data file → its shard id in the merged bundle, in order of appearance.
    let mut shard_files: Vec<String> = Vec::new();
    let mut merged = Vec::new();
    for &prefix in prefixes {
        let reader = match BundleReader::open(prefix) {
            Err(e) if allow_missing_files && e.code == sessionflow_core::Code::NotFound => continue,
            other => other?,
        };
        match &header {
            None => header = Some(reader.header.clone()),
            Some(first) => {
                if first.endianness != reader.header.endianness {
                    return Err(Status::invalid_argument(
                        "Merging bundles with conflicting endianness; inputs corrupted?",
                    ));
                }
                if first.version != reader.header.version {
                    return Err(Status::invalid_argument(format!(
                        "Merging bundles with different format versions (at {prefix})"
                    )));
                }
            }
        }
        num_shards += reader.header.num_shards;
        for (key, mut entry) in reader.entries.clone() {
            if entries.contains_key(&key) {
                return Err(Status::invalid_argument(format!(
                    "Duplicate tensor keyed by {key} encountered, when merging prefix: {prefix}"
                )));
            }
            let old = data_filename(prefix, entry.shard_id, reader.header.num_shards);
            let id = match shard_files.iter().position(|f| *f == old) {
                Some(id) => id,
                None => {
                    shard_files.push(old);
                    shard_files.len() - 1
                }
            };
            entry.shard_id = id as i32;
            entries.insert(key, entry);
        }
        merged.push(prefix);
    }
    let Some(mut header) = header else {
        return Err(Status::not_found(format!(
            "None of the checkpoints to merge into {merged_prefix} exist"
        )));
    };
    header.num_shards = num_shards;
    if let Some(dir) = Path::new(merged_prefix).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| io_status(&e, "Failed to create directory", &dir.to_string_lossy()))?;
    }
    let total = shard_files.len() as i32;
    for (id, old) in shard_files.iter().enumerate() {
        let new = data_filename(merged_prefix, id as i32, total);
        std::fs::rename(old, &new)
            .map_err(|e| io_status(&e, &format!("Failed to rename {old} to"), &new))?;
    }
    write_index(merged_prefix, &header, &entries)?;
    // Clean-up is best effort, as in TensorFlow.
    for prefix in merged.into_iter().filter(|&p| p != merged_prefix) {
        let _ = std::fs::remove_file(index_filename(prefix));
        if delete_old_dirs
            && let Some(dir) = Path::new(prefix).parent().filter(|d| !d.as_os_str().is_empty())
        {
            // Removes the directory only when empty.
            let _ = std::fs::remove_dir(dir);
        }
    }
    Ok(())
}
