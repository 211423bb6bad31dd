//! Plan-time graph rewrites: each pass gives the same outputs as the graph run as written, on
//! graphs where it fires, and shows in the run's step statistics (fewer or fused nodes). What
//! must not be rewritten (stateful ops, fed values, control flow) is left alone.

#[path = "rewrites/support.rs"]
mod support;

#[path = "rewrites/folding.rs"]
mod folding;
#[path = "rewrites/fusion.rs"]
mod fusion;
#[path = "rewrites/merging.rs"]
mod merging;
