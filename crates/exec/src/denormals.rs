//! Denormal floats flushed to zero while kernels run, as TensorFlow does on its executor and
//! thread-pool threads. On x86 an operation that reads or produces a denormal (|x| below
//! 1.2e-38 in float32) takes a microcode assist of a hundred cycles or more, and training
//! drives values there: once a classifier's softmax saturates, its gradients underflow, and an
//! MLP's training steps slowed by about a third. Results differ from IEEE arithmetic only
//! below the smallest normal number, where TensorFlow's differ the same way.
//!
//! Pool threads flush for their whole life (they run nothing else); the thread that calls a
//! run (JavaScript's, or libuv's for async runs) flushes for the run only and is given its own
//! mode back, since V8 relies on IEEE denormals.

/// Sets the flush modes while alive and restores the thread's previous modes on drop.
pub(crate) struct FlushDenormals {
    saved: Option<u64>,
}

impl FlushDenormals {
    /// Flushes denormals on this thread until the guard is dropped.
    pub(crate) fn new() -> FlushDenormals {
        FlushDenormals { saved: mode::set() }
    }
}

impl Drop for FlushDenormals {
    fn drop(&mut self) {
        if let Some(saved) = self.saved {
            mode::restore(saved);
        }
    }
}

/// Flushes denormals on this thread from now on: for threads of our own pools.
pub(crate) fn flush_on_this_thread() {
    mode::set();
}

#[cfg(target_arch = "x86_64")]
mod mode {
    /// MXCSR's flush-to-zero (results) and denormals-are-zero (inputs) bits.
    const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

    /// Sets FTZ and DAZ; returns the previous MXCSR.
    pub(super) fn set() -> Option<u64> {
        let mut csr: u32 = 0;
        // SAFETY: stmxcsr stores the 32-bit control/status register at a valid, writable,
        // 4-byte location; SSE is part of x86-64's baseline.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags))
        };
        restore(u64::from(csr | FTZ_DAZ));
        Some(u64::from(csr))
    }

    pub(super) fn restore(csr: u64) {
        // Only values read from MXCSR (with FTZ/DAZ, valid on every x86-64) come here.
        let csr = csr as u32;
        // SAFETY: ldmxcsr loads a valid MXCSR value (reserved bits as read) from a readable
        // 4-byte location; it changes only this thread's floating-point modes.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly, preserves_flags))
        };
    }
}

#[cfg(target_arch = "aarch64")]
mod mode {
    /// FPCR's flush-to-zero bit (inputs and results, single and double precision).
    const FZ: u64 = 1 << 24;

    /// Sets FZ; returns the previous FPCR.
    pub(super) fn set() -> Option<u64> {
        let fpcr: u64;
        // SAFETY: reading FPCR has no side effects and is allowed at EL0.
        unsafe { std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack)) };
        restore(fpcr | FZ);
        Some(fpcr)
    }

    pub(super) fn restore(fpcr: u64) {
        // SAFETY: writing FPCR is allowed at EL0 and changes only this thread's floating-point
        // modes; the value is one read from FPCR, with FZ possibly set.
        unsafe { std::arch::asm!("msr fpcr, {}", in(reg) fpcr, options(nomem, nostack)) };
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod mode {
    /// Elsewhere denormals keep IEEE semantics.
    pub(super) fn set() -> Option<u64> {
        None
    }

    pub(super) fn restore(_: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest normal float32 halved: a denormal, unless flushed.
    fn half_of_smallest_normal(x: f32) -> f32 {
        std::hint::black_box(x) / 2.0
    }

    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn denormal_results_are_zero_inside_the_guard_and_kept_outside() {
        let smallest = f32::MIN_POSITIVE;
        assert!(half_of_smallest_normal(smallest).is_subnormal(), "IEEE before");
        {
            let _flush = FlushDenormals::new();
            assert_eq!(half_of_smallest_normal(smallest), 0.0);
            assert_eq!(half_of_smallest_normal(1.0), 0.5, "normal numbers are untouched");
        }
        assert!(half_of_smallest_normal(smallest).is_subnormal(), "the mode is restored");
    }
}
