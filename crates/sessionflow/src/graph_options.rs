//! Which plan-time graph rewrites a session runs, configured with TensorFlow's names:
//! `ConfigProto.graph_options.optimizer_options` (the classic optimizer: constant folding and
//! common-subexpression elimination, all on at the default level `L1`, off at `L0`) and
//! `graph_options.rewrite_options` (grappler: `dependency_optimization` removes identities,
//! `remapping` fuses ops, `disable_meta_optimizer` turns both off).

use sessionflow_core::{Result, Status};
use sessionflow_graph::rewrite::RewriteOptions;

/// TensorFlow's `GraphOptions` (the part about rewrites).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GraphOptions {
    pub optimizer_options: OptimizerOptions,
    pub rewrite_options: RewriterConfig,
}

/// TensorFlow's `OptimizerOptions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptimizerOptions {
    /// `"L1"` (the default: fold constants and merge duplicates) or `"L0"` (neither, unless
    /// switched on below).
    pub opt_level: Option<String>,
    pub do_common_subexpression_elimination: Option<bool>,
    pub do_constant_folding: Option<bool>,
}

/// TensorFlow's `RewriterConfig` toggles (`"DEFAULT"`, `"ON"` or `"OFF"`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RewriterConfig {
    pub constant_folding: Option<String>,
    pub dependency_optimization: Option<String>,
    pub remapping: Option<String>,
    pub disable_meta_optimizer: Option<bool>,
}

/// A `RewriterConfig.Toggle`: whether it leaves the rewrite on.
fn toggle(value: &Option<String>, field: &str) -> Result<bool> {
    match value.as_deref() {
        None | Some("DEFAULT") | Some("ON") => Ok(true),
        Some("OFF") => Ok(false),
        Some(other) => Err(Status::invalid_argument(format!(
            "graphOptions.rewriteOptions.{field} must be 'DEFAULT', 'ON' or 'OFF', got '{other}'"
        ))),
    }
}

impl GraphOptions {
    /// The rewrites these options leave on; InvalidArgument for an unknown level or toggle.
    pub fn rewrites(&self) -> Result<RewriteOptions> {
        let o = &self.optimizer_options;
        let level_on = match o.opt_level.as_deref() {
            None | Some("L1") => true,
            Some("L0") => false,
            Some(other) => {
                return Err(Status::invalid_argument(format!(
                    "graphOptions.optimizerOptions.optLevel must be 'L0' or 'L1', got '{other}'"
                )));
            }
        };
        let r = &self.rewrite_options;
        let grappler = !r.disable_meta_optimizer.unwrap_or(false);
        Ok(RewriteOptions {
            constant_folding: o.do_constant_folding.unwrap_or(level_on)
                && toggle(&r.constant_folding, "constantFolding")?,
            common_subexpression_elimination: o
                .do_common_subexpression_elimination
                .unwrap_or(level_on),
            identity_removal: grappler
                && toggle(&r.dependency_optimization, "dependencyOptimization")?,
            fusion: grappler && toggle(&r.remapping, "remapping")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rewrite_runs_by_default_and_each_option_turns_its_own_off() {
        assert_eq!(GraphOptions::default().rewrites().unwrap(), RewriteOptions::default());
        let l0 = GraphOptions {
            optimizer_options: OptimizerOptions {
                opt_level: Some("L0".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let r = l0.rewrites().unwrap();
        assert!(!r.constant_folding && !r.common_subexpression_elimination);
        assert!(r.identity_removal && r.fusion, "grappler's rewrites are not the classic level's");
        let mut back_on = l0.clone();
        back_on.optimizer_options.do_constant_folding = Some(true);
        assert!(back_on.rewrites().unwrap().constant_folding);
        let no_meta = GraphOptions {
            rewrite_options: RewriterConfig {
                disable_meta_optimizer: Some(true),
                ..Default::default()
            },
            ..Default::default()
        };
        let r = no_meta.rewrites().unwrap();
        assert!(!r.identity_removal && !r.fusion && r.constant_folding);
        let no_remap = GraphOptions {
            rewrite_options: RewriterConfig { remapping: Some("OFF".into()), ..Default::default() },
            ..Default::default()
        };
        assert_eq!(
            no_remap.rewrites().unwrap(),
            RewriteOptions { fusion: false, ..RewriteOptions::default() }
        );
    }

    #[test]
    fn unknown_levels_and_toggles_are_refused() {
        let bad = GraphOptions {
            optimizer_options: OptimizerOptions {
                opt_level: Some("L2".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(bad.rewrites().unwrap_err().message.contains("optLevel"));
        let bad = GraphOptions {
            rewrite_options: RewriterConfig { remapping: Some("on".into()), ..Default::default() },
            ..Default::default()
        };
        assert!(bad.rewrites().unwrap_err().message.contains("remapping"));
    }
}
