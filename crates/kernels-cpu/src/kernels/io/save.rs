use super::{names_and_full_slices, path_input};
use sessionflow_checkpoint::BundleWriter;
use sessionflow_core::{DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result};

/// SaveV2: writes inputs 3.. to a checkpoint at `prefix` under `tensor_names`.
struct SaveV2;

impl OpKernel for SaveV2 {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let prefix = path_input(ctx, 0, "prefix")?;
        let n = ctx.num_inputs() - 3;
        let names = names_and_full_slices(ctx, n, "save")?;
        let mut writer = BundleWriter::new(&prefix)?;
        for (i, name) in names.iter().enumerate() {
            writer.add(name, ctx.input(3 + i))?;
        }
        writer.finish()
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("SaveV2", DeviceType::CPU, None, |_: &NodeView<'_>| Ok(Box::new(SaveV2)));
}
