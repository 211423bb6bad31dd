use crate::{
    ArgType, AttrKind, Endpoint, InferenceContext, InputInfo, Node, NodeId, OpDef, OpRegistry,
};
use sessionflow_core::{AttrMap, AttrValue, DType, PartialShape, Result, Status, Tensor};
use std::collections::HashMap;

/// What a caller asks for when adding a node.
#[derive(Clone, Debug, Default)]
pub struct NodeSpec {
    /// TensorFlow op type, e.g. `MatMul`.
    pub op: String,
    /// The requested name, already prefixed with its name scope; made unique on insertion.
    pub name: String,
    pub inputs: Vec<Endpoint>,
    pub control_inputs: Vec<NodeId>,
    pub attrs: AttrMap,
    pub device: String,
}

/// A dataflow graph that only grows. Cloning copies the nodes (tensor values are shared), so a
/// change can be staged on a copy and kept only if it succeeds.
#[derive(Clone, Debug)]
pub struct Graph {
    nodes: Vec<Node>,
    by_name: HashMap<String, NodeId>,
    /// TensorFlow's `names_in_use`: lower-cased name → how many times it was requested.
    names_in_use: HashMap<String, u32>,
    finalized: bool,
    registry: &'static OpRegistry,
}

impl Default for Graph {
    fn default() -> Self {
        Graph::new()
    }
}

