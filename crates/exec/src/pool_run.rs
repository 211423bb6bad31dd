//! Running a whole run on a pool thread while the pool's other threads stay awake.
//!
//! A kernel that splits its work over the pool pushes parts for idle threads to take. A rayon
//! thread that found nothing to do for a few microseconds sleeps, and waking it costs more than
//! a small kernel's part of the work, so between the kernels of a run the helpers would fall
//! asleep and every split would wait for a wake-up. For the length of the run each other thread
//! of the pool therefore runs a job that keeps taking pending work (rayon's `yield_now`) and
//! spins while there is none, as TensorFlow's and onnxruntime's pools spin between ops. It stops
//! when the run ends, whether it succeeded, failed or panicked; the run does not wait for it to
//! notice (a helper whose thread the OS had just given to another process could hold the run's
//! end back by a time slice). Meanwhile kernels see
//! [`pool_is_awake`](sessionflow_core::pool_is_awake) and split smaller work.
//!
//! After its run a helper lingers, spinning (and running any other work of the pool) for
//! [`LINGER`] or until the next run starts, as onnxruntime's threads spin between runs. Left to
//! rayon, an idle thread sleeps after ~10 µs, less than a caller's gap between two runs, and
//! each run's helper then had to be woken again: ~20 µs late at best, and when Linux placed the
//! woken thread on the run's own core, or another process's thread had the other, not before
//! the run ended, so that MobileNetV2 ran at one thread's speed for tens of runs at a time.

use crate::helper_placement::{MovedOff, current_cpu};
use rayon::{ThreadPool, Yield};
use sessionflow_core::PoolAwake;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Idle polls between OS yields while a helper waits for work.
const SPINS_PER_YIELD: u32 = 64;
/// How long a helper keeps spinning after its run for the next one (see the module docs): a
/// core kept busy that long after a process's last run.
const LINGER: Duration = Duration::from_millis(1);

/// Runs with helpers started so far, process-wide: a lingering helper stops when it changes.
static RUNS_STARTED: AtomicUsize = AtomicUsize::new(0);

/// Lingers one inside the other at most on a thread. A lingering thread that sees the next run
/// start returns to its pool, which gives it that run's helper; only if it took the helper as
/// pending work just before seeing the start does the helper run inside the linger, and it may
/// linger in turn, but no deeper.
const MAX_LINGERS: u32 = 2;

thread_local! {
    /// Lingers under way on this thread (see [`MAX_LINGERS`]).
    static LINGERS: Cell<u32> = const { Cell::new(0) };
}

/// Runs `work` on a thread of `pool` (rayon's process-wide pool when `None`) and returns its
/// result; the caller's thread waits. On a thread of that pool (the adopted caller's thread,
/// see [`adopt_calling_thread`](crate::adopt_calling_thread)) the work runs in place. The
/// pool's other threads keep looking for work until `work` returns.
pub(crate) fn run_on_pool<R: Send>(
    pool: Option<&ThreadPool>,
    work: impl FnOnce() -> R + Send,
) -> R {
    match pool {
        Some(pool) => pool.install(|| with_helpers(work)),
        // A scope with nothing spawned in it: its body runs in the process-wide pool (or the
        // adopted thread's) and it ends with the body.
        None => rayon::scope(|_| with_helpers(work)),
    }
}

/// `work()`, with a helper job per other thread of the current pool until it returns.
fn with_helpers<R>(work: impl FnOnce() -> R) -> R {
    // Counted before the helpers are spawned: a helper lingering after the previous run sees
    // the change and returns to its pool, where the new helper job is waiting.
    let run = RUNS_STARTED.fetch_add(1, Ordering::AcqRel) + 1;
    let finished = Arc::new(AtomicBool::new(false));
    let _finished_on_exit = SetOnDrop(Arc::clone(&finished));
    let _awake = PoolAwake::new();
    let owner = rayon::current_thread_index();
    let owner_cpu = current_cpu();
    for _ in 1..rayon::current_num_threads() {
        let finished = Arc::clone(&finished);
        rayon::spawn(move || keep_taking_work(&finished, owner, owner_cpu, run));
    }
    work()
}

