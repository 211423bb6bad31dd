//! The epilogue in vector form ([`ChannelOps`]), as the f32 routines apply it to each vector of
//! output channels before storing it.

#![allow(unsafe_op_in_unsafe_fn)]

use super::super::epilogue::{ChannelAffine, ChannelOps, Epilogue};

/// Per-channel constants as pointers (checked to hold the output's channels when made) and
/// the clamp bounds.
pub(super) struct Finish {
    pub kind: Kind,
    pub low: f32,
    pub high: f32,
}

#[derive(Clone, Copy)]
pub(super) enum Kind {
    /// Store as computed (the plain convolution, or an epilogue applied afterwards).
    Raw,
    Bias(*const f32),
    Normalize {
        mean: *const f32,
        factor: *const f32,
        offset: *const f32,
    },
}

impl Finish {
    /// The vector form of `epilogue` for `channels` output channels, or [`Kind::Raw`] when the
    /// epilogue has none (it then runs after the row, through `Epilogue::apply`).
    pub(super) fn of<E: Epilogue<f32>>(epilogue: &E, channels: usize) -> Finish {
        let raw = Finish { kind: Kind::Raw, low: f32::NEG_INFINITY, high: f32::INFINITY };
        if !E::ACTIVE {
            return raw;
        }
        let Some(ChannelOps { affine, low, high }) = epilogue.channel_ops() else {
            return raw;
        };
        let holds = |v: &[f32]| v.len() >= channels;
        let kind = match affine {
            ChannelAffine::Bias(b) if holds(b) => Kind::Bias(b.as_ptr()),
            ChannelAffine::Normalize { mean, factor, offset }
                if holds(mean) && holds(factor) && holds(offset) =>
            {
                Kind::Normalize {
                    mean: mean.as_ptr(),
                    factor: factor.as_ptr(),
                    offset: offset.as_ptr(),
                }
            }
            _ => return raw,
        };
        Finish { kind, low, high }
    }

    /// Whether the epilogue still has to run after the row is stored.
    pub(super) fn leaves_epilogue<E: Epilogue<f32>>(&self) -> bool {
        E::ACTIVE && matches!(self.kind, Kind::Raw)
    }
}

macro_rules! finisher {
    ($name:ident, $isa:ident, $feature:literal) => {
        /// `v` (channels `c..` under mask `m`) finished.
        #[inline]
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $name(
            f: &Finish,
            v: super::lanes::$isa::V,
            c: usize,
            m: super::lanes::$isa::Mask,
        ) -> super::lanes::$isa::V {
            use super::lanes::$isa::*;
            let v = match f.kind {
                Kind::Raw => return v,
                Kind::Bias(b) => add(v, load(b.add(c), m)),
                Kind::Normalize { mean, factor, offset } => fma(
                    sub(v, load(mean.add(c), m)),
                    load(factor.add(c), m),
                    load(offset.add(c), m),
                ),
            };
            min(splat(f.high), max(splat(f.low), v))
        }
    };
}

finisher!(finish_avx512, avx512, "avx512f");
finisher!(finish_avx2, avx2, "avx2,fma");
