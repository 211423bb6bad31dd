//! Whether the thread pool's helpers are awake: kernels split small work only then.
//!
//! Handing part of a kernel to a sleeping pool thread costs a wake-up (~10 µs here), more than
//! a small convolution takes, so kernels split work only above a size that pays for it. While
//! a run keeps the pool's other threads awake and looking for work (the executor does so for
//! runs it hands to the pool), a split costs well under a microsecond, and much smaller work
//! is worth sharing. Kernels ask [`pool_is_awake`] to choose their threshold.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs in progress whose pool helpers are awake, process-wide.
static AWAKE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Whether some run is keeping the pool's threads awake now. Process-wide and approximate:
/// a kernel of another run sees it too, and at worst splits work a little too eagerly.
pub fn pool_is_awake() -> bool {
    AWAKE_RUNS.load(Ordering::Relaxed) > 0
}

/// Declares the pool awake while it lives.
#[derive(Debug)]
pub struct PoolAwake(());

impl PoolAwake {
    /// Marks the pool awake until the returned guard is dropped.
    pub fn new() -> Self {
        AWAKE_RUNS.fetch_add(1, Ordering::Relaxed);
        PoolAwake(())
    }
}

impl Default for PoolAwake {
    fn default() -> Self {
        PoolAwake::new()
    }
}

impl Drop for PoolAwake {
    fn drop(&mut self) {
        AWAKE_RUNS.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awake_while_a_guard_lives() {
        // Other tests in this process never create guards, so the count starts at zero.
        assert!(!pool_is_awake());
        let outer = PoolAwake::new();
        let inner = PoolAwake::new();
        drop(outer);
        assert!(pool_is_awake());
        drop(inner);
        assert!(!pool_is_awake());
    }
}
