use super::{names_and_full_slices, path_input};
use sessionflow_checkpoint::BundleReader;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
};

/// RestoreV2: reads `tensor_names` from the checkpoint at `prefix`, each of its `dtypes`.
struct RestoreV2 {
    dtypes: Vec<DType>,
}

impl OpKernel for RestoreV2 {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let prefix = path_input(ctx, 0, "prefix")?;
        let names = names_and_full_slices(ctx, self.dtypes.len(), "restore")?;
        let mut reader = BundleReader::open(&prefix)?;
        for (i, (name, &expected)) in names.iter().zip(&self.dtypes).enumerate() {
            let entry = reader.entry(name)?;
            if entry.dtype().ok() != Some(expected) {
                return Err(Status::invalid_argument(format!(
                    "tensor_name = {name}; expected dtype {expected} does not equal original dtype {}",
                    entry.dtype_name()
                )));
            }
            let tensor = reader.read(name, ctx.allocator())?;
            ctx.set_output(i, tensor);
        }
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("RestoreV2", DeviceType::CPU, None, |node: &NodeView<'_>| {
        Ok(Box::new(RestoreV2 { dtypes: node.output_types.to_vec() }))
    });
}
