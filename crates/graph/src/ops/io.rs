//! Checkpoint ops, as TensorFlow's `io_ops` define them: `SaveV2` writes tensors to a V2
//! checkpoint (a tensor bundle at a prefix), `RestoreV2` reads them back, and the ops a sharded
//! save adds (`ShardedFilename`, `ShardedFilespec`, `MergeV2Checkpoints`). Saving and restoring
//! touch the file system, so they are stateful: never folded, deduplicated or skipped. None is
//! differentiable.

use crate::{InferenceContext, OpDef, OpRegistry, merge_dims};
use sessionflow_core::{PartialShape, Result, Status};

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("SaveV2")
            .input("prefix: string")
            .input("tensor_names: string")
            .input("shape_and_slices: string")
            .input("tensors: dtypes")
            .attr("dtypes: list(type)")
            .shape(save_shape)
            .stateful(),
    );
    r.register(
        OpDef::new("RestoreV2")
            .input("prefix: string")
            .input("tensor_names: string")
            .input("shape_and_slices: string")
            .output("tensors: dtypes")
            .attr("dtypes: list(type)")
            .shape(restore_shape)
            .stateful(),
    );
    r.register(
        OpDef::new("MergeV2Checkpoints")
            .input("checkpoint_prefixes: string")
            .input("destination_prefix: string")
            .attr("delete_old_dirs: bool = true")
            .attr("allow_missing_files: bool = false")
            .shape(merge_shape)
            .stateful(),
    );
    r.register(
        OpDef::new("ShardedFilename")
            .input("basename: string")
            .input("shard: int32")
            .input("num_shards: int32")
            .output("filename: string")
            .shape(scalar_inputs_and_output),
    );
    r.register(
        OpDef::new("ShardedFilespec")
            .input("basename: string")
            .input("num_shards: int32")
            .output("filename: string")
            .shape(scalar_inputs_and_output),
    );
    super::not_differentiable(
        r,
        &["SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename", "ShardedFilespec"],
    );
}

/// Input `i` is a vector of `n` elements (TF's `WithRank(1)` then `WithValue(n)`).
fn vector_of(c: &InferenceContext<'_>, i: usize, n: usize) -> Result<()> {
    let shape = c.with_rank(i, 1)?;
    let length = shape.dims().and_then(|d| d[0]);
    merge_dims(length, Some(n)).map_err(|_| {
        Status::invalid_argument(format!(
            "Dimension must be {n} but is {}",
            length.map_or_else(|| "?".to_owned(), |l| l.to_string())
        ))
    })?;
    Ok(())
}

/// A scalar prefix, and one name and one shape-and-slice per tensor.
fn save_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(0, 0)?;
    let n = c.num_inputs() - 3;
    vector_of(c, 1, n)?;
    vector_of(c, 2, n)
}

/// As `SaveV2`'s, with one output per name; the outputs' shapes are known only at run time.
fn restore_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(0, 0)?;
    let n = c.num_outputs();
    vector_of(c, 1, n)?;
    vector_of(c, 2, n)?;
    for i in 0..n {
        c.set_output(i, PartialShape::unknown());
    }
    Ok(())
}

fn merge_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(0, 1)?;
    c.with_rank(1, 0)?;
    Ok(())
}

fn scalar_inputs_and_output(c: &mut InferenceContext<'_>) -> Result<()> {
    for i in 0..c.num_inputs() {
        c.with_rank(i, 0)?;
    }
    c.set_output(0, PartialShape::scalar());
    Ok(())
}
