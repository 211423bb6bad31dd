//! The `fused_ops` attr of TensorFlow's fused kernels, read once when the kernel is built, and
//! the epilogue it describes: a per-channel bias or batch normalisation, then an activation,
//! applied to each output pixel's channels right after they are computed.
//!
//! Supported sequences are those TensorFlow's CPU kernels accept (checked with TF 2.21):
//! `BiasAdd` or `FusedBatchNorm` (convolutions only), optionally followed by `Relu`, `Relu6`,
//! `Elu` or `LeakyRelu`; `_FusedMatMul` also takes `Tanh` and `Sigmoid` after `BiasAdd`.

use crate::kernels::nn_conv::{ChannelAffine, ChannelOps, Epilogue, float};
use num_traits::Float;
use sessionflow_core::{AttrValue, AttrsExt, NodeView, Result, Status, Tensor};

/// What is added to (or normalises) each channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Affine {
    /// `x + bias`: one argument.
    Bias,
    /// `(x − mean)·scale/√(variance + ε) + offset`: four arguments (scale, offset, mean,
    /// variance).
    BatchNorm,
}

/// The activation after the affine step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Activation {
    Identity,
    Relu,
    Relu6,
    Elu,
    LeakyRelu(f32),
    Tanh,
    Sigmoid,
}

/// Which kernel reads the attr: the convolutions accept batch normalisation, the product
/// `Tanh` and `Sigmoid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Host {
    Conv,
    MatMul,
}

/// A parsed `fused_ops` attr and its constants.
#[derive(Clone, Copy, Debug)]
pub(super) struct FusedOps {
    pub affine: Affine,
    pub activation: Activation,
    pub epsilon: f32,
}

impl FusedOps {
    /// Reads `fused_ops`, `num_args`, `epsilon` and `leakyrelu_alpha`; Unimplemented for a
    /// sequence TensorFlow's CPU kernel has no fusion for, InvalidArgument for a wrong
    /// argument count (TensorFlow's messages).
    pub(super) fn from_node(node: &NodeView<'_>, host: Host) -> Result<FusedOps> {
        let ops: &[String] = match node.attrs.attr("fused_ops")? {
            AttrValue::ListString(v) => v,
            other => {
                return Err(Status::invalid_argument(format!(
                    "attr 'fused_ops' should be list(string), but is {}",
                    other.kind()
                )));
            }
        };
        let unimplemented =
            || Status::unimplemented(format!("Fusion is not implemented: [{}]", ops.join(",")));
        let (first, rest) = ops.split_first().ok_or_else(unimplemented)?;
        let affine = match (first.as_str(), host) {
            ("BiasAdd", _) => Affine::Bias,
            ("FusedBatchNorm", Host::Conv) => Affine::BatchNorm,
            _ => return Err(unimplemented()),
        };
        let alpha = float(node.attrs, "leakyrelu_alpha")?;
        let activation = match (rest, host) {
            ([], _) => Activation::Identity,
            ([a], _) if a == "Relu" => Activation::Relu,
            ([a], _) if a == "Relu6" => Activation::Relu6,
            ([a], _) if a == "Elu" => Activation::Elu,
            ([a], _) if a == "LeakyRelu" => Activation::LeakyRelu(alpha),
            ([a], Host::MatMul) if a == "Tanh" => Activation::Tanh,
            ([a], Host::MatMul) if a == "Sigmoid" => Activation::Sigmoid,
            _ => return Err(unimplemented()),
        };
        let num_args = node.attrs.get_int("num_args")?;
        let what = if host == Host::Conv { "Conv2D" } else { "MatMul" };
        match affine {
            Affine::Bias if num_args != 1 => {
                return Err(Status::invalid_argument(format!(
                    "Fused {what} with BiasAdd must have one extra argument: bias."
                )));
            }
            Affine::BatchNorm if num_args != 4 => {
                return Err(Status::invalid_argument(format!(
                    "Fused {what} with batch norm must have 4 extra arguments: scale, offset, mean, variance."
                )));
            }
            _ => {}
        }
        Ok(FusedOps { affine, activation, epsilon: float(node.attrs, "epsilon")? })
    }

