//! Plan-time graph rewrites (TensorFlow's graph optimizer and grappler, in miniature): before a
//! run signature is planned, a private copy of its pruned graph is simplified: Identity nodes
//! bypassed, control edges that order nothing dropped, constant subgraphs folded into
//! constants, duplicate computations merged, and convolutions or products fused with the bias
//! (or batch normalisation) and activation that follow them. The user's graph is never
//! changed; fed, fetched and targeted nodes keep their names (and fed ones their place),
//! stateful and control-flow ops are left alone, and each pass gives identical outputs (the
//! fusions up to floating-point reassociation, as TensorFlow's own).
//!
//! Rewrites replace nodes in place, keeping ids (so plans still name nodes by id) and keeping
//! ids a topological order; nodes bypassed this way are dropped when the plan prunes. A pass
//! that fails leaves the graph as it was: a rewrite never makes a run fail.

mod constant_folding;
mod context;
mod control_pruning;
mod conv_fusion;
mod cse;
mod fusion_patterns;
mod identity_removal;
mod matmul_fusion;
mod pad_folding;

use crate::{Endpoint, Graph, Node, NodeId};
use context::RunView;
use sessionflow_core::{Allocator, Result, Tensor};
use std::sync::Arc;

/// Which rewrites run at plan time; all do by default. TensorFlow's `OptimizerOptions`
/// (`do_constant_folding`, `do_common_subexpression_elimination`) and grappler's
/// `RewriterConfig` (`dependency_optimization`, `remapping`) switch the same things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewriteOptions {
    /// Evaluate subgraphs whose inputs are all constant, once, into `Const` nodes.
    pub constant_folding: bool,
    /// Merge nodes that compute the same op on the same inputs with the same attrs.
    pub common_subexpression_elimination: bool,
    /// Bypass `Identity` nodes and drop control edges that order nothing (grappler's
    /// dependency optimizer).
    pub identity_removal: bool,
    /// Fuse `Conv2D`/`DepthwiseConv2dNative`/`MatMul` with a following bias or batch
    /// normalisation and activation (grappler's remapper).
    pub fusion: bool,
}

impl Default for RewriteOptions {
    fn default() -> Self {
        RewriteOptions {
            constant_folding: true,
            common_subexpression_elimination: true,
            identity_removal: true,
            fusion: true,
        }
    }
}

impl RewriteOptions {
    /// Every rewrite off.
    pub const NONE: RewriteOptions = RewriteOptions {
        constant_folding: false,
        common_subexpression_elimination: false,
        identity_removal: false,
        fusion: false,
    };

    /// Whether any rewrite is on.
    pub fn any(&self) -> bool {
        *self != RewriteOptions::NONE
    }
}

/// Runs one node's kernel on constant inputs: how constant folding computes values. The
/// session supplies it (kernels live below the graph crate).
pub trait ConstantEvaluator {
    /// The outputs of `node` on `inputs`, or the error its kernel reports.
    fn evaluate(&self, node: &Node, inputs: Vec<Tensor>) -> Result<Vec<Tensor>>;

    /// Where rewrites allocate the constants they compute themselves (scaled filters); with
    /// none, such rewrites are skipped.
    fn allocator(&self) -> Option<&Arc<dyn Allocator>>;
}

/// The rewritten copy of `graph` for a run feeding `feeds`, fetching `fetches` and running
/// `targets`, or `None` when no rewrite applies (the graph is then used as it is).
pub fn optimize(
    graph: &Graph,
    feeds: &[Endpoint],
    fetches: &[Endpoint],
    targets: &[NodeId],
    options: &RewriteOptions,
    evaluator: &dyn ConstantEvaluator,
) -> Option<Graph> {
    if !options.any() {
        return None;
    }
    let run = RunView::new(feeds, fetches, targets);
    let mut work = graph.clone();
    let mut changed = false;
    // Identities first, so that folding and fusion see producers directly; fusion last, on
    // folded constants.
    if options.identity_removal {
        changed |= identity_removal::remove_identities(&mut work, &run);
        changed |= control_pruning::prune_control_edges(&mut work, &run);
    }
    if options.constant_folding {
        changed |= constant_folding::fold_constants(&mut work, &run, evaluator);
    }
    if options.common_subexpression_elimination {
        changed |= cse::merge_duplicates(&mut work, &run);
    }
    if options.fusion {
        changed |= conv_fusion::fuse_convolutions(&mut work, &run, evaluator.allocator());
        changed |= matmul_fusion::fuse_products(&mut work, &run);
    }
    changed.then_some(work)
}
