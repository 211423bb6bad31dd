use crate::InferenceContext;
use crate::gradients::GradFn;
use sessionflow_core::{AttrValue, DType, PartialShape, Result};

/// Computes a node's output shapes from its inputs and attrs, at graph-build time.
pub type ShapeFn = fn(&mut InferenceContext<'_>) -> Result<()>;

/// How an input or output argument gets its dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// From a `type` attr (e.g. `T`), inferred from the inputs when not given.
    Attr(&'static str),
    /// Always this dtype.
    Fixed(DType),
}

/// An input or output of an op, as in TensorFlow's `OpDef.ArgDef`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDef {
    pub name: &'static str,
    pub ty: ArgType,
    /// For list arguments (`N * T`): the int attr holding the length.
    pub number_attr: Option<&'static str>,
}

/// The kind of an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrKind {
    Int,
    Float,
    Bool,
    String,
    Type,
    Shape,
    Tensor,
    ListInt,
    ListFloat,
    ListType,
    ListString,
}

impl AttrKind {
    fn parse(s: &str) -> AttrKind {
        match s {
            "int" => AttrKind::Int,
            "float" => AttrKind::Float,
            "bool" => AttrKind::Bool,
            "string" => AttrKind::String,
            "type" => AttrKind::Type,
            "shape" => AttrKind::Shape,
            "tensor" => AttrKind::Tensor,
            "list(int)" => AttrKind::ListInt,
            "list(float)" => AttrKind::ListFloat,
            "list(type)" => AttrKind::ListType,
            "list(string)" => AttrKind::ListString,
            other => panic!("op definition uses unknown attr kind '{other}'"),
        }
    }

    /// Whether `value` is of this kind.
    pub fn matches(self, value: &AttrValue) -> bool {
        matches!(
            (self, value),
            (AttrKind::Int, AttrValue::Int(_))
                | (AttrKind::Float, AttrValue::Float(_))
                | (AttrKind::Bool, AttrValue::Bool(_))
                | (AttrKind::String, AttrValue::String(_))
                | (AttrKind::Type, AttrValue::Type(_))
                | (AttrKind::Shape, AttrValue::Shape(_))
                | (AttrKind::Tensor, AttrValue::Tensor(_))
                | (AttrKind::ListInt, AttrValue::ListInt(_))
                | (AttrKind::ListFloat, AttrValue::ListFloat(_))
                | (AttrKind::ListType, AttrValue::ListType(_))
                | (AttrKind::ListString, AttrValue::ListString(_))
        )
    }
}

/// An attribute of an op: kind, default, and (for `type` attrs) the dtypes allowed.
#[derive(Clone, Debug)]
pub struct AttrDef {
    pub name: &'static str,
    pub kind: AttrKind,
    pub default: Option<AttrValue>,
    pub allowed_types: Option<&'static [DType]>,
}

/// How an op takes part in `tf.gradients` (TensorFlow's gradient registry, kept on the op).
#[derive(Clone, Copy, Debug)]
pub enum Gradient {
    /// Nothing registered: differentiating through the op is a NotFound error (TF's
    /// `LookupError: No gradient defined for operation`).
    Undefined,
    /// TensorFlow's `NotDifferentiable`: gradients stop here, silently.
    NotDifferentiable,
    /// The function adding the op's backward nodes (TF's `@ops.RegisterGradient`).
    Function(GradFn),
}

/// One op's definition: the single source of its signature and shape function.
#[derive(Clone, Debug)]
pub struct OpDef {
    pub name: &'static str,
    pub inputs: Vec<ArgDef>,
    pub outputs: Vec<ArgDef>,
    pub attrs: Vec<AttrDef>,
    pub shape_fn: ShapeFn,
    /// Stateful ops (random, variables) are never folded or deduplicated.
    pub is_stateful: bool,
    /// The `type` attr that selects the kernel, if any (the first declared type attr).
    pub kernel_type_attr: Option<&'static str>,
    /// How gradients flow through the op; set by the family's `*_grad.rs` file.
    pub gradient: Gradient,
}

fn no_outputs(_: &mut InferenceContext<'_>) -> Result<()> {
    Ok(())
}

impl OpDef {
    /// Starts a definition. The spec strings below follow TensorFlow's `REGISTER_OP` syntax;
    /// they are written by us in op files, so a malformed one is a programming error and
    /// panics when the registry is first built (which every test run does).
    pub fn new(name: &'static str) -> Self {
        OpDef {
            name,
            inputs: Vec::new(),
            outputs: Vec::new(),
            attrs: Vec::new(),
            shape_fn: no_outputs,
            is_stateful: false,
            kernel_type_attr: None,
            gradient: Gradient::Undefined,
        }
    }

    /// Adds an input: `"x: T"`, `"x: float32"` or `"values: N * T"`.
    pub fn input(mut self, spec: &'static str) -> Self {
        self.inputs.push(parse_arg(spec));
        self
    }

    /// Adds an output, in the same syntax as [`OpDef::input`].
    pub fn output(mut self, spec: &'static str) -> Self {
        self.outputs.push(parse_arg(spec));
        self
    }

