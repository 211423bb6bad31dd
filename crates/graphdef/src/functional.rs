//! TF2's functional control flow — `If`/`StatelessIf` and `While`/`StatelessWhile`, whose
//! branches, condition and body are functions of the GraphDef's library — lowered at import
//! time to TF1's dataflow form, which the engine runs: the functions are inlined, an `If`
//! becomes Switches into each branch and a Merge per output, a `While` becomes
//! Enter/Merge/LoopCond/Switch/Exit/NextIteration around its condition and body (as
//! TensorFlow's own `LowerFunctionalOpsPass` does). The lowered node keeps its name as a NoOp
//! that waits for its outputs, so control edges to it still mean "after it"; its outputs are
//! renamed to the Merges or Exits.
//!
//! Not supported (Unimplemented): functions with list arguments or attr placeholders (generic
//! functions), and function calls other than these four ops. A function's `control_ret`
//! (side effects to order) is not carried over: the lowered graph only orders what data needs.

use crate::proto::attr_value::Value;
use crate::proto::{AttrValue, FunctionDef, GraphDef, NodeDef};
use sessionflow_core::{Result, Status};
use sessionflow_graph::OpRegistry;
use std::collections::{HashMap, HashSet, VecDeque};

/// Functional ops whose every output is one list argument, `output`.
const IF_OPS: [&str; 2] = ["If", "StatelessIf"];
const WHILE_OPS: [&str; 2] = ["While", "StatelessWhile"];

/// More inlined functions than this means a function calls itself.
const MAX_INLINED: usize = 100_000;

/// A GraphDef with its functional ops lowered, and where their outputs went.
pub(crate) struct Lowered {
    pub graph_def: GraphDef,
    /// `"node:i"` of a lowered op → the tensor that now stands for it.
    pub renames: HashMap<String, String>,
}

impl Lowered {
    /// `name` (`"node:i"`, `"node"`, `"^node"`) after renaming.
    pub fn rename<'a>(&'a self, name: &'a str) -> &'a str {
        if name.starts_with('^') {
            return name;
        }
        let key = if name.contains(':') { name.to_owned() } else { format!("{name}:0") };
        self.renames.get(&key).map_or(name, String::as_str)
    }
}

/// Lowers every `If`/`While` of `graph_def`; `None` when it has none (nothing to do).
pub(crate) fn lower(graph_def: &GraphDef) -> Result<Option<Lowered>> {
    let functional =
        |n: &NodeDef| IF_OPS.contains(&n.op.as_str()) || WHILE_OPS.contains(&n.op.as_str());
    if !graph_def.node.iter().any(functional) {
        return Ok(None);
    }
    let library: HashMap<&str, &FunctionDef> = graph_def
        .library
        .iter()
        .flat_map(|l| &l.function)
        .filter_map(|f| f.signature.as_ref().map(|s| (s.name.as_str(), f)))
        .collect();
    let mut lowering = Lowering { library, renames: HashMap::new(), inlined: 0 };
    let mut queue: VecDeque<NodeDef> = graph_def.node.iter().cloned().collect();
    let mut nodes = Vec::with_capacity(graph_def.node.len());
    while let Some(node) = queue.pop_front() {
        if IF_OPS.contains(&node.op.as_str()) {
            queue.extend(lowering.lower_if(&node)?);
        } else if WHILE_OPS.contains(&node.op.as_str()) {
            queue.extend(lowering.lower_while(&node)?);
        } else {
            nodes.push(node);
        }
    }
    let mut names = HashSet::new();
    for node in &mut nodes {
        if !names.insert(node.name.clone()) {
            return Err(Status::invalid_argument(format!(
                "lowering functional control flow made two nodes named '{}'",
                node.name
            )));
        }
        for input in &mut node.input {
            if let Some(renamed) = lowering.renamed(input) {
                *input = renamed;
            }
        }
    }
    let lowered = GraphDef { node: nodes, library: None, ..graph_def.clone() };
    Ok(Some(Lowered { graph_def: lowered, renames: lowering.renames }))
}

struct Lowering<'g> {
    library: HashMap<&'g str, &'g FunctionDef>,
    renames: HashMap<String, String>,
    inlined: usize,
}

