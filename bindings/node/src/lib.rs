//! The JavaScript binding: napi-rs classes over the engine. This is the only crate that knows
//! about JavaScript; every entry point runs inside [`status::guard`], so engine errors arrive
//! as encoded statuses and panics as Internal errors, never as a crash of the host process.

mod attr_value;
mod callable;
mod checkpoint;
mod graph;
mod graph_def;
mod graph_options;
mod memory;
mod run_result;
mod session;
mod status;
mod tensor_value;
