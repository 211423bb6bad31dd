//! Runtime selection of wider vectors. Prebuilt binaries target baseline x86-64 (SSE2), where
//! the loops of these kernels vectorise four floats wide; on CPUs with AVX2 or AVX-512 the
//! same loops, compiled again inside a function for those, run eight or sixteen wide (Adam's
//! update ran ~30% faster on AVX-512 than on AVX2). The arithmetic and its order are the same
//! either way (no fused multiply-adds), so results do not depend on the CPU.

/// Calls `f` from a function compiled with AVX-512F, else AVX2, enabled when this CPU has it
/// (the check is cached by the standard library), so that the loops `f` inlines use 512- or
/// 256-bit vectors. Mark the closure `#[inline(always)]`: only code inlined into the wider
/// function is compiled for it, and LLVM does not inline large closures by itself.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn run_avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        #[target_feature(enable = "avx512f")]
        unsafe fn run_avx512<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected on the running CPU.
            return unsafe { run_avx512(f) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected on the running CPU.
            return unsafe { run_avx2(f) };
        }
    }
    f()
}
