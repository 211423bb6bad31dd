//! The frames of a plan's while loops, worked out once at plan time.
//!
//! TensorFlow 1 runs a while loop as dataflow: `Enter` takes a value into a child *frame* (the
//! loop), `Merge` picks the entering value in iteration 0 and the `NextIteration` value later,
//! `Switch` on the `LoopCond` either continues the body or leaves through `Exit`. Every node
//! belongs to one frame, and a frame runs as many *iterations* as its loop takes; each node
//! runs (live or dead) at most once per iteration. This file assigns frames to steps, checks the
//! loop structure, and precomputes for each step what it waits for in an iteration and where
//! its outputs go, so that a run does no graph work (see `loop_executor` and `frame_state`).

use crate::plan::{Flow, Step};
use sessionflow_core::{AttrValue, Result, Status};
use sessionflow_graph::Graph;
use std::collections::HashMap;

/// The root frame: everything outside while loops.
pub(crate) const ROOT: u32 = 0;

/// When a producer's value reaches the iterations of the frame it feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// In the iteration the producer ran in (for an `Exit`: the parent iteration that started
    /// the loop).
    Same,
    /// In iteration 0 of the child frame: a loop variable's `Enter`.
    First,
    /// In every iteration of the child frame: a loop invariant (`Enter` with `is_constant`).
    Every,
    /// In the iteration after the producer's: `NextIteration`.
    Next,
}

impl Arrival {
    fn in_first_iteration(self) -> bool {
        self != Arrival::Next
    }

    fn in_later_iterations(self) -> bool {
        self != Arrival::First
    }
}

/// A frame of the plan: the root, or one while loop (nested loops are frames inside frames).
#[derive(Debug)]
pub(crate) struct StaticFrame {
    /// The loop's `frame_name` (empty for the root).
    pub name: String,
    /// The enclosing frame (the root's is itself).
    pub parent: u32,
    /// How many iterations may be alive at once (the `Enter`s' `parallel_iterations`).
    pub parallel_iterations: usize,
    /// How many `Enter` steps feed each instance of the frame.
    pub enters: u32,
    /// The frame's steps, in plan order; a step's frame-local index is its position here.
    pub steps: Vec<u32>,
    /// Planned reads of each of the frame's value slots (by frame-local slot index).
    pub reads: Vec<u32>,
}

/// An edge out of a step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutEdge {
    pub consumer: u32,
    /// The producer's output carrying the value; `None` for a control edge.
    pub output: Option<u32>,
    /// The consumer's input the value arrives at (0 for a control edge).
    pub input: u32,
}

/// What a step waits for in one iteration.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Expected {
    pub data: u32,
    pub control: u32,
}

/// A step's place among the frames.
#[derive(Debug)]
pub(crate) struct FrameStep {
    /// The frame the step runs in.
    pub frame: u32,
    /// Its index among its frame's steps.
    pub local: u32,
    /// The frame its outputs belong to: a child frame for `Enter`, the parent for `Exit`.
    pub out_frame: u32,
    pub arrival: Arrival,
    pub out_edges: Vec<OutEdge>,
    /// What it waits for in iteration 0, and in later iterations.
    pub first: Expected,
    pub later: Expected,
}

impl FrameStep {
    /// What the step waits for in iteration `iteration`.
    pub fn expected(&self, iteration: u64) -> Expected {
        if iteration == 0 { self.first } else { self.later }
    }
}

/// The frame structure of a plan with while loops.
#[derive(Debug)]
pub(crate) struct FramePlan {
    pub frames: Vec<StaticFrame>,
    /// Per plan step.
    pub steps: Vec<FrameStep>,
    /// Per value slot: its index among its frame's slots.
    pub slot_local: Vec<u32>,
    /// Per value slot: whether it holds a loop invariant, shared by every iteration.
    pub slot_invariant: Vec<bool>,
    /// Root-frame steps that wait for nothing: where a run starts.
    pub roots: Vec<u32>,
}