    /// Adds a `type` attr limited to `allowed`; the first one declared selects the kernel.
    pub fn type_attr(mut self, name: &'static str, allowed: &'static [DType]) -> Self {
        self.kernel_type_attr.get_or_insert(name);
        self.attrs.push(AttrDef {
            name,
            kind: AttrKind::Type,
            default: None,
            allowed_types: Some(allowed),
        });
        self
    }

    /// Restricts the already declared `type` attr `attr` to `allowed` (TF's
    /// `Attr("out_type: {int32, int64} = DT_INT32")` is `.attr("out_type: type = int32")`
    /// then `.allow_types("out_type", …)`; such an attr does not select the kernel).
    pub fn allow_types(mut self, attr: &str, allowed: &'static [DType]) -> Self {
        for def in self.attrs.iter_mut().filter(|a| a.name == attr) {
            def.allowed_types = Some(allowed);
        }
        self
    }

    /// Gives the already declared `type` attr `attr` a default.
    pub fn default_type(mut self, attr: &str, default: DType) -> Self {
        for def in self.attrs.iter_mut().filter(|a| a.name == attr) {
            def.default = Some(AttrValue::Type(default));
        }
        self
    }

    /// Adds an attr: `"name: kind"` (required) or `"name: kind = default"`.
    pub fn attr(mut self, spec: &'static str) -> Self {
        let (decl, default) = match spec.split_once('=') {
            Some((d, v)) => (d.trim(), Some(v.trim())),
            None => (spec.trim(), None),
        };
        let (name, kind) = decl.split_once(':').expect("attr spec is 'name: kind'");
        let kind = AttrKind::parse(kind.trim());
        let default = default.map(|v| parse_default(kind, v));
        self.attrs.push(AttrDef { name: name.trim(), kind, default, allowed_types: None });
        self
    }

    /// Sets the shape function.
    pub fn shape(mut self, f: ShapeFn) -> Self {
        self.shape_fn = f;
        self
    }

    /// Marks the op stateful.
    pub fn stateful(mut self) -> Self {
        self.is_stateful = true;
        self
    }

    /// The definition of attr `name`, if declared.
    pub fn attr_def(&self, name: &str) -> Option<&AttrDef> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

fn parse_arg(spec: &'static str) -> ArgDef {
    let (name, ty) = spec.split_once(':').expect("arg spec is 'name: type'");
    let ty = ty.trim();
    let (number_attr, ty) = match ty.split_once('*') {
        Some((n, t)) => (Some(n.trim()), t.trim()),
        None => (None, ty),
    };
    let ty = match DType::from_name(ty) {
        Some(d) => ArgType::Fixed(d),
        None => ArgType::Attr(ty),
    };
    ArgDef { name: name.trim(), ty, number_attr }
}

fn parse_default(kind: AttrKind, v: &str) -> AttrValue {
    let bad = || -> ! { panic!("bad default '{v}' for a {kind:?} attr") };
    match kind {
        AttrKind::Int => AttrValue::Int(v.parse().unwrap_or_else(|_| bad())),
        AttrKind::Float => AttrValue::Float(v.parse().unwrap_or_else(|_| bad())),
        AttrKind::Bool => AttrValue::Bool(v.parse().unwrap_or_else(|_| bad())),
        AttrKind::String => AttrValue::String(v.trim_matches('\'').to_owned()),
        AttrKind::Type => AttrValue::Type(DType::from_name(v).unwrap_or_else(|| bad())),
        AttrKind::Shape if v == "unknown" => AttrValue::Shape(PartialShape::unknown()),
        AttrKind::ListInt => AttrValue::ListInt(parse_list(v).unwrap_or_else(|| bad())),
        AttrKind::ListFloat => AttrValue::ListFloat(parse_list(v).unwrap_or_else(|| bad())),
        AttrKind::ListString => AttrValue::ListString(
            parse_list::<String>(v)
                .unwrap_or_else(|| bad())
                .into_iter()
                .map(|s| s.trim_matches('\'').to_owned())
                .collect(),
        ),
        _ => bad(),
    }
}

fn parse_list<T: std::str::FromStr>(v: &str) -> Option<Vec<T>> {
    let inner = v.strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(|x| x.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_like_register_op() {
        let def = OpDef::new("Demo")
            .input("values: N * T")
            .input("axis: int32")
            .output("out: T")
            .type_attr("T", &DType::NUMERIC)
            .attr("N: int")
            .attr("keep: bool = false")
            .attr("strides: list(int) = [1, 2]");
        assert_eq!(def.inputs[0].number_attr, Some("N"));
        assert_eq!(def.inputs[0].ty, ArgType::Attr("T"));
        assert_eq!(def.inputs[1].ty, ArgType::Fixed(DType::Int32));
        assert_eq!(def.kernel_type_attr, Some("T"));
        assert!(matches!(def.attr_def("keep").unwrap().default, Some(AttrValue::Bool(false))));
        assert!(
            matches!(&def.attr_def("strides").unwrap().default, Some(AttrValue::ListInt(v)) if v == &[1, 2])
        );
        assert!(def.attr_def("N").unwrap().default.is_none());
    }
}
