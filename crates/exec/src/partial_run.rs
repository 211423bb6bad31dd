use crate::executor::{ExecOptions, Values, execute_steps};
use crate::plan::Plan;
use sessionflow_core::{Device, Result, Status, Tensor};
use sessionflow_graph::{Endpoint, NodeId};
use std::collections::HashMap;
use std::sync::Arc;

/// A partial run in progress (TF's `partial_run`): one plan for every feed and fetch declared
/// at setup (targets included), executed piecewise as feeds arrive and fetches are asked for. Values computed by
/// one call stay for the next; no node runs twice.
pub(crate) struct PartialRun {
    plan: Arc<Plan>,
    values: Values,
    /// Names of the declared feeds and fetches, for messages.
    feed_names: Vec<String>,
    fetch_names: Vec<String>,
    feed_index: HashMap<Endpoint, usize>,
    fetch_index: HashMap<Endpoint, usize>,
    target_steps: HashMap<NodeId, usize>,
    fed: Vec<bool>,
    fetched: Vec<bool>,
    executed: Vec<bool>,
    /// Set when a computation failed: the run cannot continue.
    broken: bool,
    /// Steps each step waits for (data and control).
    predecessors: Vec<Vec<usize>>,
    /// The declared feed (index) whose slot each step input reads, if any.
    fed_inputs: Vec<Vec<usize>>,
    /// The step producing each slot, for slots produced by a step.
    producer: Vec<Option<usize>>,
}

impl PartialRun {
    /// State for `plan`, whose signature lists the declared feeds, fetches and targets; names
    /// are `node:index` for the feeds and fetches.
    pub fn new(
        plan: Arc<Plan>,
        feeds: &[Endpoint],
        fetches: &[Endpoint],
        fetch_names: Vec<String>,
    ) -> PartialRun {
        let mut predecessors = vec![Vec::new(); plan.steps.len()];
        let mut producer = vec![None; plan.reads.len()];
        for (i, step) in plan.steps.iter().enumerate() {
            for &succ in &step.successors {
                predecessors[succ].push(i);
            }
            for slot in step.outputs.iter().flatten() {
                producer[*slot] = Some(i);
            }
        }
        let slot_feed: HashMap<usize, usize> =
            plan.feed_slots.iter().enumerate().map(|(i, &s)| (s, i)).collect();
        let fed_inputs = plan
            .steps
            .iter()
            .map(|s| s.inputs.iter().filter_map(|slot| slot_feed.get(slot).copied()).collect())
            .collect();
        PartialRun {
            values: Values::new(&plan),
            feed_names: plan.feeds.iter().map(|f| f.name.clone()).collect(),
            fetch_names,
            feed_index: feeds.iter().enumerate().map(|(i, &e)| (e, i)).collect(),
            fetch_index: fetches.iter().enumerate().map(|(i, &e)| (e, i)).collect(),
            target_steps: plan.steps.iter().enumerate().map(|(i, s)| (s.node, i)).collect(),
            fed: vec![false; feeds.len()],
            fetched: vec![false; fetches.len()],
            executed: vec![false; plan.steps.len()],
            broken: false,
            predecessors,
            fed_inputs,
            producer,
            plan,
        }
    }

    /// Whether the run is over: every declared fetch fetched, or a computation failed.
    pub fn is_over(&self) -> bool {
        self.broken || self.fetched.iter().all(|&f| f)
    }