    /// The epilogue for `channels` output channels from the argument tensors (read through
    /// `widen` into the compute type `W`).
    pub(super) fn epilogue<W: Float + Send + Sync>(
        &self,
        args: &[&Tensor],
        channels: usize,
        widen: impl Fn(&Tensor) -> Result<Vec<W>>,
    ) -> Result<FusedEpilogue<W>> {
        let names: &[&str] = match self.affine {
            Affine::Bias => &["bias"],
            Affine::BatchNorm => &["scale", "offset", "mean", "variance"],
        };
        let mut values = Vec::with_capacity(names.len());
        for (t, name) in args.iter().zip(names) {
            if t.shape().rank() != 1 || t.num_elements() != channels {
                return Err(Status::invalid_argument(format!(
                    "{name} must be a vector of {channels} elements (the output's channels), got shape {}",
                    t.shape()
                )));
            }
            values.push(widen(t)?);
        }
        let affine = match self.affine {
            Affine::Bias => AffineValues::Bias(values.remove(0)),
            Affine::BatchNorm => {
                let [scale, offset, mean, variance] =
                    <[Vec<W>; 4]>::try_from(values).map_err(|_| Status::internal("4 arguments"))?;
                // TensorFlow's FusedBatchNormOutputKernel: rsqrt(variance + ε)·scale, then
                // (x − mean)·that + offset.
                let epsilon = W::from(self.epsilon).unwrap_or_else(W::zero);
                let factor =
                    variance.iter().zip(&scale).map(|(&v, &s)| (v + epsilon).sqrt().recip() * s);
                AffineValues::BatchNorm { mean, factor: factor.collect(), offset }
            }
        };
        Ok(FusedEpilogue { affine, activation: self.activation })
    }
}

/// The per-channel constants of the affine step.
enum AffineValues<W> {
    Bias(Vec<W>),
    BatchNorm { mean: Vec<W>, factor: Vec<W>, offset: Vec<W> },
}

/// An affine step and an activation, applied in one pass over each run of channels.
pub(super) struct FusedEpilogue<W> {
    affine: AffineValues<W>,
    activation: Activation,
}

impl<W: Float + Send + Sync> FusedEpilogue<W> {
    #[inline(always)]
    fn affine_then(&self, c0: usize, values: &mut [W], act: impl Fn(W) -> W) {
        let n = values.len();
        match &self.affine {
            AffineValues::Bias(bias) => {
                for (v, &b) in values.iter_mut().zip(&bias[c0..c0 + n]) {
                    *v = act(*v + b);
                }
            }
            AffineValues::BatchNorm { mean, factor, offset } => {
                let params = mean[c0..c0 + n].iter().zip(&factor[c0..c0 + n]);
                for ((v, (&m, &f)), &o) in values.iter_mut().zip(params).zip(&offset[c0..c0 + n]) {
                    *v = act((*v - m) * f + o);
                }
            }
        }
    }
}

impl<W: Float + Send + Sync> Epilogue<W> for FusedEpilogue<W> {
    fn channel_ops(&self) -> Option<ChannelOps<'_, W>> {
        let (low, high) = match self.activation {
            Activation::Identity => (W::neg_infinity(), W::infinity()),
            Activation::Relu => (W::zero(), W::infinity()),
            Activation::Relu6 => (W::zero(), W::from(6.0)?),
            _ => return None,
        };
        let affine = match &self.affine {
            AffineValues::Bias(bias) => ChannelAffine::Bias(bias),
            AffineValues::BatchNorm { mean, factor, offset } => {
                ChannelAffine::Normalize { mean, factor, offset }
            }
        };
        Some(ChannelOps { affine, low, high })
    }

    #[inline(always)]
    fn apply(&self, c0: usize, values: &mut [W]) {
        let (zero, one) = (W::zero(), W::one());
        // Comparisons written as TensorFlow's kernels write them, so NaN passes through.
        match self.activation {
            Activation::Identity => self.affine_then(c0, values, |x| x),
            Activation::Relu => self.affine_then(c0, values, |x| if x < zero { zero } else { x }),
            Activation::Relu6 => {
                let six = W::from(6.0).unwrap_or_else(W::zero);
                self.affine_then(c0, values, |x| {
                    if x < zero {
                        zero
                    } else if x > six {
                        six
                    } else {
                        x
                    }
                })
            }
            Activation::Elu => {
                self.affine_then(c0, values, |x| if x < zero { x.exp() - one } else { x })
            }
            Activation::LeakyRelu(alpha) => {
                let alpha = W::from(alpha).unwrap_or_else(W::zero);
                self.affine_then(c0, values, |x| if x < zero { x * alpha } else { x })
            }
            Activation::Tanh => self.affine_then(c0, values, |x| x.tanh()),
            Activation::Sigmoid => self.affine_then(c0, values, |x| one / (one + (-x).exp())),
        }
    }
}
