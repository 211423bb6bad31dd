//! What a convolution does to each output pixel's channels right after computing them, while
//! they are still in registers or cache: nothing for `Conv2D`, a bias or batch normalisation
//! and an activation for the fused convolutions (`nn_fused`).

/// Finishes runs of output channels in place.
pub(crate) trait Epilogue<W>: Sync {
    /// Whether [`Epilogue::apply`] changes anything (so callers can skip the call).
    const ACTIVE: bool = true;

    /// Finishes channels `c0..c0 + values.len()` of one output pixel.
    fn apply(&self, c0: usize, values: &mut [W]);
}

/// The plain convolution's epilogue: values are final as computed.
pub(crate) struct Plain;

impl<W> Epilogue<W> for Plain {
    const ACTIVE: bool = false;

    #[inline(always)]
    fn apply(&self, _: usize, _: &mut [W]) {}
}