    /// One step of the partial run: feeds `feeds`, runs what `fetches` and `targets` still
    /// need, and returns the fetched values. Misuse (an undeclared or repeated feed or fetch, a
    /// bad value) changes nothing; a failed computation ends the run.
    pub fn step(
        &mut self,
        feeds: Vec<(Endpoint, Tensor)>,
        fetches: &[Endpoint],
        targets: &[NodeId],
        devices: &[Arc<dyn Device>],
        options: &ExecOptions<'_>,
        name_of: &dyn Fn(Endpoint) -> String,
    ) -> Result<Vec<Tensor>> {
        let mut fed_now = Vec::with_capacity(feeds.len());
        for (e, _) in &feeds {
            let i = *self.feed_index.get(e).ok_or_else(|| {
                Status::invalid_argument(format!(
                    "The feed {} was not specified in partial_run_setup.",
                    name_of(*e)
                ))
            })?;
            if self.fed[i] || fed_now.contains(&i) {
                return Err(Status::invalid_argument(format!(
                    "The feed {} has already been fed.",
                    self.feed_names[i]
                )));
            }
            fed_now.push(i);
        }
        let mut fetch_now = Vec::with_capacity(fetches.len());
        for e in fetches {
            let i = *self.fetch_index.get(e).ok_or_else(|| {
                Status::invalid_argument(format!(
                    "The fetch {} was not specified in partial_run_setup.",
                    name_of(*e)
                ))
            })?;
            if self.fetched[i] || fetch_now.contains(&i) {
                return Err(Status::invalid_argument(format!(
                    "The fetch {} has already been fetched.",
                    self.fetch_names[i]
                )));
            }
            fetch_now.push(i);
        }
        let mut roots = Vec::new();
        for t in targets {
            roots.push(*self.target_steps.get(t).ok_or_else(|| {
                let name = name_of(Endpoint::new(*t, 0));
                let op = name.strip_suffix(":0").unwrap_or(&name).to_owned();
                Status::invalid_argument(format!(
                    "The target {op} was not specified in partial_run_setup."
                ))
            })?);
        }
        let values: Vec<Tensor> = feeds.into_iter().map(|(_, t)| t).collect();
        self.plan.check_feeds_subset(&fed_now, &values)?;
        let is_fed = |i: usize| self.fed[i] || fed_now.contains(&i);
        let fetch_slots: Vec<usize> = fetch_now.iter().map(|&i| self.plan.fetch_slots[i]).collect();
        for &slot in &fetch_slots {
            match self.producer[slot] {
                Some(step) => roots.push(step),
                None => self.require_fed(slot, &is_fed)?,
            }
        }
        let steps = self.steps_needed(&roots, &is_fed)?;
        // Nothing above changed the run; from here on it advances.
        for (&i, tensor) in fed_now.iter().zip(values) {
            self.values.store(self.plan.feed_slots[i], tensor);
            self.fed[i] = true;
        }
        let _flush = crate::denormals::FlushDenormals::new();
        if let Err(e) = execute_steps(&self.plan, &steps, &self.values, devices, options) {
            self.broken = true;
            return Err(e);
        }
        for &s in &steps {
            self.executed[s] = true;
        }
        let out = fetch_slots.iter().map(|&slot| self.values.read(slot)).collect::<Result<_>>()?;
        for i in fetch_now {
            self.fetched[i] = true;
        }
        Ok(out)
    }

    /// The not-yet-executed steps `roots` depend on, in plan (topological) order; fails if one
    /// of them reads a declared feed that has not been fed.
    fn steps_needed(&self, roots: &[usize], is_fed: &dyn Fn(usize) -> bool) -> Result<Vec<usize>> {
        let mut needed = vec![false; self.plan.steps.len()];
        let mut stack: Vec<usize> = roots.to_vec();
        while let Some(s) = stack.pop() {
            if self.executed[s] || std::mem::replace(&mut needed[s], true) {
                continue;
            }
            for &feed in &self.fed_inputs[s] {
                if !is_fed(feed) {
                    return Err(Status::invalid_argument(format!(
                        "Cannot run '{}' yet: it depends on the feed {}, which has not been fed.",
                        self.plan.steps[s].node_name, self.feed_names[feed]
                    )));
                }
            }
            stack.extend(&self.predecessors[s]);
        }
        Ok((0..needed.len()).filter(|&s| needed[s]).collect())
    }

    fn require_fed(&self, slot: usize, is_fed: &dyn Fn(usize) -> bool) -> Result<()> {
        let feed = self.plan.feed_slots.iter().position(|&s| s == slot);
        match feed {
            Some(i) if !is_fed(i) => Err(Status::invalid_argument(format!(
                "Cannot fetch {}: it has not been fed yet.",
                self.feed_names[i]
            ))),
            _ => Ok(()),
        }
    }
}
