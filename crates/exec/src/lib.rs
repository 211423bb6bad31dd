//! The session core. A [`Session`] runs a shared, growing [`Graph`](sessionflow_graph::Graph):
//! each distinct (feeds, fetches, targets) signature is pruned and planned once — kernels
//! built, buffers' last uses counted — and the [`Executor`](executor) then runs the cached plan.

mod caller_pool;
mod constant_folder;
mod denormals;
mod executor;
mod frame_state;
mod frames;
mod helper_placement;
mod kernel_runner;
mod loop_executor;
mod partial_run;
mod placed_kernel;
mod placer;
mod plan;
mod pool_run;
mod resources;
mod run_options;
mod run_thread;
mod session;

pub use caller_pool::adopt_calling_thread;
pub use run_options::{NodeExecStats, RunMetadata, RunOptions};
pub use session::{Callable, RunSignature, Session, SessionOptions};
