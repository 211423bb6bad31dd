//! Splitting a variable update over the pool's threads without ever letting the updating
//! thread run another job.
//!
//! An update holds its variables' locks while it runs. A rayon parallel loop would have the
//! updating thread, while it waits for its parts, steal other jobs from the shared pool —
//! steps of the same run, among them possibly a read or an update of the same variable, which
//! would then wait forever for a lock its own thread holds. Here the updating thread only ever
//! takes chunks of its own update from a shared counter; idle pool threads are offered the
//! same counter through `rayon::spawn`. Once every chunk is claimed, the updating thread waits
//! only for chunks that helpers have already started (each a few microseconds of arithmetic),
//! never for a helper that has not started: such a helper finds no chunk left and returns at
//! once, touching nothing.

use std::any::Any;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Elements per chunk: large enough that claiming one costs nothing next to its arithmetic,
/// small enough to balance between threads (64 KiB of each f32 array).
pub(crate) const CHUNK: usize = 1 << 14;

/// The work of one update, shared with helpers for as long as any of them may claim a chunk.
struct Shared {
    len: usize,
    chunks: usize,
    /// The next chunk to claim; claims at or past `chunks` find nothing.
    next: AtomicUsize,
    /// Chunks finished (or abandoned by a panic).
    done: AtomicUsize,
    /// The body, its lifetime erased: it is only called for a claimed chunk below `chunks`,
    /// and the updating thread does not return before every such chunk is done.
    body: *const (dyn Fn(Range<usize>) + Sync + 'static),
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

// SAFETY: `body` points to a `Sync` closure, called through a shared reference only; the rest
// is atomics and a mutex.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

impl Shared {
    /// Claims and runs chunks until none is left.
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.chunks {
                return;
            }
            let range = i * CHUNK..((i + 1) * CHUNK).min(self.len);
            // SAFETY: chunk `i` is claimed and below `chunks`, so `run` has not returned and
            // the closure behind `body` is alive (see `run`).
            let body = unsafe { &*self.body };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| body(range))) {
                self.panic.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(payload);
            }
            self.done.fetch_add(1, Ordering::Release);
        }
    }
}

/// Calls `body` on consecutive ranges of at most [`CHUNK`] indices covering `0..len`, each
/// exactly once: on the calling thread, and for long ranges on idle threads of the current
/// rayon pool too. Ranges may run concurrently, so `body` must only touch what its range
/// owns. The calling thread runs nothing but chunks of this call meanwhile.
pub(crate) fn for_each_chunk(len: usize, body: &(dyn Fn(Range<usize>) + Sync)) {
    let chunks = len.div_ceil(CHUNK);
    // A thread of the pool calling this is busy with it; one outside may be helped by all.
    let idle = rayon::current_num_threads() - usize::from(rayon::current_thread_index().is_some());
    let helpers = idle.min(chunks.saturating_sub(1));
    if helpers == 0 {
        (0..chunks).for_each(|i| body(i * CHUNK..((i + 1) * CHUNK).min(len)));
        return;
    }
    // SAFETY: only the lifetime changes. The pointer is dereferenced for claimed chunks below
    // `chunks` only, and this function returns after every such chunk is done.
    let body = unsafe {
        std::mem::transmute::<
            *const (dyn Fn(Range<usize>) + Sync + '_),
            *const (dyn Fn(Range<usize>) + Sync + 'static),
        >(body)
    };
    let shared = Arc::new(Shared {
        len,
        chunks,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        body,
        panic: Mutex::new(None),
    });
    for _ in 0..helpers {
        let shared = Arc::clone(&shared);
        rayon::spawn(move || shared.work());
    }
    shared.work();
    // Every chunk is claimed now; those still running are on helpers that started them.
    let mut spins = 0u32;
    while shared.done.load(Ordering::Acquire) < chunks {
        if spins < 64 {
            std::hint::spin_loop();
            spins += 1;
        } else {
            std::thread::yield_now();
        }
    }
    if let Some(payload) = shared.panic.lock().unwrap_or_else(PoisonError::into_inner).take() {
        resume_unwind(payload);
    }
}

/// A slice split between threads by index ranges that never overlap.
pub(crate) struct Disjoint<T> {
    ptr: *mut T,
    len: usize,
}

// SAFETY: threads only reach elements through `range`, whose callers take disjoint ranges, so
// no element is shared; sending `T`s between threads needs `T: Send`.
unsafe impl<T: Send> Sync for Disjoint<T> {}

impl<T> Disjoint<T> {
    pub fn new(slice: &mut [T]) -> Self {
        Disjoint { ptr: slice.as_mut_ptr(), len: slice.len() }
    }

    /// The elements in `range`.
    ///
    /// # Safety
    /// No other live reference may cover any index of `range`, and the slice this was made
    /// from must outlive the result.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn range(&self, range: Range<usize>) -> &mut [T] {
        assert!(range.start <= range.end && range.end <= self.len, "range out of bounds");
        // SAFETY: in bounds (checked above); exclusivity is the caller's promise.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(range.start), range.len()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_is_visited_once_on_any_thread() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 17] {
            let counts: Vec<AtomicUsize> = (0..len).map(|_| AtomicUsize::new(0)).collect();
            let visit = |r: Range<usize>| {
                assert!(r.len() <= CHUNK);
                r.for_each(|i| {
                    counts[i].fetch_add(1, Ordering::Relaxed);
                })
            };
            // Outside the pool, and inside it as the executor's kernels run.
            for_each_chunk(len, &visit);
            rayon::scope(|_| for_each_chunk(len, &visit));
            assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 2), "len {len}");
        }
    }

    #[test]
    fn the_caller_runs_no_other_job_while_it_waits() {
        // A job spawned before the call would, with a stealing wait, run on the calling
        // thread; the lock it takes is held by that thread, so it would deadlock. Here it runs
        // on another thread or after the call.
        let lock = Mutex::new(0u64);
        rayon::scope(|s| {
            s.spawn(|_| {
                let guard = lock.lock().unwrap();
                for _ in 0..200 {
                    rayon::spawn(|| std::thread::sleep(std::time::Duration::from_micros(50)));
                }
                let sum = AtomicUsize::new(0);
                for_each_chunk(40 * CHUNK, &|r: Range<usize>| {
                    sum.fetch_add(r.len(), Ordering::Relaxed);
                });
                assert_eq!(sum.load(Ordering::Relaxed), 40 * CHUNK);
                drop(guard);
            });
            s.spawn(|_| *lock.lock().unwrap() += 1);
        });
        assert_eq!(*lock.lock().unwrap(), 1);
    }

    #[test]
    fn a_panic_in_a_chunk_reaches_the_caller_after_every_chunk_is_done() {
        let finished = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            for_each_chunk(8 * CHUNK, &|r: Range<usize>| {
                if r.start == 3 * CHUNK {
                    panic!("chunk 3");
                }
                finished.fetch_add(1, Ordering::Relaxed);
            })
        }));
        assert!(result.is_err());
        assert_eq!(finished.load(Ordering::Relaxed), 7, "the other chunks all ran");
    }
}
