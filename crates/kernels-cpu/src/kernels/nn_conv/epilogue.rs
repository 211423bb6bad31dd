//! What a convolution does to each output pixel's channels right after computing them, while
//! they are still in registers or cache: nothing for `Conv2D`, a bias or batch normalisation
//! and an activation for the fused convolutions (`nn_fused`).

/// Finishes runs of output channels in place.
pub(crate) trait Epilogue<W>: Sync {
    /// Whether [`Epilogue::apply`] changes anything (so callers can skip the call).
    const ACTIVE: bool = true;

    /// Finishes channels `c0..c0 + values.len()` of one output pixel.
    fn apply(&self, c0: usize, values: &mut [W]);

    /// The same as per-channel vector operations, when it has that form: then vector kernels
    /// apply it in registers, before storing, instead of calling [`Epilogue::apply`].
    fn channel_ops(&self) -> Option<ChannelOps<'_, W>> {
        None
    }
}

/// An epilogue as vector kernels apply it to channel `c`: the affine step, then
/// `min(high, max(low, ·))` with NaN kept (TensorFlow's Relu and Relu6 keep it).
pub(crate) struct ChannelOps<'a, W> {
    pub affine: ChannelAffine<'a, W>,
    pub low: W,
    pub high: W,
}

/// The affine step of [`ChannelOps`].
pub(crate) enum ChannelAffine<'a, W> {
    /// `x + bias[c]`.
    Bias(&'a [W]),
    /// `(x − mean[c])·factor[c] + offset[c]`.
    Normalize { mean: &'a [W], factor: &'a [W], offset: &'a [W] },
}

/// The plain convolution's epilogue: values are final as computed.
pub(crate) struct Plain;

impl<W> Epilogue<W> for Plain {
    const ACTIVE: bool = false;

    #[inline(always)]
    fn apply(&self, _: usize, _: &mut [W]) {}
}
