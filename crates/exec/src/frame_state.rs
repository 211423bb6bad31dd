//! The mutable state of one run of a plan with while loops: frame instances and their
//! iterations, what each step of an iteration still waits for, and the values it produced.
//!
//! A frame *instance* is one execution of a loop: the loop's `Enter`s in iteration `i` of the
//! parent instance start it, and it ends when all of its iterations are done. An iteration is
//! done when none of its steps is ready or running, no loop nested in it is still going, and
//! the iteration before it is done (iteration 0: every `Enter` of the instance has arrived).
//! At most `parallel_iterations` iterations of an instance are alive at once; a
//! `NextIteration` value that would start one more waits until the oldest is done.
//!
//! Deadness follows TensorFlow: a step with a dead input or a dead control predecessor is dead
//! (its outputs are dead) except `Merge`, which takes its first live input and is dead only
//! when every input it waits for in that iteration is dead. A dead `NextIteration` starts no
//! iteration: that is how a loop ends. A dead `Exit` is held back until its instance ends, and
//! reaches the parent only if that `Exit` never left the loop alive.

use crate::frames::{Arrival, FramePlan, OutEdge, ROOT};
use crate::plan::{Flow, Plan};
use sessionflow_core::{Result, Status, Tensor};
use std::collections::{HashMap, VecDeque};

/// A step ready to run: which one, in which frame instance and iteration, and whether it is
/// dead (then it only passes deadness on).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Task {
    pub step: u32,
    pub instance: u32,
    pub iteration: u64,
    pub dead: bool,
}

/// The instance of the root frame (never ends during a run).
const ROOT_INSTANCE: u32 = 0;

/// A `Merge` that has not received a live input yet.
const NO_INPUT: u32 = u32::MAX;

/// One value slot of one iteration.
#[derive(Default)]
enum Value {
    #[default]
    Empty,
    Live(Tensor),
    Dead,
}

/// What one step of one iteration still waits for.
#[derive(Clone, Copy)]
struct StepState {
    /// Inputs and control edges still to arrive (for a `Merge`: control edges only).
    pending: u32,
    /// A `Merge`'s dead data inputs so far.
    dead_data: u32,
    /// A `Merge`'s first live input, or `NO_INPUT`.
    live_input: u32,
    /// A dead input or control predecessor arrived.
    dead: bool,
    /// The step was made ready (it runs at most once per iteration).
    fired: bool,
}

struct Iteration {
    number: u64,
    /// By frame-local step index.
    steps: Vec<StepState>,
    /// By frame-local slot index.
    values: Vec<Value>,
    reads_left: Vec<u32>,
    /// Steps of this iteration ready or running.
    outstanding: u32,
    /// Instances of nested loops started in this iteration and not yet ended.
    child_frames: u32,
}

struct Instance {
    frame: u32,
    /// The parent instance and the iteration of it that started this one.
    parent: (u32, u64),
    /// `Enter`s that have not arrived yet.
    pending_enters: u32,
    /// The alive iterations, oldest first, numbered consecutively.
    iterations: VecDeque<Iteration>,
    /// The number of the newest iteration started.
    newest: u64,
    /// Loop-invariant values, by frame-local slot, shared by every iteration.
    invariants: Vec<Value>,
    /// The constant `Enter`s that have arrived, and whether each was dead: every new
    /// iteration receives them.
    arrived_invariants: Vec<(u32, bool)>,
    /// `NextIteration` values waiting for room under `parallel_iterations`.
    deferred: Vec<(u32, Tensor)>,
    /// `Exit`s that left alive, and those that were dead (held back until the instance ends).
    exits_live: Vec<u32>,
    dead_exits: Vec<u32>,
}

/// The frame instances of one run.
pub(crate) struct FrameState<'p> {
    plan: &'p Plan,
    frames: &'p FramePlan,
    instances: Vec<Option<Instance>>,
    free: Vec<u32>,
    /// (parent instance, parent iteration, frame) → the instance started there.
    children: HashMap<(u32, u64, u32), u32>,
    /// The most iterations of one instance alive at once, this run.
    peak_iterations: usize,
}

