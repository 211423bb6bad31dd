//! TF's `GraphOptions` from JS (camelCased): which plan-time rewrites a session runs.

use napi_derive::napi;
use sessionflow::{
    GraphOptions as EngineGraphOptions, OptimizerOptions as EngineOptimizerOptions, RewriterConfig,
};

/// `graphOptions.optimizerOptions`.
#[napi(object)]
pub struct OptimizerOptions {
    /// `'L1'` (default: fold constants, merge duplicates) or `'L0'` (neither).
    pub opt_level: Option<String>,
    pub do_common_subexpression_elimination: Option<bool>,
    pub do_constant_folding: Option<bool>,
}

/// `graphOptions.rewriteOptions` (grappler's `RewriterConfig`); toggles are `'DEFAULT'`,
/// `'ON'` or `'OFF'`.
#[napi(object)]
pub struct RewriteOptions {
    pub constant_folding: Option<String>,
    pub dependency_optimization: Option<String>,
    pub remapping: Option<String>,
    pub disable_meta_optimizer: Option<bool>,
}

/// `graphOptions`.
#[napi(object)]
pub struct GraphOptions {
    pub optimizer_options: Option<OptimizerOptions>,
    pub rewrite_options: Option<RewriteOptions>,
}

/// The engine's options (validated when the session opens).
pub fn graph_options(options: Option<GraphOptions>) -> EngineGraphOptions {
    let Some(o) = options else {
        return EngineGraphOptions::default();
    };
    let optimizer_options =
        o.optimizer_options.map_or_else(Default::default, |p| EngineOptimizerOptions {
            opt_level: p.opt_level,
            do_common_subexpression_elimination: p.do_common_subexpression_elimination,
            do_constant_folding: p.do_constant_folding,
        });
    let rewrite_options = o.rewrite_options.map_or_else(Default::default, |r| RewriterConfig {
        constant_folding: r.constant_folding,
        dependency_optimization: r.dependency_optimization,
        remapping: r.remapping,
        disable_meta_optimizer: r.disable_meta_optimizer,
    });
    EngineGraphOptions { optimizer_options, rewrite_options }
}