/// A node of the lowered graph.
fn node(name: String, op: &str, input: Vec<String>) -> NodeDef {
    NodeDef { name, op: op.to_owned(), input, ..NodeDef::default() }
}

fn attr(value: Value) -> AttrValue {
    AttrValue { value: Some(value) }
}

fn split_inputs(n: &NodeDef) -> (Vec<String>, Vec<String>) {
    n.input.iter().cloned().partition(|i| !i.starts_with('^'))
}

impl<'g> Lowering<'g> {
    fn renamed(&self, input: &str) -> Option<String> {
        if input.starts_with('^') {
            return None;
        }
        let key = if input.contains(':') { input.to_owned() } else { format!("{input}:0") };
        self.renames.get(&key).cloned()
    }

    fn function(&self, n: &NodeDef, attr_name: &str) -> Result<&'g FunctionDef> {
        let name = match n.attr.get(attr_name).and_then(|a| a.value.as_ref()) {
            Some(Value::Func(f)) => f.name.as_str(),
            _ => {
                return Err(Status::invalid_argument(format!(
                    "{} '{}' has no function attr '{attr_name}'",
                    n.op, n.name
                ))
                .with_node(&n.name));
            }
        };
        self.library.get(name).copied().ok_or_else(|| {
            Status::not_found(format!(
                "{} '{}' calls function '{name}', which the GraphDef's library does not hold",
                n.op, n.name
            ))
            .with_node(&n.name)
        })
    }

    /// `If(cond, args…)`: each arg switched on `cond` into the branch functions, a Merge per
    /// output.
    fn lower_if(&mut self, n: &NodeDef) -> Result<Vec<NodeDef>> {
        let (then_fn, else_fn) =
            (self.function(n, "then_branch")?, self.function(n, "else_branch")?);
        let (data, control) = split_inputs(n);
        let Some((cond, args)) = data.split_first() else {
            return Err(Status::invalid_argument(format!("If '{}' has no condition", n.name))
                .with_node(&n.name));
        };
        let p = &n.name;
        let mut out = Vec::new();
        let with_control = |mut inputs: Vec<String>| {
            inputs.extend(control.iter().cloned());
            inputs
        };
        out.push(node(
            format!("{p}/switch_pred"),
            "Switch",
            with_control(vec![cond.clone(), cond.clone()]),
        ));
        out.push(node(format!("{p}/pivot_t"), "Identity", vec![format!("{p}/switch_pred:1")]));
        out.push(node(format!("{p}/pivot_f"), "Identity", vec![format!("{p}/switch_pred:0")]));
        for (k, arg) in args.iter().enumerate() {
            out.push(node(
                format!("{p}/input_{k}"),
                "Switch",
                with_control(vec![arg.clone(), cond.clone()]),
            ));
        }
        let on = |side: u32| {
            (0..args.len()).map(|k| format!("{p}/input_{k}:{side}")).collect::<Vec<_>>()
        };
        let then_out =
            self.inline(then_fn, &format!("{p}/then"), &on(1), &format!("{p}/pivot_t"), &mut out)?;
        let else_out =
            self.inline(else_fn, &format!("{p}/else"), &on(0), &format!("{p}/pivot_f"), &mut out)?;
        if then_out.len() != else_out.len() {
            return Err(Status::invalid_argument(format!(
                "the branches of If '{p}' return {} and {} values",
                then_out.len(),
                else_out.len()
            ))
            .with_node(p));
        }
        let mut waits = Vec::new();
        for (j, (t, e)) in then_out.iter().zip(&else_out).enumerate() {
            let merge = format!("{p}/output_{j}");
            out.push(node(merge.clone(), "Merge", vec![e.clone(), t.clone()]));
            self.renames.insert(format!("{p}:{j}"), format!("{merge}:0"));
            waits.push(format!("^{merge}"));
        }
        if waits.is_empty() {
            waits.push(format!("^{p}/switch_pred"));
        }
        out.push(node(p.clone(), "NoOp", waits));
        Ok(out)
    }

    /// `While(vars…)`: a frame named after the node, its condition and body inlined.
    fn lower_while(&mut self, n: &NodeDef) -> Result<Vec<NodeDef>> {
        let (cond_fn, body_fn) = (self.function(n, "cond")?, self.function(n, "body")?);
        let parallel = match n.attr.get("parallel_iterations").and_then(|a| a.value.as_ref()) {
            Some(Value::I(i)) => *i,
            _ => 10,
        };
        let (vars, control) = split_inputs(n);
        let p = &n.name;
        let mut out = Vec::new();
        for (k, var) in vars.iter().enumerate() {
            let mut enter = node(
                format!("{p}/enter_{k}"),
                "Enter",
                [vec![var.clone()], control.clone()].concat(),
            );
            enter.attr.insert("frame_name".into(), attr(Value::S(p.as_bytes().to_vec())));
            enter.attr.insert("is_constant".into(), attr(Value::B(false)));
            enter.attr.insert("parallel_iterations".into(), attr(Value::I(parallel)));
            out.push(enter);
            out.push(node(
                format!("{p}/merge_{k}"),
                "Merge",
                vec![format!("{p}/enter_{k}"), format!("{p}/next_{k}")],
            ));
        }
        let merged: Vec<String> = (0..vars.len()).map(|k| format!("{p}/merge_{k}")).collect();
        let pivot = merged.first().cloned().ok_or_else(|| {
            Status::invalid_argument(format!("While '{p}' has no loop variables")).with_node(p)
        })?;
        let pred = self.inline(cond_fn, &format!("{p}/cond"), &merged, &pivot, &mut out)?;
        let [pred] = <[String; 1]>::try_from(pred).map_err(|_| {
            Status::invalid_argument(format!("the condition of While '{p}' must return one value"))
                .with_node(p)
        })?;
        out.push(node(format!("{p}/loop_cond"), "LoopCond", vec![pred]));
        let mut current = Vec::new();
        let mut waits = Vec::new();
        for k in 0..vars.len() {
            let switch = format!("{p}/switch_{k}");
            out.push(node(
                switch.clone(),
                "Switch",
                vec![format!("{p}/merge_{k}"), format!("{p}/loop_cond")],
            ));
            out.push(node(format!("{p}/exit_{k}"), "Exit", vec![format!("{switch}:0")]));
            out.push(node(format!("{p}/body_{k}"), "Identity", vec![format!("{switch}:1")]));
            current.push(format!("{p}/body_{k}"));
            self.renames.insert(format!("{p}:{k}"), format!("{p}/exit_{k}:0"));
            waits.push(format!("^{p}/exit_{k}"));
        }
        let next = self.inline(body_fn, &format!("{p}/body"), &current, &current[0], &mut out)?;
        if next.len() != vars.len() {
            return Err(Status::invalid_argument(format!(
                "the body of While '{p}' returns {} values for {} loop variables",
                next.len(),
                vars.len()
            ))
            .with_node(p));
        }
        for (k, value) in next.into_iter().enumerate() {
            out.push(node(format!("{p}/next_{k}"), "NextIteration", vec![value]));
        }
        out.push(node(p.clone(), "NoOp", waits));
        Ok(out)
    }

    /// Copies the body of `f` under `prefix`, its arguments bound to `args` and its input-less
    /// nodes tied to `pivot`; returns the tensors of its results, in signature order.
    fn inline(
        &mut self,
        f: &FunctionDef,
        prefix: &str,
        args: &[String],
        pivot: &str,
        out: &mut Vec<NodeDef>,
    ) -> Result<Vec<String>> {
        self.inlined += 1;
        let signature = f.signature.clone().unwrap_or_default();
        let name = &signature.name;
        if self.inlined > MAX_INLINED {
            return Err(Status::invalid_argument(format!(
                "function '{name}' calls itself without end"
            )));
        }
        let unsupported = |what: &str| {
            Status::unimplemented(format!(
                "function '{name}' has {what}; sessionflow inlines only functions of single tensors with concrete attrs"
            ))
        };
        if signature
            .input_arg
            .iter()
            .chain(&signature.output_arg)
            .any(|a| !a.number_attr.is_empty() || !a.type_list_attr.is_empty())
        {
            return Err(unsupported("list arguments"));
        }
        if signature.input_arg.len() != args.len() {
            return Err(Status::invalid_argument(format!(
                "function '{name}' takes {} arguments but is called with {}",
                signature.input_arg.len(),
                args.len()
            )));
        }
        let bound: HashMap<&str, &String> =
            signature.input_arg.iter().map(|a| a.name.as_str()).zip(args).collect();
        let body: HashMap<&str, &NodeDef> =
            f.node_def.iter().map(|n| (n.name.as_str(), n)).collect();
        let resolve = |reference: &str| -> Result<String> {
            if let Some(node) = reference.strip_prefix('^') {
                // A control edge from an argument waits for whatever produces it.
                if let Some(arg) = bound.get(node) {
                    let producer = arg.split(':').next().unwrap_or(arg);
                    return Ok(format!("^{producer}"));
                }
                return Ok(format!("^{prefix}/{node}"));
            }
            if let Some(arg) = bound.get(reference) {
                return Ok((*arg).clone());
            }
            let mut parts = reference.split(':');
            let (node, output, index) = (parts.next().unwrap_or(""), parts.next(), parts.next());
            let Some(def) = body.get(node) else {
                return Err(Status::invalid_argument(format!(
                    "function '{name}' refers to '{reference}', which it does not define"
                )));
            };
            let flat = match (output, index) {
                (None, _) => 0,
                (Some(output), Some(index)) => {
                    let index: usize = index.parse().map_err(|_| {
                        Status::invalid_argument(format!(
                            "bad tensor name '{reference}' in function '{name}'"
                        ))
                    })?;
                    output_offset(def, output)? + index
                }
                (Some(_), None) => {
                    return Err(Status::invalid_argument(format!(
                        "bad tensor name '{reference}' in function '{name}'"
                    )));
                }
            };
            Ok(format!("{prefix}/{node}:{flat}"))
        };
        for def in &f.node_def {
            if def.attr.values().any(|a| matches!(a.value, Some(Value::Placeholder(_)))) {
                return Err(unsupported("attr placeholders"));
            }
            let mut input = def.input.iter().map(|i| resolve(i)).collect::<Result<Vec<_>>>()?;
            if input.is_empty() {
                input.push(format!("^{pivot}"));
            }
            out.push(NodeDef { name: format!("{prefix}/{}", def.name), input, ..def.clone() });
        }
        signature
            .output_arg
            .iter()
            .map(|a| match f.ret.get(&a.name) {
                Some(reference) => resolve(reference),
                None => Err(Status::invalid_argument(format!(
                    "function '{name}' does not say what its output '{}' is",
                    a.name
                ))),
            })
            .collect()
    }
}