impl FramePlan {
    /// Assigns every step its frame and checks the loops' structure: InvalidArgument, naming
    /// the node, for inputs from two frames, an `Exit` or `NextIteration` outside any loop, a
    /// back edge into another frame, a fetched or fed tensor inside a loop, or a loop whose
    /// `NextIteration` cannot go dead (so that it could never end).
    pub fn build(
        graph: &Graph,
        steps: &[Step],
        reads: &[u32],
        feed_slots: &[usize],
        fetch_slots: &[usize],
    ) -> Result<FramePlan> {
        let num_slots = reads.len();
        let mut producer: Vec<Option<(u32, u32)>> = vec![None; num_slots];
        for (i, step) in steps.iter().enumerate() {
            for (o, slot) in step.outputs.iter().enumerate() {
                if let Some(slot) = *slot {
                    producer[slot] = Some((i as u32, o as u32));
                }
            }
        }
        let mut frames = vec![StaticFrame {
            name: String::new(),
            parent: ROOT,
            parallel_iterations: 1,
            enters: 0,
            steps: Vec::new(),
            reads: Vec::new(),
        }];
        let mut children: HashMap<(u32, String), u32> = HashMap::new();
        let mut frame_of = vec![ROOT; steps.len()];
        let mut out_frame = vec![ROOT; steps.len()];
        let mut arrival = vec![Arrival::Same; steps.len()];
        for (i, step) in steps.iter().enumerate() {
            let forward = step
                .inputs
                .iter()
                .filter_map(|&slot| producer[slot].map(|(p, _)| p as usize))
                .chain(step.control_predecessors.iter().copied())
                .filter(|&p| p < i);
            let mut frame: Option<(u32, usize)> = None;
            for p in forward {
                match frame {
                    None => frame = Some((out_frame[p], p)),
                    Some((f, first)) if f != out_frame[p] => {
                        return Err(Status::invalid_argument(format!(
                            "'{}' has inputs from two frames: '{}' is in {} and '{}' in {}",
                            step.node_name,
                            steps[first].node_name,
                            describe(&frames, f),
                            steps[p].node_name,
                            describe(&frames, out_frame[p]),
                        ))
                        .with_node(&step.node_name));
                    }
                    Some(_) => {}
                }
            }
            let frame = frame.map_or(ROOT, |(f, _)| f);
            frame_of[i] = frame;
            let in_loop = |what: &str| {
                if frame == ROOT {
                    Err(Status::invalid_argument(format!(
                        "{what} '{}' is not inside a while loop: no Enter leads to it",
                        step.node_name
                    ))
                    .with_node(&step.node_name))
                } else {
                    Ok(())
                }
            };
            out_frame[i] = match step.flow {
                Flow::Enter => {
                    let enter = EnterAttrs::of(graph, step)?;
                    let key = (frame, enter.frame_name);
                    let child = match children.get(&key) {
                        Some(&c) => c,
                        None => {
                            let c = frames.len() as u32;
                            frames.push(StaticFrame {
                                name: key.1.clone(),
                                parent: frame,
                                parallel_iterations: enter.parallel_iterations,
                                enters: 0,
                                steps: Vec::new(),
                                reads: Vec::new(),
                            });
                            children.insert(key, c);
                            c
                        }
                    };
                    frames[child as usize].enters += 1;
                    arrival[i] = if enter.is_constant { Arrival::Every } else { Arrival::First };
                    child
                }
                Flow::Exit => {
                    in_loop("Exit")?;
                    frames[frame as usize].parent
                }
                Flow::NextIteration => {
                    in_loop("NextIteration")?;
                    arrival[i] = Arrival::Next;
                    frame
                }
                _ => frame,
            };
            frames[frame as usize].steps.push(i as u32);
        }

        check_back_edges(steps, &producer, &frame_of, &out_frame, &frames)?;
        let mut slot_frame = vec![ROOT; num_slots];
        for (slot, p) in producer.iter().enumerate() {
            if let Some((p, _)) = *p {
                slot_frame[slot] = out_frame[p as usize];
            }
        }
        check_feeds_and_fetches(
            steps,
            &producer,
            &frame_of,
            &slot_frame,
            &frames,
            feed_slots,
            fetch_slots,
        )?;
        check_loops_can_end(steps, &producer, &frame_of, &frames)?;

        let mut slot_local = vec![0u32; num_slots];
        for slot in 0..num_slots {
            let frame = &mut frames[slot_frame[slot] as usize];
            slot_local[slot] = frame.reads.len() as u32;
            frame.reads.push(reads[slot]);
        }
        let slot_invariant = producer
            .iter()
            .map(|p| p.is_some_and(|(p, _)| arrival[p as usize] == Arrival::Every))
            .collect();

        let mut local = vec![0u32; steps.len()];
        for frame in &frames {
            for (k, &s) in frame.steps.iter().enumerate() {
                local[s as usize] = k as u32;
            }
        }
        let mut out_edges: Vec<Vec<OutEdge>> = vec![Vec::new(); steps.len()];
        let mut first = vec![Expected::default(); steps.len()];
        let mut later = vec![Expected::default(); steps.len()];
        for (i, step) in steps.iter().enumerate() {
            for (input, &slot) in step.inputs.iter().enumerate() {
                let Some((p, output)) = producer[slot] else { continue };
                out_edges[p as usize].push(OutEdge {
                    consumer: i as u32,
                    output: Some(output),
                    input: input as u32,
                });
                let a = arrival[p as usize];
                first[i].data += u32::from(a.in_first_iteration());
                later[i].data += u32::from(a.in_later_iterations());
            }
            for &p in &step.control_predecessors {
                out_edges[p].push(OutEdge { consumer: i as u32, output: None, input: 0 });
                let a = arrival[p];
                first[i].control += u32::from(a.in_first_iteration());
                later[i].control += u32::from(a.in_later_iterations());
            }
        }
        let roots = frames[ROOT as usize]
            .steps
            .iter()
            .copied()
            .filter(|&s| first[s as usize].data + first[s as usize].control == 0)
            .collect();
        let steps = out_edges
            .into_iter()
            .enumerate()
            .map(|(i, out_edges)| FrameStep {
                frame: frame_of[i],
                local: local[i],
                out_frame: out_frame[i],
                arrival: arrival[i],
                out_edges,
                first: first[i],
                later: later[i],
            })
            .collect();
        Ok(FramePlan { frames, steps, slot_local, slot_invariant, roots })
    }