impl Graph {
    /// An empty graph over the global op registry.
    pub fn new() -> Self {
        Graph {
            nodes: Vec::new(),
            by_name: HashMap::new(),
            names_in_use: HashMap::new(),
            finalized: false,
            registry: OpRegistry::global(),
        }
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The node with this id, or InvalidArgument.
    pub fn node(&self, id: NodeId) -> Result<&Node> {
        self.nodes.get(id.index()).ok_or_else(|| {
            Status::invalid_argument(format!("no node with id {} in the graph", id.0))
        })
    }

    /// All nodes, by id.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node with this exact name.
    pub fn node_by_name(&self, name: &str) -> Option<&Node> {
        self.by_name.get(name).map(|id| &self.nodes[id.index()])
    }

    /// The endpoint named `"op:index"` (or `"op"` for output 0), as `Graph.get_tensor_by_name`.
    pub fn endpoint_by_name(&self, name: &str) -> Result<Endpoint> {
        let (op, index) = match name.rsplit_once(':') {
            Some((op, i)) => (op, i.parse::<u32>().map_err(|_| bad_tensor_name(name))?),
            None => (name, 0),
        };
        let node = self.node_by_name(op).ok_or_else(|| {
            Status::not_found(format!("The name '{name}' refers to a Tensor which does not exist. The operation, '{op}', does not exist in the graph."))
        })?;
        if index as usize >= node.num_outputs() {
            return Err(Status::not_found(format!(
                "The name '{name}' refers to a Tensor which does not exist. The operation, '{op}', exists but only has {} outputs.",
                node.num_outputs()
            )));
        }
        Ok(Endpoint::new(node.id, index))
    }

    /// Whether the graph is finalized (read-only).
    pub fn is_finalized(&self) -> bool {
        self.finalized
    }

    /// Makes the graph read-only, as `Graph.finalize()`.
    pub fn finalize(&mut self) {
        self.finalized = true;
    }

    /// Validates `spec` and appends the node. The name is made unique TensorFlow's way
    /// (`a`, `a_1`, `a_2`, …); the returned id names the new node.
    pub fn add_node(&mut self, spec: NodeSpec) -> Result<NodeId> {
        if self.finalized {
            return Err(Status::failed_precondition("Graph is finalized and cannot be modified."));
        }
        let op_def = self.registry.get(&spec.op)?;
        validate_name(&spec.name)?;
        let name = self.peek_unique_name(&spec.name);
        let spec_name = spec.name.clone();
        let node = self.build_node(op_def, spec, name.clone()).map_err(|s| s.with_node(&name))?;
        self.claim_name(&spec_name, &node.name);
        let id = node.id;
        self.by_name.insert(node.name.clone(), id);
        self.nodes.push(node);
        Ok(id)
    }

    fn build_node(&self, op_def: &'static OpDef, spec: NodeSpec, name: String) -> Result<Node> {
        for &c in &spec.control_inputs {
            self.node(c)?;
        }
        let input_types =
            spec.inputs.iter().map(|e| self.endpoint_dtype(*e)).collect::<Result<Vec<_>>>()?;
        let mut attrs = spec.attrs;
        resolve_input_attrs(op_def, &input_types, &mut attrs)?;
        complete_attrs(op_def, &mut attrs)?;
        let output_types = output_types(op_def, &attrs)?;
        let inputs: Vec<InputInfo> = spec.inputs.iter().map(|&e| self.input_info(e)).collect();
        let mut ctx = InferenceContext::new(&attrs, &inputs, output_types.len());
        let inferred = (op_def.shape_fn)(&mut ctx).map(|()| ctx.into_outputs());
        let output_shapes = inferred.map_err(|s| {
            let shapes: Vec<String> = inputs.iter().map(|i| i.shape.to_string()).collect();
            let message = if shapes.is_empty() {
                format!("{} for '{name}' (op: '{}')", s.message, op_def.name)
            } else {
                format!(
                    "{} for '{name}' (op: '{}') with input shapes: {}.",
                    s.message,
                    op_def.name,
                    shapes.join(", ")
                )
            };
            Status { message, ..s }
        })?;
        Ok(Node {
            id: NodeId(self.nodes.len() as u32),
            name,
            op_def,
            inputs: spec.inputs,
            control_inputs: spec.control_inputs,
            attrs,
            device: spec.device,
            input_types,
            output_types,
            output_shapes,
        })
    }

    /// What shape functions may know about endpoint `e` (which was checked to exist).
    fn input_info(&self, e: Endpoint) -> InputInfo {
        let producer = &self.nodes[e.node.index()];
        let value = match (producer.op(), producer.attrs.get("value")) {
            ("Const", Some(AttrValue::Tensor(t))) => Some(t.clone()),
            _ => None,
        };
        let value_as_shape = match producer.op() {
            "Shape" => producer
                .inputs
                .first()
                .map(|i| self.nodes[i.node.index()].output_shapes[i.index as usize].clone()),
            _ => value.as_ref().and_then(shape_from_tensor),
        };
        let handle = match (producer.op(), producer.attrs.get("dtype"), producer.attrs.get("shape"))
        {
            ("VarHandleOp", Some(AttrValue::Type(d)), Some(AttrValue::Shape(s))) => {
                Some((*d, s.clone()))
            }
            _ => None,
        };
        InputInfo {
            dtype: producer.output_types[e.index as usize],
            shape: producer.output_shapes[e.index as usize].clone(),
            value,
            value_as_shape,
            handle,
        }
    }

    fn endpoint_dtype(&self, e: Endpoint) -> Result<DType> {
        let node = self.node(e.node)?;
        node.output_types.get(e.index as usize).copied().ok_or_else(|| {
            Status::invalid_argument(format!(
                "'{}' has {} outputs; output {} does not exist",
                node.name,
                node.num_outputs(),
                e.index
            ))
        })
    }

    /// TensorFlow's `Graph.unique_name`: `requested` if unused, else `requested_1`, `_2`, …;
    /// with `mark_as_used` the name is claimed (name scopes claim theirs this way).
    pub fn unique_name(&mut self, requested: &str, mark_as_used: bool) -> String {
        let name = self.peek_unique_name(requested);
        if mark_as_used {
            self.claim_name(requested, &name);
        }
        name
    }

    /// The name `requested` would get, without claiming it (so a failed add claims nothing).
    /// This is TensorFlow's `Graph.unique_name`, case-insensitive as there.
    fn peek_unique_name(&self, requested: &str) -> String {
        let key = requested.to_lowercase();
        let mut i = self.names_in_use.get(&key).copied().unwrap_or(0);
        if i == 0 {
            return requested.to_owned();
        }
        let mut candidate = key.clone();
        while self.names_in_use.contains_key(&candidate) {
            candidate = format!("{key}_{i}");
            i += 1;
        }
        format!("{requested}_{}", i - 1)
    }

    fn claim_name(&mut self, requested: &str, name: &str) {
        *self.names_in_use.entry(requested.to_lowercase()).or_insert(0) += 1;
        if name != requested {
            self.names_in_use.insert(name.to_lowercase(), 1);
        }
    }
}

/// A constant 1-D int tensor read as a shape (-1 meaning unknown), as shape functions do.
fn shape_from_tensor(t: &Tensor) -> Option<PartialShape> {
    if t.shape().rank() != 1 {
        return None;
    }
    let dims: Vec<i64> = match t.dtype() {
        DType::Int32 => t.as_slice::<i32>().ok()?.iter().map(|&d| d as i64).collect(),
        DType::Int64 => t.as_slice::<i64>().ok()?.to_vec(),
        _ => return None,
    };
    PartialShape::from_i64(&dims).ok()
}

fn bad_tensor_name(name: &str) -> Status {
    Status::invalid_argument(format!(
        "The name '{name}' looks like a Tensor name, but is not a valid one. Tensor names must be of the form \"<op_name>:<output_index>\"."
    ))
}

/// TensorFlow's node-name rule: `[A-Za-z0-9.][A-Za-z0-9_.\-/>]*`.
fn validate_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-/>".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Status::invalid_argument(format!("'{name}' is not a valid node name")))
    }
}