impl<'p> FrameState<'p> {
    /// The state at the start of a run, with `feeds` stored and the root steps that wait for
    /// nothing returned as ready.
    pub fn new(plan: &'p Plan, frames: &'p FramePlan, feeds: Vec<Tensor>) -> (Self, Vec<Task>) {
        let mut state = FrameState {
            plan,
            frames,
            instances: Vec::new(),
            free: Vec::new(),
            children: HashMap::new(),
            peak_iterations: 1,
        };
        let root = state.instance_of(ROOT, (ROOT_INSTANCE, 0));
        state.instances.push(Some(root));
        let root = state.instances[0].as_mut().expect("the root instance was just pushed");
        let iteration = root.iterations.front_mut().expect("an instance starts with iteration 0");
        for (&slot, tensor) in plan.feed_slots.iter().zip(feeds) {
            let local = frames.slot_local[slot] as usize;
            if iteration.reads_left[local] > 0 {
                iteration.values[local] = Value::Live(tensor);
            }
        }
        let mut ready = Vec::with_capacity(frames.roots.len());
        for &s in frames.roots.iter().rev() {
            iteration.steps[frames.steps[s as usize].local as usize].fired = true;
            iteration.outstanding += 1;
            ready.push(Task { step: s, instance: ROOT_INSTANCE, iteration: 0, dead: false });
        }
        (state, ready)
    }

    /// The inputs of `task`'s step, from its iteration (loop invariants from its instance);
    /// `None` for a dead one.
    pub fn take_inputs(&mut self, task: Task) -> Result<Vec<Option<Tensor>>> {
        let step = &self.plan.steps[task.step as usize];
        step.inputs.iter().map(|&slot| self.read(task.instance, task.iteration, slot)).collect()
    }

    /// A live `Merge`'s chosen input: its index and value.
    pub fn merge_input(&mut self, task: Task) -> Result<(u32, Tensor)> {
        let local = self.frames.steps[task.step as usize].local as usize;
        let chosen = self.iteration_mut(task.instance, task.iteration)?.steps[local].live_input;
        let slot = self.plan.steps[task.step as usize].inputs.get(chosen as usize).copied();
        let value = match slot {
            Some(slot) => self.read(task.instance, task.iteration, slot)?,
            None => None,
        };
        value
            .map(|v| (chosen, v))
            .ok_or_else(|| Status::internal("a live Merge has no live input to forward"))
    }

    /// Records what `task` produced (`None` for a dead output), routes it to the steps that
    /// wait for it, and returns the steps that became ready.
    pub fn complete(&mut self, task: Task, outputs: Vec<Option<Tensor>>) -> Result<Vec<Task>> {
        let mut ready = Vec::new();
        match self.plan.steps[task.step as usize].flow {
            Flow::Enter => self.enter(task, outputs, &mut ready)?,
            Flow::Exit => self.exit(task, outputs, &mut ready)?,
            Flow::NextIteration => self.next_iteration(task, outputs, &mut ready)?,
            _ => self.deliver(
                task.instance,
                task.iteration,
                task.step,
                outputs,
                task.dead,
                &mut ready,
            )?,
        }
        let iteration = self.iteration_mut(task.instance, task.iteration)?;
        iteration.outstanding = iteration.outstanding.checked_sub(1).ok_or_else(|| {
            Status::internal("a step finished in an iteration with nothing outstanding")
        })?;
        self.cleanup(task.instance, &mut ready)?;
        Ok(ready)
    }

    /// Once no step is ready or running: Ok if every loop ended and every root step ran, else
    /// InvalidArgument naming a step that waits for inputs that can no longer arrive.
    pub fn check_finished(&self) -> Result<()> {
        if let Some(inst) = self
            .instances
            .iter()
            .skip(1)
            .flatten()
            .find(|i| i.iterations.front().is_none_or(|it| it.child_frames == 0))
        {
            return Err(self.stuck(inst));
        }
        let root = self.root_iteration()?;
        let frame = &self.frames.frames[ROOT as usize];
        if let Some(k) = root.steps.iter().position(|s| !s.fired) {
            let name = &self.plan.steps[frame.steps[k] as usize].node_name;
            return Err(Status::invalid_argument(format!(
                "the graph cannot make progress: '{name}' waits for inputs that never arrive"
            ))
            .with_node(name));
        }
        Ok(())
    }