/// Where output argument `output` of `def` starts among its outputs (TF function bodies name
/// outputs `node:arg:index`).
fn output_offset(def: &NodeDef, output: &str) -> Result<usize> {
    if IF_OPS.contains(&def.op.as_str()) || WHILE_OPS.contains(&def.op.as_str()) {
        return Ok(0);
    }
    let op = OpRegistry::global().get(&def.op)?;
    let mut offset = 0;
    for arg in &op.outputs {
        if arg.name == output {
            return Ok(offset);
        }
        offset += match (arg.number_attr, &arg.ty) {
            (Some(n), _) => match def.attr.get(n).and_then(|a| a.value.as_ref()) {
                Some(Value::I(count)) => usize::try_from(*count).unwrap_or(0),
                _ => 0,
            },
            (None, sessionflow_graph::ArgType::Attr(t)) => {
                match def.attr.get(*t).and_then(|a| a.value.as_ref()) {
                    Some(Value::List(list))
                        if op
                            .attr_def(t)
                            .is_some_and(|d| d.kind == sessionflow_graph::AttrKind::ListType) =>
                    {
                        list.r#type.len()
                    }
                    _ => 1,
                }
            }
            _ => 1,
        };
    }
    Err(Status::invalid_argument(format!(
        "'{}' ({}) has no output named '{output}'",
        def.name, def.op
    )))
}
