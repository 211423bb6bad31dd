use crate::{InferenceContext, OpDef, OpRegistry, broadcast_partial_shapes};
use sessionflow_core::{DType, Result};

pub(super) fn register(r: &mut OpRegistry) {
    for op in ["AddV2", "Mul"] {
        r.register(
            OpDef::new(op)
                .input("x: T")
                .input("y: T")
                .output("z: T")
                .type_attr("T", &DType::NUMERIC)
                .shape(broadcast_binary),
        );
    }
}

fn broadcast_binary(c: &mut InferenceContext<'_>) -> Result<()> {
    let out = broadcast_partial_shapes(c.input(0), c.input(1))?;
    c.set_output(0, out);
    Ok(())
}