    /// A fetched value (root frame); InvalidArgument when it is dead, as TensorFlow's
    /// "Retval does not have value".
    pub fn fetch(&mut self, slot: usize) -> Result<Tensor> {
        self.read(ROOT_INSTANCE, 0, slot)?.ok_or_else(|| {
            Status::invalid_argument(
                "Retval does not have value: the fetched tensor is on a branch of a conditional \
                 that was not taken",
            )
        })
    }

    /// The most iterations of one loop instance that were alive at once.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn peak_iterations(&self) -> usize {
        self.peak_iterations
    }

    fn root_iteration(&self) -> Result<&Iteration> {
        self.instances
            .first()
            .and_then(Option::as_ref)
            .and_then(|i| i.iterations.front())
            .ok_or_else(|| Status::internal("the root frame has no iteration"))
    }

    fn instance_mut(&mut self, id: u32) -> Result<&mut Instance> {
        self.instances
            .get_mut(id as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| Status::internal(format!("frame instance {id} has ended")))
    }

    fn iteration_mut(&mut self, instance: u32, number: u64) -> Result<&mut Iteration> {
        let inst = self.instance_mut(instance)?;
        let first = inst.iterations.front().map_or(u64::MAX, |i| i.number);
        number
            .checked_sub(first)
            .and_then(|k| inst.iterations.get_mut(usize::try_from(k).ok()?))
            .ok_or_else(|| Status::internal(format!("iteration {number} is not alive")))
    }

    /// A new instance of `frame`, with iteration 0.
    fn instance_of(&self, frame: u32, parent: (u32, u64)) -> Instance {
        let f = &self.frames.frames[frame as usize];
        Instance {
            frame,
            parent,
            pending_enters: f.enters,
            iterations: VecDeque::from([self.iteration_of(frame, 0)]),
            newest: 0,
            invariants: f.reads.iter().map(|_| Value::Empty).collect(),
            arrived_invariants: Vec::new(),
            deferred: Vec::new(),
            exits_live: Vec::new(),
            dead_exits: Vec::new(),
        }
    }

    fn iteration_of(&self, frame: u32, number: u64) -> Iteration {
        let f = &self.frames.frames[frame as usize];
        let steps = f
            .steps
            .iter()
            .map(|&s| {
                let expected = self.frames.steps[s as usize].expected(number);
                let pending = match self.plan.steps[s as usize].flow {
                    Flow::Merge => expected.control,
                    _ => expected.data + expected.control,
                };
                StepState { pending, dead_data: 0, live_input: NO_INPUT, dead: false, fired: false }
            })
            .collect();
        Iteration {
            number,
            steps,
            values: f.reads.iter().map(|_| Value::Empty).collect(),
            reads_left: f.reads.clone(),
            outstanding: 0,
            child_frames: 0,
        }
    }

    /// Reads `slot` in (instance, iteration): a loop invariant is shared (cloned); another
    /// value moves out on its last planned read, so its buffer can be reused.
    fn read(&mut self, instance: u32, number: u64, slot: usize) -> Result<Option<Tensor>> {
        let local = self.frames.slot_local[slot] as usize;
        let value = if self.frames.slot_invariant[slot] {
            match &self.instance_mut(instance)?.invariants[local] {
                Value::Live(t) => Some(Some(t.clone())),
                Value::Dead => Some(None),
                Value::Empty => None,
            }
        } else {
            let iteration = self.iteration_mut(instance, number)?;
            iteration.reads_left[local] = iteration.reads_left[local].saturating_sub(1);
            let last = iteration.reads_left[local] == 0;
            match &mut iteration.values[local] {
                Value::Dead => Some(None),
                Value::Empty => None,
                v @ Value::Live(_) if last => match std::mem::take(v) {
                    Value::Live(t) => Some(Some(t)),
                    _ => None,
                },
                Value::Live(t) => Some(Some(t.clone())),
            }
        };
        value.ok_or_else(|| {
            Status::internal(format!("value slot {slot} read before it was written"))
        })
    }

    fn store(
        &mut self,
        instance: u32,
        number: u64,
        slot: usize,
        value: Option<Tensor>,
    ) -> Result<()> {
        let local = self.frames.slot_local[slot] as usize;
        let value = value.map_or(Value::Dead, Value::Live);
        if self.frames.slot_invariant[slot] {
            self.instance_mut(instance)?.invariants[local] = value;
            return Ok(());
        }
        let iteration = self.iteration_mut(instance, number)?;
        // A live value nothing reads is dropped (freed) now; deadness is always recorded.
        if iteration.reads_left[local] > 0 || matches!(value, Value::Dead) {
            iteration.values[local] = value;
        }
        Ok(())
    }

    /// Stores `step`'s outputs in (instance, iteration) and passes them along its edges.
    fn deliver(
        &mut self,
        instance: u32,
        number: u64,
        step: u32,
        outputs: Vec<Option<Tensor>>,
        node_dead: bool,
        ready: &mut Vec<Task>,
    ) -> Result<()> {
        let frames = self.frames;
        let live: Vec<bool> = outputs.iter().map(Option::is_some).collect();
        let slots = &self.plan.steps[step as usize].outputs;
        for (value, slot) in outputs.into_iter().zip(slots) {
            if let Some(slot) = *slot {
                self.store(instance, number, slot, value)?;
            }
        }
        for edge in &frames.steps[step as usize].out_edges {
            let edge_live = edge.output.map_or(!node_dead, |o| live[o as usize]);
            self.activate(instance, number, *edge, edge_live, ready)?;
        }
        Ok(())
    }

    /// One value (or control signal) arrives at `edge.consumer` in (instance, iteration).
    fn activate(
        &mut self,
        instance: u32,
        number: u64,
        edge: OutEdge,
        live: bool,
        ready: &mut Vec<Task>,
    ) -> Result<()> {
        let consumer = edge.consumer as usize;
        let frame_step = &self.frames.steps[consumer];
        let step = &self.plan.steps[consumer];
        let is_merge = step.flow == Flow::Merge;
        let iteration = self.iteration_mut(instance, number)?;
        let expected = frame_step.expected(number);
        let state = &mut iteration.steps[frame_step.local as usize];
        let too_many = || {
            Status::internal(format!(
                "'{}' received more inputs than it waits for in iteration {number}",
                step.node_name
            ))
            .with_node(&step.node_name)
        };
        if state.fired {
            // A Merge runs on its first live input; later ones (a malformed loop) are ignored.
            return if is_merge { Ok(()) } else { Err(too_many()) };
        }
        let fire = if is_merge {
            match edge.output {
                None => state.pending = state.pending.checked_sub(1).ok_or_else(too_many)?,
                Some(_) if live => {
                    if state.live_input == NO_INPUT {
                        state.live_input = edge.input;
                    }
                }
                Some(_) => state.dead_data += 1,
            }
            state.pending == 0
                && expected.data > 0
                && (state.live_input != NO_INPUT || state.dead_data >= expected.data)
        } else {
            state.pending = state.pending.checked_sub(1).ok_or_else(too_many)?;
            state.dead |= !live;
            state.pending == 0
        };
        if fire {
            state.fired = true;
            let dead = if is_merge { state.live_input == NO_INPUT } else { state.dead };
            iteration.outstanding += 1;
            ready.push(Task { step: edge.consumer, instance, iteration: number, dead });
        }
        Ok(())
    }

    /// An `Enter` finished in (instance, iteration): its value goes into iteration 0 of the
    /// child instance started there (every iteration, for a loop invariant).
    fn enter(
        &mut self,
        task: Task,
        outputs: Vec<Option<Tensor>>,
        ready: &mut Vec<Task>,
    ) -> Result<()> {
        let frames = self.frames;
        let frame_step = &frames.steps[task.step as usize];
        let child = self.child_instance(task.instance, task.iteration, frame_step.out_frame)?;
        let value = outputs.into_iter().next().flatten();
        let dead = value.is_none();
        if frame_step.arrival == Arrival::Every {
            if let Some(slot) = self.plan.steps[task.step as usize].outputs[0] {
                self.store(child, 0, slot, value)?;
            }
            let inst = self.instance_mut(child)?;
            inst.arrived_invariants.push((task.step, dead));
            let numbers: Vec<u64> = inst.iterations.iter().map(|i| i.number).collect();
            for number in numbers {
                for edge in &frame_step.out_edges {
                    self.activate(child, number, *edge, !dead, ready)?;
                }
            }
        } else {
            self.deliver(child, 0, task.step, vec![value], dead, ready)?;
        }
        let inst = self.instance_mut(child)?;
        inst.pending_enters = inst.pending_enters.checked_sub(1).ok_or_else(|| {
            Status::internal("an Enter arrived at a frame instance that waits for no more")
        })?;
        self.cleanup(child, ready)
    }

    /// The instance of `frame` started by iteration `number` of `parent`, started now if new.
    fn child_instance(&mut self, parent: u32, number: u64, frame: u32) -> Result<u32> {
        if let Some(&id) = self.children.get(&(parent, number, frame)) {
            return Ok(id);
        }
        let instance = self.instance_of(frame, (parent, number));
        let id = match self.free.pop() {
            Some(id) => {
                self.instances[id as usize] = Some(instance);
                id
            }
            None => {
                self.instances.push(Some(instance));
                (self.instances.len() - 1) as u32
            }
        };
        self.children.insert((parent, number, frame), id);
        self.iteration_mut(parent, number)?.child_frames += 1;
        Ok(id)
    }

    /// An `Exit` finished: alive, its value leaves the loop now; dead, it waits for the end of
    /// the instance (it is dead in every iteration but the last).
    fn exit(
        &mut self,
        task: Task,
        outputs: Vec<Option<Tensor>>,
        ready: &mut Vec<Task>,
    ) -> Result<()> {
        let step = &self.plan.steps[task.step as usize];
        let inst = self.instance_mut(task.instance)?;
        let (parent, number) = inst.parent;
        match outputs.into_iter().next().flatten() {
            Some(value) => {
                if inst.exits_live.contains(&task.step) {
                    return Err(Status::invalid_argument(format!(
                        "Exit '{}' left its loop alive in two iterations (in iteration {}, again); \
                         the loop is malformed",
                        step.node_name, task.iteration
                    ))
                    .with_node(&step.node_name));
                }
                inst.exits_live.push(task.step);
                self.deliver(parent, number, task.step, vec![Some(value)], false, ready)
            }
            None => {
                if !inst.dead_exits.contains(&task.step) {
                    inst.dead_exits.push(task.step);
                }
                Ok(())
            }
        }
    }

    /// A `NextIteration` finished: alive, its value starts (or joins) the next iteration, or
    /// waits while `parallel_iterations` are alive; dead, the loop goes no further here.
    fn next_iteration(
        &mut self,
        task: Task,
        outputs: Vec<Option<Tensor>>,
        ready: &mut Vec<Task>,
    ) -> Result<()> {
        let Some(value) = outputs.into_iter().next().flatten() else {
            return Ok(());
        };
        let parallel = self.frames.frames[self.frames.steps[task.step as usize].frame as usize]
            .parallel_iterations;
        let inst = self.instance_mut(task.instance)?;
        if task.iteration == inst.newest {
            if inst.iterations.len() >= parallel {
                inst.deferred.push((task.step, value));
                return Ok(());
            }
            self.start_iteration(task.instance, ready)?;
        }
        self.deliver(task.instance, task.iteration + 1, task.step, vec![Some(value)], false, ready)
    }

    /// Starts the next iteration of `instance`: the loop invariants arrive in it, and so do
    /// the `NextIteration` values that waited for room.
    fn start_iteration(&mut self, instance: u32, ready: &mut Vec<Task>) -> Result<()> {
        let frames = self.frames;
        let inst = self.instance_mut(instance)?;
        let frame = inst.frame;
        let number = inst.newest + 1;
        let iteration = self.iteration_of(frame, number);
        let inst = self.instance_mut(instance)?;
        inst.newest = number;
        inst.iterations.push_back(iteration);
        let alive = inst.iterations.len();
        self.peak_iterations = self.peak_iterations.max(alive);
        let inst = self.instance_mut(instance)?;
        let invariants = inst.arrived_invariants.clone();
        let deferred = std::mem::take(&mut inst.deferred);
        for (step, dead) in invariants {
            for edge in &frames.steps[step as usize].out_edges {
                self.activate(instance, number, *edge, !dead, ready)?;
            }
        }
        for (step, value) in deferred {
            self.deliver(instance, number, step, vec![Some(value)], false, ready)?;
        }
        Ok(())
    }

    /// Retires the done iterations of `instance` (starting waiting ones in their place), and
    /// ends the instance when none is left, passing its held-back dead `Exit`s to the parent
    /// and retiring there in turn.
    fn cleanup(&mut self, instance: u32, ready: &mut Vec<Task>) -> Result<()> {
        let mut id = instance;
        while id != ROOT_INSTANCE {
            loop {
                let inst = self.instance_mut(id)?;
                let Some(front) = inst.iterations.front() else { break };
                let done = front.outstanding == 0
                    && front.child_frames == 0
                    && (front.number > 0 || inst.pending_enters == 0);
                if !done {
                    break;
                }
                inst.iterations.pop_front();
                if !inst.deferred.is_empty() {
                    self.start_iteration(id, ready)?;
                }
            }
            let inst = self.instance_mut(id)?;
            if !inst.iterations.is_empty() || inst.pending_enters > 0 {
                return Ok(());
            }
            let Some(ended) = self.instances[id as usize].take() else {
                return Err(Status::internal("a frame instance ended twice"));
            };
            self.free.push(id);
            let (parent, number) = ended.parent;
            self.children.remove(&(parent, number, ended.frame));
            for &exit in ended.dead_exits.iter().filter(|e| !ended.exits_live.contains(e)) {
                self.deliver(parent, number, exit, vec![None], true, ready)?;
            }
            let iteration = self.iteration_mut(parent, number)?;
            iteration.child_frames = iteration.child_frames.saturating_sub(1);
            id = parent;
        }
        Ok(())
    }

    /// Why `inst` cannot end: a step of its oldest iteration that got some inputs but not all,
    /// else the `Enter`s it still waits for.
    fn stuck(&self, inst: &Instance) -> Status {
        let frame = &self.frames.frames[inst.frame as usize];
        let what = self.frames.describe(inst.frame);
        if let Some(iteration) = inst.iterations.front() {
            let waiting = iteration.steps.iter().enumerate().find(|(k, s)| {
                let expected =
                    self.frames.steps[frame.steps[*k] as usize].expected(iteration.number);
                !s.fired
                    && (s.pending < expected.data + expected.control
                        || s.dead_data > 0
                        || s.live_input != NO_INPUT)
            });
            if let Some((k, _)) = waiting {
                let name = &self.plan.steps[frame.steps[k] as usize].node_name;
                return Status::invalid_argument(format!(
                    "{what} cannot make progress: '{name}' received some of its inputs in \
                     iteration {} but the others never arrive; the loop is malformed",
                    iteration.number
                ))
                .with_node(name);
            }
        }
        let enter = self
            .frames
            .steps
            .iter()
            .position(|s| s.out_frame == inst.frame && s.frame != inst.frame);
        let name = enter.map_or_else(String::new, |e| self.plan.steps[e].node_name.clone());
        Status::invalid_argument(format!(
            "{what} cannot make progress: it waits for {} Enter node(s) (such as '{name}') that \
             never ran",
            inst.pending_enters
        ))
        .with_node(name)
    }
}
