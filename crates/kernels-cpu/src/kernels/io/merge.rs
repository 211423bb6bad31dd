use super::{path_input, utf8};
use sessionflow_checkpoint::merge_bundles;
use sessionflow_core::{
    AttrsExt, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
};

/// MergeV2Checkpoints: joins the checkpoints at `checkpoint_prefixes` into one at
/// `destination_prefix` (what a sharded save does after each shard is written).
struct MergeV2Checkpoints {
    delete_old_dirs: bool,
    allow_missing_files: bool,
}

impl OpKernel for MergeV2Checkpoints {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let sources = ctx.input(0).as_strings()?;
        let sources =
            sources.iter().map(|s| utf8(s, "checkpoint_prefixes")).collect::<Result<Vec<_>>>()?;
        let destination = path_input(ctx, 1, "destination_prefix")?;
        if sources.contains(&destination) {
            return Err(Status::invalid_argument(format!(
                "Merge destination {destination} is also one of the checkpoints to merge"
            )));
        }
        let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
        merge_bundles(&sources, &destination, self.delete_old_dirs, self.allow_missing_files)
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("MergeV2Checkpoints", DeviceType::CPU, None, |node: &NodeView<'_>| {
        Ok(Box::new(MergeV2Checkpoints {
            delete_old_dirs: node.attrs.get_bool("delete_old_dirs")?,
            allow_missing_files: node.attrs.get_bool("allow_missing_files")?,
        }))
    });
}
