//! Checkpoint kernels: SaveV2 and RestoreV2 (a V2 checkpoint of one shard, through
//! `sessionflow-checkpoint`), MergeV2Checkpoints, ShardedFilename and ShardedFilespec. They
//! read and write files on the calling executor thread.

mod merge;
mod restore;
mod save;
mod sharded_filename;

use sessionflow_core::{KernelContext, KernelRegistry, Result, Status};

pub(super) fn register(r: &mut KernelRegistry) {
    save::register(r);
    restore::register(r);
    merge::register(r);
    sharded_filename::register(r);
}

/// Input `i`, a scalar string naming a path, as text. InvalidArgument unless it holds exactly
/// one element of UTF-8.
fn path_input(ctx: &KernelContext<'_>, i: usize, what: &str) -> Result<String> {
    let values = ctx.input(i).as_strings()?;
    let [value] = values else {
        return Err(Status::invalid_argument(format!(
            "Input {what} should have a single element, got {} instead.",
            values.len()
        )));
    };
    utf8(value, what)
}

/// Input `i`'s string elements as text (tensor names and slice specs).
fn text_input(ctx: &KernelContext<'_>, i: usize, what: &str) -> Result<Vec<String>> {
    ctx.input(i).as_strings()?.iter().map(|v| utf8(v, what)).collect()
}

fn utf8(bytes: &[u8], what: &str) -> Result<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Status::invalid_argument(format!("{what} must be UTF-8 text")))
}

/// The names and slice specs of a save or restore of `n` tensors, after checking their counts
/// and that every slice spec is empty (the whole tensor): slices of partitioned variables are
/// not supported yet.
fn names_and_full_slices(ctx: &KernelContext<'_>, n: usize, verb: &str) -> Result<Vec<String>> {
    let names = text_input(ctx, 1, "tensor_names")?;
    let slices = text_input(ctx, 2, "shape_and_slices")?;
    if names.len() != n || slices.len() != n {
        return Err(Status::invalid_argument(format!(
            "Got {} tensor names and {} shape_and_slices to {verb} {n} tensors; each needs one",
            names.len(),
            slices.len()
        )));
    }
    if let Some((name, spec)) = names.iter().zip(&slices).find(|(_, s)| !s.is_empty()) {
        return Err(Status::unimplemented(format!(
            "Cannot {verb} tensor {name} as the slice '{spec}': sessionflow reads and writes whole tensors only (an empty shape_and_slices)"
        )));
    }
    Ok(names)
}

#[cfg(test)]
mod tests;
