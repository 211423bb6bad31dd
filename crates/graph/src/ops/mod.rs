//! Op definitions, one file per TensorFlow op category. Names, arguments and attrs are
//! TensorFlow's GraphDef names so that graphs import and export one to one.

mod array;
mod math;

use crate::OpRegistry;

/// Registers every op definition.
pub(crate) fn register_all(registry: &mut OpRegistry) {
    array::register(registry);
    math::register(registry);
}
