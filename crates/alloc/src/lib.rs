//! Allocators for tensor memory. The [`Allocator`](sessionflow_core::Allocator) trait lives in
//! `sessionflow-core` because every tensor refers to one; the implementations live here.

mod cpu_allocator;

pub use cpu_allocator::CpuAllocator;
