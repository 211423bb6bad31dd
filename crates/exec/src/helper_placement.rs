//! Keeping a run's helper thread off the core the run computes on.
//!
//! Linux sometimes wakes a pool thread on the core of the thread that woke it, and a helper
//! that spins there politely (yielding now and then) shares that core with the run for
//! hundreds of milliseconds before the scheduler moves one of them: MobileNetV2 then ran at one
//! thread's speed (0.35 ms instead of 0.27) in about half of its rounds of runs. A helper that
//! finds itself on its run's core leaves it, by leaving that core out of its affinity until it
//! stops helping.

/// The core the calling thread is running on, where the OS says.
pub(crate) fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getcpu takes no arguments and only reads the calling thread's state.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// The affinity a helper had before it moved off its run's core; restored when dropped.
pub(crate) struct MovedOff {
    #[cfg(target_os = "linux")]
    original: libc::cpu_set_t,
}

impl MovedOff {
    /// Moves the calling thread off `cpu` if it is running there and may run elsewhere.
    pub(crate) fn from(cpu: usize) -> Option<MovedOff> {
        if current_cpu() != Some(cpu) {
            return None;
        }
        #[cfg(target_os = "linux")]
        {
            let size = std::mem::size_of::<libc::cpu_set_t>();
            if cpu >= 8 * size {
                return None;
            }
            // SAFETY: cpu_set_t is plain data (zero is an empty set); the calls read and write
            // only the sets passed, of the size given, for the calling thread (0); `cpu` is
            // within the set's bits (checked above).
            unsafe {
                let mut original: libc::cpu_set_t = std::mem::zeroed();
                if libc::sched_getaffinity(0, size, &mut original) != 0 {
                    return None;
                }
                let mut elsewhere = original;
                libc::CPU_CLR(cpu, &mut elsewhere);
                if libc::CPU_COUNT(&elsewhere) == 0
                    || libc::sched_setaffinity(0, size, &elsewhere) != 0
                {
                    return None;
                }
                Some(MovedOff { original })
            }
        }
        #[cfg(not(target_os = "linux"))]
        None
    }
}

impl Drop for MovedOff {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: restores the calling thread's affinity to the set read in `from`.
        unsafe {
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &self.original);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_moves_off_its_core_and_back() {
        // A thread pinned to nothing in particular, on a machine with more than one core.
        let Some(cpu) = current_cpu() else { return };
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            return;
        }
        let moved = MovedOff::from(cpu);
        assert!(moved.is_some(), "the thread could leave core {cpu}");
        assert_ne!(current_cpu(), Some(cpu));
        let before = moved.as_ref().map(|m| m.original);
        drop(moved);
        // The original affinity is back.
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: reads the calling thread's affinity into a zeroed set of the size given.
        let now = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            assert_eq!(libc::sched_getaffinity(0, size, &mut set), 0);
            set
        };
        // SAFETY: CPU_EQUAL only compares the two sets.
        assert!(before.is_some_and(|b| unsafe { libc::CPU_EQUAL(&b, &now) }));
        // A thread not on the core named stays where it is.
        assert!(MovedOff::from(usize::MAX).is_none());
    }
}