    /// `"the root frame"` or `"while loop frame 'name'"`, for messages.
    pub fn describe(&self, frame: u32) -> String {
        describe(&self.frames, frame)
    }
}

fn describe(frames: &[StaticFrame], frame: u32) -> String {
    match frame {
        ROOT => "the root frame".to_owned(),
        f => format!("while loop frame '{}'", frames[f as usize].name),
    }
}

/// The attrs of an `Enter` node.
struct EnterAttrs {
    frame_name: String,
    is_constant: bool,
    parallel_iterations: usize,
}

impl EnterAttrs {
    fn of(graph: &Graph, step: &Step) -> Result<EnterAttrs> {
        let node = graph.node(step.node)?;
        let bad = |what: &str| {
            Status::invalid_argument(format!("Enter '{}' {what}", step.node_name))
                .with_node(&step.node_name)
        };
        let frame_name = match node.attrs.get("frame_name") {
            Some(AttrValue::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(bad("needs a non-empty frame_name")),
        };
        let is_constant = matches!(node.attrs.get("is_constant"), Some(AttrValue::Bool(true)));
        let parallel_iterations = match node.attrs.get("parallel_iterations") {
            Some(AttrValue::Int(n)) if *n >= 1 => usize::try_from(*n).unwrap_or(usize::MAX),
            _ => return Err(bad("needs parallel_iterations of at least 1")),
        };
        Ok(EnterAttrs { frame_name, is_constant, parallel_iterations })
    }
}

/// A back edge (into a `Merge`, from a `NextIteration` after it) must stay inside one frame.
fn check_back_edges(
    steps: &[Step],
    producer: &[Option<(u32, u32)>],
    frame_of: &[u32],
    out_frame: &[u32],
    frames: &[StaticFrame],
) -> Result<()> {
    for (i, step) in steps.iter().enumerate() {
        for &slot in &step.inputs {
            let Some((p, _)) = producer[slot] else { continue };
            let p = p as usize;
            if p < i {
                continue;
            }
            if step.flow != Flow::Merge || steps[p].flow != Flow::NextIteration {
                return Err(Status::invalid_argument(format!(
                    "'{}' takes '{}' through a cycle; only a Merge may take a NextIteration's \
                     value from later in its loop",
                    step.node_name, steps[p].node_name
                ))
                .with_node(&step.node_name));
            }
            if out_frame[p] != frame_of[i] {
                return Err(Status::invalid_argument(format!(
                    "NextIteration '{}' is in {} but the Merge '{}' it feeds back into is in {}",
                    steps[p].node_name,
                    describe(frames, frame_of[p]),
                    step.node_name,
                    describe(frames, frame_of[i]),
                ))
                .with_node(&steps[p].node_name));
            }
        }
    }
    Ok(())
}

/// Fed values live in the root frame, so only root-frame steps may read them; fetched values
/// must be in the root frame too (a value inside a loop has one version per iteration).
fn check_feeds_and_fetches(
    steps: &[Step],
    producer: &[Option<(u32, u32)>],
    frame_of: &[u32],
    slot_frame: &[u32],
    frames: &[StaticFrame],
    feed_slots: &[usize],
    fetch_slots: &[usize],
) -> Result<()> {
    for (i, step) in steps.iter().enumerate() {
        if frame_of[i] == ROOT {
            continue;
        }
        if let Some(k) = step.inputs.iter().position(|&s| producer[s].is_none()) {
            let fed = feed_slots.iter().any(|&f| f == step.inputs[k]);
            return Err(Status::invalid_argument(format!(
                "input {k} of '{}' is {} but '{}' runs in {}: feed the tensor the loop's Enter \
                 takes instead",
                step.node_name,
                if fed { "fed" } else { "produced outside the plan" },
                step.node_name,
                describe(frames, frame_of[i]),
            ))
            .with_node(&step.node_name));
        }
    }
    for &slot in fetch_slots {
        if slot_frame[slot] != ROOT {
            let (p, o) = producer[slot].map_or((0, 0), |(p, o)| (p as usize, o));
            return Err(Status::invalid_argument(format!(
                "cannot fetch '{}:{o}': it is computed in {}, once per iteration; fetch what the \
                 loop's Exit returns instead",
                steps[p].node_name,
                describe(frames, slot_frame[slot]),
            ))
            .with_node(&steps[p].node_name));
        }
    }
    Ok(())
}

/// A loop ends when its `NextIteration`s go dead, and deadness starts at a `Switch`: a
/// `NextIteration` with no `Switch` upstream inside its loop (or the loops nested in it) would
/// feed its loop forever, so it is refused here rather than left to spin.
fn check_loops_can_end(
    steps: &[Step],
    producer: &[Option<(u32, u32)>],
    frame_of: &[u32],
    frames: &[StaticFrame],
) -> Result<()> {
    let inside = |frame: u32, mut f: u32| loop {
        if f == frame {
            return true;
        }
        if f == ROOT {
            return false;
        }
        f = frames[f as usize].parent;
    };
    for (n, step) in steps.iter().enumerate() {
        if step.flow != Flow::NextIteration {
            continue;
        }
        let frame = frame_of[n];
        let mut seen = vec![false; steps.len()];
        let mut stack = vec![n];
        let mut found = false;
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            if s != n && steps[s].flow == Flow::Switch {
                found = true;
                break;
            }
            let producers = steps[s]
                .inputs
                .iter()
                .filter_map(|&slot| producer[slot].map(|(p, _)| p as usize))
                .chain(steps[s].control_predecessors.iter().copied());
            stack.extend(producers.filter(|&p| inside(frame, frame_of[p])));
        }
        if !found {
            return Err(Status::invalid_argument(format!(
                "the loop of {} could never end: NextIteration '{}' does not depend on any \
                 Switch in the loop, so its value is never dead",
                describe(frames, frame),
                step.node_name
            ))
            .with_node(&step.node_name));
        }
    }
    Ok(())
}