/// Takes pending work of the pool until `finished`, then lingers while `run` is the last run
/// started. Returns at once on `owner`, the thread running the run: waiting inside a kernel it
/// may pick this job up itself, and it must not spin waiting for its own run to end. A helper
/// on `owner_cpu`, the core the run started on, moves off it (see `helper_placement`) until it
/// returns.
fn keep_taking_work(
    finished: &AtomicBool,
    owner: Option<usize>,
    owner_cpu: Option<usize>,
    run: usize,
) {
    if rayon::current_thread_index() == owner {
        return;
    }
    let mut moved = owner_cpu.and_then(MovedOff::from);
    let mut idle = 0u32;
    while !finished.load(Ordering::Acquire) {
        match rayon::yield_now() {
            Some(Yield::Executed) => idle = 0,
            Some(Yield::Idle) => {
                idle += 1;
                if idle.is_multiple_of(SPINS_PER_YIELD) {
                    if moved.is_none() {
                        moved = owner_cpu.and_then(MovedOff::from);
                    }
                    // Leave the core to another process's thread now and then.
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
            // Not a pool thread: nothing to help with.
            None => return,
        }
    }
    linger(run);
}

/// Spins, taking any pending work of the pool, until a run after `run` starts or [`LINGER`]
/// passes; returns at once inside [`MAX_LINGERS`] others.
fn linger(run: usize) {
    let depth = LINGERS.with(|l| l.get());
    if depth >= MAX_LINGERS {
        return;
    }
    LINGERS.with(|l| l.set(depth + 1));
    let _restore = LingerDepth(depth);
    let until = Instant::now() + LINGER;
    let mut polls = 0u32;
    while RUNS_STARTED.load(Ordering::Acquire) == run {
        polls = polls.wrapping_add(1);
        if polls.is_multiple_of(SPINS_PER_YIELD) {
            if Instant::now() >= until {
                break;
            }
            std::thread::yield_now();
        } else if rayon::yield_now() != Some(Yield::Executed) {
            std::hint::spin_loop();
        }
    }
}

/// Puts this thread's linger count back to what it was, also if pending work taken while
/// lingering panics.
struct LingerDepth(u32);

impl Drop for LingerDepth {
    fn drop(&mut self) {
        LINGERS.with(|l| l.set(self.0));
    }
}

/// Sets the flag when dropped: the helpers stop even if the run panics.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    fn pool(threads: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a test pool")
    }

    #[test]
    fn the_work_runs_on_a_pool_thread_and_its_result_comes_back() {
        let pool = pool(3);
        let (index, sum) = run_on_pool(Some(&pool), || {
            let sum: u64 = (0..10_000u64).into_par_iter().sum();
            (rayon::current_thread_index(), sum)
        });
        assert!(index.is_some_and(|i| i < 3));
        assert_eq!(sum, 49_995_000);
    }

    #[test]
    fn helpers_stop_when_the_work_panics() {
        let pool = pool(2);
        let result = catch_unwind(AssertUnwindSafe(|| {
            run_on_pool(Some(&pool), || -> u32 { panic!("a kernel panicked") })
        }));
        assert!(result.is_err());
        // The pool is free again: a second run completes.
        assert_eq!(run_on_pool(Some(&pool), || 7), 7);
    }

    #[test]
    fn nested_and_concurrent_runs_finish() {
        let pool = pool(2);
        let total: u64 = (0..8u64)
            .into_par_iter()
            .map(|i| run_on_pool(None, || (0..1000u64).into_par_iter().map(|x| x * i).sum::<u64>()))
            .sum();
        assert_eq!(total, 499_500 * 28);
        let inner = run_on_pool(Some(&pool), || run_on_pool(Some(&pool), || 5));
        assert_eq!(inner, 5);
    }

    #[test]
    fn the_run_ends_without_waiting_for_its_helpers() {
        let pool = pool(2);
        // The other thread is busy when the run starts, so its helper job waits in the queue
        // past the run's end; the run returns all the same, and the helper, when it starts,
        // finds the run over and returns.
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        pool.spawn(move || {
            let _ = blocked.recv();
        });
        let sum = run_on_pool(Some(&pool), || (0..1000u64).sum::<u64>());
        assert_eq!(sum, 499_500);
        release.send(()).expect("the blocked job is still waiting");
        assert_eq!(run_on_pool(Some(&pool), || 3), 3);
    }

    #[test]
    fn back_to_back_runs_find_their_helpers_lingering() {
        // Each run's helper lingers into the next run, which its thread then also helps with
        // from inside the linger: thousands of runs in a row must neither nest without bound
        // nor lose work.
        let pool = pool(2);
        for i in 0..5000u64 {
            let sum: u64 =
                run_on_pool(Some(&pool), || (0..64u64).into_par_iter().map(|x| x * i).sum());
            assert_eq!(sum, 2016 * i);
        }
    }

    #[test]
    fn other_work_of_the_pool_runs_while_a_helper_lingers() {
        let pool = pool(2);
        assert_eq!(run_on_pool(Some(&pool), || (0..1000u64).into_par_iter().sum::<u64>()), 499_500);
        // Queued right after the run, while its helper lingers: the lingering thread (or,
        // once its linger is over, the pool) runs it.
        let (done, finished) = std::sync::mpsc::channel();
        pool.spawn(move || {
            let _ = done.send(rayon::current_thread_index());
        });
        let ran_on = finished.recv_timeout(Duration::from_secs(10)).expect("the job ran");
        assert!(ran_on.is_some_and(|i| i < 2));
    }

    #[test]
    fn a_single_thread_pool_runs_the_work_without_helpers() {
        let pool = pool(1);
        assert_eq!(run_on_pool(Some(&pool), || (0..100u32).into_par_iter().sum::<u32>()), 4950);
    }
}