/// Matches inputs to the op's arguments, sets list lengths (`N`) and infers type attrs.
fn resolve_input_attrs(op: &OpDef, input_types: &[DType], attrs: &mut AttrMap) -> Result<()> {
    let fixed: usize = op.inputs.iter().filter(|a| !is_list(op, a)).count();
    let lists = op.inputs.iter().filter(|a| is_list(op, a)).count();
    let list_len = match lists {
        0 if input_types.len() == fixed => 0,
        1 if input_types.len() >= fixed => input_types.len() - fixed,
        _ => {
            return Err(Status::invalid_argument(format!(
                "{} expects {fixed}{} inputs, got {}",
                op.name,
                if lists > 0 { " or more" } else { "" },
                input_types.len()
            )));
        }
    };
    let mut next = 0;
    let mut first_arg_of_type: HashMap<&str, &str> = HashMap::new();
    for arg in &op.inputs {
        if let Some(t) = type_list_attr(op, arg) {
            let types = input_types[next..next + list_len].to_vec();
            match attrs.get(t) {
                Some(AttrValue::ListType(given)) if *given != types => {
                    return Err(Status::invalid_argument(format!(
                        "Input '{}' of '{}' Op has types {types:?} that do not match attr '{t}' {given:?}.",
                        arg.name, op.name
                    )));
                }
                Some(_) => {}
                None => {
                    attrs.insert(t.to_owned(), AttrValue::ListType(types));
                }
            }
            next += list_len;
            continue;
        }
        let count = match arg.number_attr {
            Some(n) => {
                set_or_check(attrs, n, AttrValue::Int(list_len as i64), op.name)?;
                list_len
            }
            None => 1,
        };
        for &dtype in &input_types[next..next + count] {
            let expected = match arg.ty {
                ArgType::Fixed(d) => d,
                ArgType::Attr(t) => match attrs.get(t) {
                    Some(AttrValue::Type(d)) => *d,
                    _ => {
                        attrs.insert(t.to_owned(), AttrValue::Type(dtype));
                        first_arg_of_type.insert(t, arg.name);
                        dtype
                    }
                },
            };
            if dtype != expected {
                let source = match arg.ty {
                    ArgType::Attr(t) => match first_arg_of_type.get(t) {
                        Some(first) => format!("type {expected} of argument '{first}'"),
                        None => format!("type {expected} of attr '{t}'"),
                    },
                    ArgType::Fixed(_) => format!("expected type {expected}"),
                };
                return Err(Status::invalid_argument(format!(
                    "Input '{}' of '{}' Op has type {dtype} that does not match {source}.",
                    arg.name, op.name
                )));
            }
        }
        next += count;
    }
    Ok(())
}

