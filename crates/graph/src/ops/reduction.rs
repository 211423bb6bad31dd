//! Reductions and scans: Sum, Mean, Max, Min, Prod, All, Any, ArgMax, ArgMin, Cumsum, TopKV2.

use crate::OpRegistry;

pub(super) fn register(_r: &mut OpRegistry) {}
