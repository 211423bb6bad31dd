//! Building TF1 control flow by hand, node by node, the way `tf.compat.v1.cond` and
//! `tf.compat.v1.while_loop` lay it out, for the control-flow tests.

#![allow(dead_code)]

use sessionflow::core::{AttrValue, DType, Element, PartialShape, Tensor, TensorShape};
use sessionflow::graph::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow::host_allocator;
use std::sync::{Arc, RwLock};

/// A graph under construction.
#[derive(Default)]
pub struct Builder {
    pub graph: Graph,
}

pub fn out(n: NodeId) -> Endpoint {
    Endpoint::new(n, 0)
}

impl Builder {
    /// Adds a node; panics with the engine's message if it is refused.
    pub fn node(
        &mut self,
        op: &str,
        name: &str,
        inputs: &[Endpoint],
        control: &[NodeId],
        attrs: &[(&str, AttrValue)],
    ) -> NodeId {
        self.try_node(op, name, inputs, control, attrs).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    pub fn try_node(
        &mut self,
        op: &str,
        name: &str,
        inputs: &[Endpoint],
        control: &[NodeId],
        attrs: &[(&str, AttrValue)],
    ) -> sessionflow::core::Result<NodeId> {
        self.graph.add_node(NodeSpec {
            op: op.into(),
            name: name.into(),
            inputs: inputs.to_vec(),
            control_inputs: control.to_vec(),
            attrs: attrs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
            device: String::new(),
        })
    }

    /// `op(inputs…)`, output 0.
    pub fn op(&mut self, op: &str, name: &str, inputs: &[Endpoint]) -> Endpoint {
        out(self.node(op, name, inputs, &[], &[]))
    }

    pub fn placeholder(&mut self, name: &str, dtype: DType) -> Endpoint {
        let attrs = [
            ("dtype", AttrValue::Type(dtype)),
            ("shape", AttrValue::Shape(PartialShape::scalar())),
        ];
        out(self.node("Placeholder", name, &[], &[], &attrs))
    }

    /// A scalar constant, control-dependent on `control` (a pivot, inside a branch or loop).
    pub fn scalar<T: Element>(&mut self, name: &str, value: T, control: &[NodeId]) -> Endpoint {
        let t = Tensor::scalar(host_allocator(), value).unwrap();
        let attrs = [("dtype", AttrValue::Type(T::DTYPE)), ("value", AttrValue::Tensor(t))];
        out(self.node("Const", name, &[], control, &attrs))
    }

    pub fn vector(&mut self, name: &str, values: &[f32]) -> Endpoint {
        let t = Tensor::from_slice(host_allocator(), TensorShape::new([values.len()]), values);
        let attrs =
            [("dtype", AttrValue::Type(DType::Float32)), ("value", AttrValue::Tensor(t.unwrap()))];
        out(self.node("Const", name, &[], &[], &attrs))
    }

    pub fn enter(
        &mut self,
        name: &str,
        x: Endpoint,
        frame: &str,
        constant: bool,
        parallel: i64,
    ) -> Endpoint {
        let attrs = [
            ("frame_name", AttrValue::String(frame.to_owned())),
            ("is_constant", AttrValue::Bool(constant)),
            ("parallel_iterations", AttrValue::Int(parallel)),
        ];
        out(self.node("Enter", name, &[x], &[], &attrs))
    }

    /// `cond(pred, true_fn, false_fn)` as TF1 lays it out: the predicate switched into a pivot
    /// per branch, each captured tensor switched on the predicate, and a Merge per output.
    /// The branch functions get (builder, pivot, captured values on that branch).
    pub fn cond(
        &mut self,
        name: &str,
        pred: Endpoint,
        captured: &[Endpoint],
        true_fn: impl FnOnce(&mut Builder, NodeId, &[Endpoint]) -> Endpoint,
        false_fn: impl FnOnce(&mut Builder, NodeId, &[Endpoint]) -> Endpoint,
    ) -> Endpoint {
        let switch_pred = self.node("Switch", &format!("{name}/Switch"), &[pred, pred], &[], &[]);
        let pivot_t = self.node(
            "Identity",
            &format!("{name}/switch_t"),
            &[Endpoint::new(switch_pred, 1)],
            &[],
            &[],
        );
        let pivot_f = self.node(
            "Identity",
            &format!("{name}/switch_f"),
            &[Endpoint::new(switch_pred, 0)],
            &[],
            &[],
        );
        let switches: Vec<NodeId> = captured
            .iter()
            .enumerate()
            .map(|(k, &x)| self.node("Switch", &format!("{name}/Switch_{k}"), &[x, pred], &[], &[]))
            .collect();
        let on = |port: u32| switches.iter().map(|&s| Endpoint::new(s, port)).collect::<Vec<_>>();
        let (on_true, on_false) = (on(1), on(0));
        let t = true_fn(self, pivot_t, &on_true);
        let f = false_fn(self, pivot_f, &on_false);
        let merge = self.node("Merge", &format!("{name}/Merge"), &[f, t], &[], &[]);
        out(merge)
    }

    /// `while_loop(cond, body, vars)` as TF1 lays it out. `constants` enter as loop
    /// invariants. `cond` gets (builder, merged vars, invariants); `body` gets (builder, pivot,
    /// vars on the continuing side, invariants) and returns the next values. Returns the Exits.
    #[allow(clippy::too_many_arguments)]
    pub fn while_loop(
        &mut self,
        name: &str,
        parallel: i64,
        vars: &[Endpoint],
        constants: &[Endpoint],
        cond: impl FnOnce(&mut Builder, &[Endpoint], &[Endpoint]) -> Endpoint,
        body: impl FnOnce(&mut Builder, NodeId, &[Endpoint], &[Endpoint]) -> Vec<Endpoint>,
    ) -> Vec<Endpoint> {
        let frame = format!("{name}/while_context");
        let enters: Vec<Endpoint> = vars
            .iter()
            .enumerate()
            .map(|(k, &v)| self.enter(&format!("{name}/Enter_{k}"), v, &frame, false, parallel))
            .collect();
        let invariants: Vec<Endpoint> = constants
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                self.enter(&format!("{name}/Const_Enter_{k}"), c, &frame, true, parallel)
            })
            .collect();
        let merges: Vec<NodeId> = enters
            .iter()
            .enumerate()
            .map(|(k, &e)| self.node("Merge", &format!("{name}/Merge_{k}"), &[e, e], &[], &[]))
            .collect();
        let merged: Vec<Endpoint> = merges.iter().map(|&m| out(m)).collect();
        let pred = cond(self, &merged, &invariants);
        let loop_cond = self.op("LoopCond", &format!("{name}/LoopCond"), &[pred]);
        let switches: Vec<NodeId> = merged
            .iter()
            .enumerate()
            .map(|(k, &m)| {
                self.node("Switch", &format!("{name}/Switch_{k}"), &[m, loop_cond], &[], &[])
            })
            .collect();
        let exits: Vec<Endpoint> = switches
            .iter()
            .enumerate()
            .map(|(k, &s)| self.op("Exit", &format!("{name}/Exit_{k}"), &[Endpoint::new(s, 0)]))
            .collect();
        let identities: Vec<Endpoint> = switches
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                self.op("Identity", &format!("{name}/Identity_{k}"), &[Endpoint::new(s, 1)])
            })
            .collect();
        let next = body(self, identities[0].node, &identities, &invariants);
        assert_eq!(next.len(), merges.len(), "the body returns one value per loop variable");
        for (k, (&n, &m)) in next.iter().zip(&merges).enumerate() {
            let next_iteration =
                self.op("NextIteration", &format!("{name}/NextIteration_{k}"), &[n]);
            self.graph.set_back_edge(m, 1, next_iteration).unwrap();
        }
        exits
    }

    pub fn shared(self) -> Arc<RwLock<Graph>> {
        Arc::new(RwLock::new(self.graph))
    }
}

pub fn scalar<T: Element>(value: T) -> Tensor {
    Tensor::scalar(host_allocator(), value).unwrap()
}