/// The `list(type)` attr an argument takes its dtypes from (`"input: T"` with `T: list(type)`).
fn type_list_attr(op: &OpDef, arg: &crate::ArgDef) -> Option<&'static str> {
    match arg.ty {
        ArgType::Attr(t) if op.attr_def(t).is_some_and(|d| d.kind == AttrKind::ListType) => Some(t),
        _ => None,
    }
}

/// Whether an argument takes a variable number of tensors.
fn is_list(op: &OpDef, arg: &crate::ArgDef) -> bool {
    arg.number_attr.is_some() || type_list_attr(op, arg).is_some()
}

fn set_or_check(attrs: &mut AttrMap, name: &str, value: AttrValue, op: &str) -> Result<()> {
    match (attrs.get(name), &value) {
        (Some(AttrValue::Int(a)), AttrValue::Int(b)) if a != b => Err(Status::invalid_argument(
            format!("attr '{name}' of {op} is {a} but {b} inputs were given"),
        )),
        (Some(_), _) => Ok(()),
        (None, _) => {
            attrs.insert(name.to_owned(), value);
            Ok(())
        }
    }
}

/// Fills defaults, then checks every attr is declared, present, of its kind, and allowed.
fn complete_attrs(op: &OpDef, attrs: &mut AttrMap) -> Result<()> {
    for def in &op.attrs {
        if !attrs.contains_key(def.name)
            && let Some(default) = &def.default
        {
            attrs.insert(def.name.to_owned(), default.clone());
        }
        let value = attrs.get(def.name).ok_or_else(|| {
            Status::invalid_argument(format!("{} requires attr '{}'", op.name, def.name))
        })?;
        if !def.kind.matches(value) {
            return Err(Status::invalid_argument(format!(
                "attr '{}' of {} must be {:?}, got {}",
                def.name,
                op.name,
                def.kind,
                value.kind()
            )));
        }
        if let (Some(allowed), AttrValue::Type(t)) = (def.allowed_types, value)
            && !allowed.contains(t)
        {
            let names: Vec<&str> = allowed.iter().map(|d| d.name()).collect();
            return Err(Status::invalid_argument(format!(
                "Value for attr '{}' of {t} is not in the list of allowed values for {}: {}",
                def.name,
                op.name,
                names.join(", ")
            )));
        }
    }
    if let Some(unknown) = attrs.keys().find(|k| op.attr_def(k).is_none() && !k.starts_with('_')) {
        return Err(Status::invalid_argument(format!("{} has no attr named '{unknown}'", op.name)));
    }
    Ok(())
}

fn output_types(op: &OpDef, attrs: &AttrMap) -> Result<Vec<DType>> {
    let mut out = Vec::new();
    for arg in &op.outputs {
        if let Some(t) = type_list_attr(op, arg) {
            match attrs.get(t) {
                Some(AttrValue::ListType(types)) => out.extend(types),
                _ => {
                    return Err(Status::invalid_argument(format!(
                        "{} requires attr '{t}'",
                        op.name
                    )));
                }
            }
            continue;
        }
        let dtype = match arg.ty {
            ArgType::Fixed(d) => d,
            ArgType::Attr(t) => match attrs.get(t) {
                Some(AttrValue::Type(d)) => *d,
                _ => {
                    return Err(Status::invalid_argument(format!(
                        "{} requires attr '{t}'",
                        op.name
                    )));
                }
            },
        };
        let count = match arg.number_attr {
            Some(n) => match attrs.get(n) {
                Some(AttrValue::Int(k)) if *k >= 0 => *k as usize,
                _ => {
                    return Err(Status::invalid_argument(format!(
                        "{} requires attr '{n}'",
                        op.name
                    )));
                }
            },
            None => 1,
        };
        out.extend(std::iter::repeat_n(dtype, count));
    }
    Ok(out)
}

mod back_edge;
mod replace;
mod revert;

#[cfg(test)]
mod tests;
