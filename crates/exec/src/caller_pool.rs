//! A pool of threads of which the calling thread is thread 0.
//!
//! A run started from outside rayon's pools either stays on the caller's thread, whose kernels
//! then hand each split to pool threads and sleep until they finish, or is handed whole to a
//! pool thread while the caller sleeps until it is done. Either way threads wake each other:
//! per kernel, or twice per run (MobileNetV2: ~3 µs to hand the run over and 11–56 µs, as the
//! host was busy, for the caller to wake when it ended). onnxruntime's caller computes in its
//! own pool instead, as thread 0. [`adopt_calling_thread`] makes the calling thread (the
//! JavaScript thread, which makes every synchronous run) thread 0 of a pool of its own: its
//! runs execute on it in place, its kernels' splits go to the pool's other threads with the
//! caller taking part, and no hand-off wakes it.

use crate::session::configure_global_pool;
use rayon::ThreadPool;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether some thread of the process has been adopted.
static ADOPTED: AtomicBool = AtomicBool::new(false);
/// The adopted thread's pool, kept for the life of the process: dropping the handle would stop
/// the pool's other threads.
static POOL: OnceLock<ThreadPool> = OnceLock::new();

/// Makes the calling thread thread 0 of a pool with as many threads as rayon's process-wide
/// pool (`RAYON_NUM_THREADS`, else one per CPU), the others new. Every rayon call on this
/// thread then runs in that pool, the calling thread taking part. Only the first call in the
/// process adopts its thread; returns whether this one did. A thread already in a pool is
/// not adopted.
pub fn adopt_calling_thread() -> bool {
    if rayon::current_thread_index().is_some() || ADOPTED.swap(true, Ordering::AcqRel) {
        return false;
    }
    configure_global_pool();
    let threads = rayon::current_num_threads();
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .use_current_thread()
        .thread_name(|i| format!("sessionflow-caller-{i}"))
        .start_handler(|_| crate::denormals::flush_on_this_thread())
        .build();
    match built {
        Ok(pool) => {
            // Set once: only the thread that won `ADOPTED` gets here.
            let _ = POOL.set(pool);
            true
        }
        Err(_) => {
            ADOPTED.store(false, Ordering::Release);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_thread_is_adopted_and_computes_in_its_pool() {
        let adopted = std::thread::spawn(|| {
            let first = adopt_calling_thread();
            let index = rayon::current_thread_index();
            let sum: u64 = {
                use rayon::prelude::*;
                (0..100_000u64).into_par_iter().sum()
            };
            (first, index, sum, adopt_calling_thread())
        })
        .join()
        .expect("the adopted thread finishes");
        assert_eq!(adopted, (true, Some(0), 4_999_950_000, false));
        // Another thread is not adopted once one has been.
        let other = std::thread::spawn(|| (adopt_calling_thread(), rayon::current_thread_index()))
            .join()
            .expect("the other thread finishes");
        assert_eq!(other, (false, None));
    }
}
