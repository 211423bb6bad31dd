//! Random ops, stateful per session and reproducible from graph- and op-level seeds.

use crate::OpRegistry;

pub(super) fn register(_r: &mut OpRegistry) {}
