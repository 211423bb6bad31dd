//! Which thread a run executes on: the caller's, or one of the pool's, chosen per plan by
//! timing both.
//!
//! A kernel that splits its work (a matrix product, a convolution) over the pool from a thread
//! outside it hands the job over and sleeps until it is done: two thread wake-ups per kernel,
//! ~10–20 µs on this kind of machine. A run executed on a pool thread pays that once (the
//! caller hands the whole run over) and its kernels split work from inside the pool, where the
//! running thread takes part and only idle threads need waking: MobileNetV2 ran ~8% faster
//! that way, and ~35% once the pool's other threads also stayed awake for the run
//! ([`pool_run`](crate::pool_run)). A run of small kernels pays the hand-off for nothing (a
//! three-node scalar graph took 23 µs instead of 5). Neither choice suits every graph, so each plan times its first
//! runs both ways and keeps the faster, as TensorFlow autotunes convolution algorithms.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Where one run executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunThread {
    /// On the thread that called `run`.
    Caller,
    /// Handed to a thread of the inter-op pool; the caller waits.
    Pool,
}

/// Untimed runs first: the first runs of a plan allocate the memory later runs reuse.
const WARMUP_RUNS: u32 = 2;
/// Trials come in blocks of this many runs of one kind, the first of each untimed: a run
/// right after a switch finds the other kind's threads asleep or its caches cold, which says
/// little about runs that follow their own kind (alternating single runs timed the pool
/// ~30% slower than a steady series of pool runs).
const BLOCK: u32 = 3;
/// Timed runs of each kind before choosing.
const TRIALS: u32 = 4;
/// A run this quick on the caller's thread stays there without trials: a hand-off costs
/// about a third of this.
const QUICK_RUN: Duration = Duration::from_micros(60);
/// The pool is chosen only when its best run beats the caller's by this fraction, so that
/// noise does not pick the hand-off for graphs that gain nothing from it.
const MARGIN: f64 = 0.03;

/// Chooses, per plan, where its runs execute (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct RunThreadTuner {
    state: Mutex<Trials>,
}

#[derive(Debug, Default)]
struct Trials {
    /// Runs handed out so far, warm-up included (saturating).
    runs: u32,
    caller: Samples,
    pool: Samples,
    chosen: Option<RunThread>,
}

#[derive(Debug, Default)]
struct Samples {
    count: u32,
    best: Option<Duration>,
}

impl Samples {
    fn add(&mut self, elapsed: Duration) {
        self.count += 1;
        self.best = Some(self.best.map_or(elapsed, |b| b.min(elapsed)));
    }
}

/// What [`RunThreadTuner::next`] asks of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Assignment {
    pub thread: RunThread,
    /// Whether the run's duration should be reported back with [`RunThreadTuner::record`].
    pub timed: bool,
}

impl RunThreadTuner {
    /// Where the next run goes.
    pub fn next(&self) -> Assignment {
        let mut trials = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(thread) = trials.chosen {
            return Assignment { thread, timed: false };
        }
        trials.runs = trials.runs.saturating_add(1);
        if trials.runs <= WARMUP_RUNS {
            return Assignment { thread: RunThread::Caller, timed: false };
        }
        // Blocks of each kind in turn, the caller's first (its first timed run decides whether
        // trials are worth it). Runs under way on other threads may overshoot the counts,
        // which is harmless.
        let trial = trials.runs - WARMUP_RUNS - 1;
        let thread =
            if (trial / BLOCK).is_multiple_of(2) { RunThread::Caller } else { RunThread::Pool };
        Assignment { thread, timed: !trial.is_multiple_of(BLOCK) }
    }

    /// Reports how long a timed run took (runs that failed are not reported).
    pub fn record(&self, thread: RunThread, elapsed: Duration) {
        let mut trials = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if trials.chosen.is_some() {
            return;
        }
        match thread {
            RunThread::Caller => trials.caller.add(elapsed),
            RunThread::Pool => trials.pool.add(elapsed),
        }
        if thread == RunThread::Caller && trials.pool.count == 0 && elapsed < QUICK_RUN {
            trials.chosen = Some(RunThread::Caller);
            return;
        }
        if trials.caller.count >= TRIALS && trials.pool.count >= TRIALS {
            let (Some(caller), Some(pool)) = (trials.caller.best, trials.pool.best) else {
                // Both counts are positive, so both have a best.
                return;
            };
            let pool_wins = pool.as_secs_f64() < caller.as_secs_f64() * (1.0 - MARGIN);
            trials.chosen = Some(if pool_wins { RunThread::Pool } else { RunThread::Caller });
        }
    }

    /// The choice made, once trials are over.
    pub fn chosen(&self) -> Option<RunThread> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: fn(u64) -> Duration = Duration::from_micros;

    /// Runs the tuner through its trials with each kind of run taking the given time.
    fn settle(tuner: &RunThreadTuner, caller: Duration, pool: Duration) -> Vec<Assignment> {
        let mut handed = Vec::new();
        for _ in 0..20 {
            let a = tuner.next();
            handed.push(a);
            if a.timed {
                tuner.record(a.thread, if a.thread == RunThread::Caller { caller } else { pool });
            }
        }
        handed
    }

    #[test]
    fn warm_up_runs_stay_on_the_caller_untimed() {
        let tuner = RunThreadTuner::default();
        let handed = settle(&tuner, US(500), US(400));
        let untimed_caller = Assignment { thread: RunThread::Caller, timed: false };
        assert_eq!(&handed[..2], &[untimed_caller, untimed_caller]);
    }

    #[test]
    fn trials_come_in_blocks_then_the_faster_pool_is_kept() {
        let tuner = RunThreadTuner::default();
        let handed = settle(&tuner, US(500), US(400));
        use RunThread::{Caller, Pool};
        let p = |timed| Assignment { thread: Pool, timed };
        let c = |timed| Assignment { thread: Caller, timed };
        let block = |kind: fn(bool) -> Assignment| [kind(false), kind(true), kind(true)];
        let trials: Vec<Assignment> =
            [block(c), block(p), block(c), block(p)].into_iter().flatten().collect();
        assert_eq!(&handed[2..14], &trials[..]);
        assert_eq!(tuner.chosen(), Some(Pool));
        // Every run after the trials goes to the pool, untimed.
        assert!(handed[14..].iter().all(|a| *a == p(false)));
    }

    #[test]
    fn a_pool_within_the_margin_loses() {
        let tuner = RunThreadTuner::default();
        settle(&tuner, US(500), US(490));
        assert_eq!(tuner.chosen(), Some(RunThread::Caller));
    }

    #[test]
    fn the_best_time_of_each_kind_decides() {
        let tuner = RunThreadTuner::default();
        // One slow outlier on the caller's side does not hand the plan to the pool.
        let mut callers = [US(900), US(300), US(310), US(320)].into_iter();
        for _ in 0..40 {
            let a = tuner.next();
            if a.timed {
                let took = match a.thread {
                    RunThread::Caller => callers.next().unwrap_or(US(300)),
                    RunThread::Pool => US(400),
                };
                tuner.record(a.thread, took);
            }
        }
        assert_eq!(tuner.chosen(), Some(RunThread::Caller));
    }

    #[test]
    fn quick_runs_choose_the_caller_without_trying_the_pool() {
        let tuner = RunThreadTuner::default();
        let handed = settle(&tuner, US(5), US(1));
        assert!(handed.iter().all(|a| a.thread == RunThread::Caller));
        assert_eq!(handed.iter().filter(|a| a.timed).count(), 1);
        assert_eq!(tuner.chosen(), Some(RunThread::Caller));
    }
}
