//! Which thread a run executes on: the caller's, or one of the pool's, chosen per plan.
//!
//! A kernel that splits its work (a matrix product, a convolution) over the pool from a thread
//! outside it hands the job over and sleeps until it is done: two thread wake-ups per kernel,
//! ~10–20 µs on this kind of machine. A run executed on a pool thread pays that once (the
//! caller hands the whole run over) and its kernels split work from inside the pool, where the
//! running thread takes part and only idle threads need waking: MobileNetV2 ran ~8% faster
//! that way, and ~35% once the pool's other threads also stayed awake for the run
//! ([`pool_run`](crate::pool_run)). A run of small kernels pays the hand-off for nothing (a
//! three-node scalar graph took 23 µs instead of 5). Neither choice suits every graph, so each
//! plan times its first runs both ways and keeps the faster, as TensorFlow autotunes
//! convolution algorithms. Timings of a few runs can mislead (another process; a pool whose
//! threads take a hundred runs to stop sleeping between kernels), so the trials are held
//! again after 64 runs, then after eight times as many each time.
//!
//! On a thread that is itself in the pool (the adopted JavaScript thread, see
//! [`adopt_calling_thread`](crate::adopt_calling_thread)) a "pool" run stays in place, and
//! differs from a caller's run only in the other threads kept awake for it: nothing is handed
//! over, so trials are not needed. Runs under [`QUICK_RUN`] stay as they are (waking helpers
//! would cost more than they take); longer ones keep the helpers. MobileNetV2 ran 0.29 ms so
//! against 0.38 ms without them, where trials in a process's first runs timed both alike.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Where one run executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunThread {
    /// On the thread that called `run`.
    Caller,
    /// Handed to a thread of the inter-op pool, the caller waiting; or, on a thread of that
    /// pool, in place with the pool's other threads kept awake.
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
/// Runs after which the trials are first held again; each later review comes after eight
/// times as many.
const FIRST_REVIEW: u32 = 64;
/// The pool is chosen only when its best run beats the caller's by this fraction, so that
/// noise does not pick the hand-off for graphs that gain nothing from it.
const MARGIN: f64 = 0.03;

/// Chooses, per plan, where its runs execute (see the module docs).
#[derive(Debug)]
pub(crate) struct RunThreadTuner {
    state: Mutex<Trials>,
}

impl Default for RunThreadTuner {
    fn default() -> Self {
        let trials = Trials {
            runs: 0,
            trials_after: WARMUP_RUNS,
            review_at: FIRST_REVIEW,
            caller: Samples::default(),
            pool: Samples::default(),
            chosen: None,
        };
        RunThreadTuner { state: Mutex::new(trials) }
    }
}

#[derive(Debug)]
struct Trials {
    /// Runs handed out so far, warm-up included (saturating).
    runs: u32,
    /// The run count after which the current trials began.
    trials_after: u32,
    /// The run count at which a choice made is put to trial again.
    review_at: u32,
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
        trials.runs = trials.runs.saturating_add(1);
        if let Some(thread) = trials.chosen {
            // A review scheduled past the count's range (saturated) never comes.
            if trials.runs < trials.review_at || trials.review_at == u32::MAX {
                return Assignment { thread, timed: false };
            }
            trials.review_at = trials.review_at.saturating_mul(8);
            trials.trials_after = trials.runs - 1;
            trials.caller = Samples::default();
            trials.pool = Samples::default();
            trials.chosen = None;
        }
        if trials.runs <= trials.trials_after {
            return Assignment { thread: RunThread::Caller, timed: false };
        }
        // Blocks of each kind in turn, the caller's first (its first timed run decides whether
        // trials are worth it). Runs under way on other threads may overshoot the counts,
        // which is harmless.
        let trial = trials.runs - trials.trials_after - 1;
        let thread =
            if (trial / BLOCK).is_multiple_of(2) { RunThread::Caller } else { RunThread::Pool };
        Assignment { thread, timed: !trial.is_multiple_of(BLOCK) }
    }

    /// Reports how long a timed run took (runs that failed are not reported); `in_place` when
    /// the run was made on a thread of the pool, where a pool run hands nothing over.
    pub fn record(&self, thread: RunThread, elapsed: Duration, in_place: bool) {
        let mut trials = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if trials.chosen.is_some() {
            return;
        }
        match thread {
            RunThread::Caller => trials.caller.add(elapsed),
            RunThread::Pool => trials.pool.add(elapsed),
        }
        if thread == RunThread::Caller && trials.pool.count == 0 {
            if elapsed < QUICK_RUN {
                trials.chosen = Some(RunThread::Caller);
                return;
            }
            if in_place {
                trials.chosen = Some(RunThread::Pool);
                return;
            }
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
                tuner.record(
                    a.thread,
                    if a.thread == RunThread::Caller { caller } else { pool },
                    false,
                );
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
                tuner.record(a.thread, took, false);
            }
        }
        assert_eq!(tuner.chosen(), Some(RunThread::Caller));
    }

    #[test]
    fn the_choice_is_reviewed_after_64_runs_then_after_eight_times_as_many() {
        let tuner = RunThreadTuner::default();
        // The pool looks slower in the first trials, faster from then on.
        let mut pool = US(600);
        let mut handed = Vec::new();
        for run in 1..=600u32 {
            let a = tuner.next();
            handed.push(a);
            if a.timed {
                tuner.record(
                    a.thread,
                    if a.thread == RunThread::Caller { US(500) } else { pool },
                    false,
                );
            }
            if run == 20 {
                assert_eq!(tuner.chosen(), Some(RunThread::Caller));
                pool = US(300);
            }
        }
        use RunThread::{Caller, Pool};
        // Runs 15..63 keep the first choice; run 64 opens the review, with an untimed run on
        // the caller's thread, as the first trials did after the warm-up.
        assert!(handed[14..63].iter().all(|a| *a == Assignment { thread: Caller, timed: false }));
        assert_eq!(handed[63], Assignment { thread: Caller, timed: false });
        assert_eq!(handed[64], Assignment { thread: Caller, timed: true });
        assert_eq!(tuner.chosen(), Some(Pool));
        // The review takes twelve runs; the pool keeps the rest until run 512 (of 600).
        assert!(handed[76..511].iter().all(|a| *a == Assignment { thread: Pool, timed: false }));
        assert_eq!(handed[511].thread, Caller);
        assert_eq!(handed.iter().filter(|a| a.timed).count(), 8 * 3);
    }

    #[test]
    fn in_place_runs_keep_helpers_after_one_slow_run_and_drop_them_after_a_quick_one() {
        for (took, kept) in [(US(300), RunThread::Pool), (US(20), RunThread::Caller)] {
            let tuner = RunThreadTuner::default();
            let mut timed = 0;
            for _ in 0..20 {
                let a = tuner.next();
                if a.timed {
                    timed += 1;
                    tuner.record(a.thread, took, true);
                }
            }
            assert_eq!((tuner.chosen(), timed), (Some(kept), 1));
        }
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
