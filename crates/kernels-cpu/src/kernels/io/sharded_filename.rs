use sessionflow_core::{
    DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};

/// ShardedFilename (`basename-00003-of-00008`) and ShardedFilespec (`basename-?????-of-00008`),
/// the names of a sharded save's pieces.
struct ShardedName {
    /// ShardedFilespec: no shard input, `?????` in its place.
    spec: bool,
}

impl OpKernel for ShardedName {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let basename = scalar(ctx, 0)?.as_strings()?[0].clone();
        let int = |i: usize| -> Result<i32> { Ok(scalar(ctx, i)?.as_slice::<i32>()?[0]) };
        let suffix = if self.spec {
            format!("-?????-of-{:05}", int(1)?)
        } else {
            format!("-{:05}-of-{:05}", int(1)?, int(2)?)
        };
        let mut name = basename;
        name.extend_from_slice(suffix.as_bytes());
        ctx.set_output(0, Tensor::from_strings(TensorShape::scalar(), vec![name])?);
        Ok(())
    }

    fn is_expensive(&self) -> bool {
        false
    }
}

/// Input `i`, which must be a scalar.
fn scalar<'a>(ctx: &'a KernelContext<'_>, i: usize) -> Result<&'a Tensor> {
    let t = ctx.input(i);
    if t.shape().rank() != 0 {
        return Err(Status::invalid_argument(format!(
            "input {i} must be a scalar, got shape {}",
            t.shape()
        )));
    }
    Ok(t)
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("ShardedFilename", DeviceType::CPU, None, |_: &NodeView<'_>| {
        Ok(Box::new(ShardedName { spec: false }))
    });
    r.register("ShardedFilespec", DeviceType::CPU, None, |_: &NodeView<'_>| {
        Ok(Box::new(ShardedName { spec: true }))
    });
}
