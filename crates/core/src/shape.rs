use crate::{Result, Status};
use std::fmt;

/// The fully known shape of a tensor value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TensorShape(Vec<usize>);

impl TensorShape {
    /// A shape with these dimensions.
    pub fn new(dims: impl Into<Vec<usize>>) -> Self {
        TensorShape(dims.into())
    }

    /// The rank-0 shape.
    pub fn scalar() -> Self {
        TensorShape(Vec::new())
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.len()
    }

    /// Number of elements, or InvalidArgument when it does not fit in `usize`.
    pub fn num_elements(&self) -> Result<usize> {
        self.0
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| Status::invalid_argument(format!("shape {self} has too many elements")))
    }

    /// Dimension `i`.
    pub fn dim(&self, i: usize) -> usize {
        self.0[i]
    }
}

impl From<Vec<usize>> for TensorShape {
    fn from(dims: Vec<usize>) -> Self {
        TensorShape(dims)
    }
}

impl From<&[usize]> for TensorShape {
    fn from(dims: &[usize]) -> Self {
        TensorShape(dims.to_vec())
    }
}

impl fmt::Display for TensorShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// A shape as known while the graph is built: the rank may be unknown, and so may any
/// dimension (`None`, written `?`, and -1 in a GraphDef).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartialShape(Option<Vec<Option<usize>>>);

impl PartialShape {
    /// A shape of unknown rank.
    pub fn unknown() -> Self {
        PartialShape(None)
    }

    /// The rank-0 shape.
    pub fn scalar() -> Self {
        PartialShape(Some(Vec::new()))
    }

    /// A shape of known rank whose dimensions may be unknown.
    pub fn new(dims: Vec<Option<usize>>) -> Self {
        PartialShape(Some(dims))
    }

    /// A shape of known rank with every dimension unknown.
    pub fn unknown_of_rank(rank: usize) -> Self {
        PartialShape(Some(vec![None; rank]))
    }

    /// Reads GraphDef's convention: -1 is an unknown dimension; other negatives are errors.
    pub fn from_i64(dims: &[i64]) -> Result<Self> {
        dims.iter()
            .map(|&d| match d {
                -1 => Ok(None),
                d if d >= 0 => Ok(Some(d as usize)),
                d => Err(Status::invalid_argument(format!(
                    "shape dimension {d} is invalid: dimensions are >= 0, or -1 for unknown"
                ))),
            })
            .collect::<Result<Vec<_>>>()
            .map(PartialShape::new)
    }

    /// The dimensions, or `None` when the rank is unknown.
    pub fn dims(&self) -> Option<&[Option<usize>]> {
        self.0.as_deref()
    }

    /// The rank, when known.
    pub fn rank(&self) -> Option<usize> {
        self.0.as_ref().map(Vec::len)
    }

    /// The dimensions in GraphDef's convention (-1 unknown), or `None` for unknown rank.
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        self.0.as_ref().map(|dims| dims.iter().map(|d| d.map_or(-1, |d| d as i64)).collect())
    }

    /// The concrete shape if every dimension is known.
    pub fn to_tensor_shape(&self) -> Option<TensorShape> {
        self.0.as_ref()?.iter().copied().collect::<Option<Vec<_>>>().map(TensorShape)
    }

    /// Whether a value of shape `shape` may flow where this shape is expected.
    pub fn is_compatible_with(&self, shape: &TensorShape) -> bool {
        match &self.0 {
            None => true,
            Some(dims) => {
                dims.len() == shape.rank()
                    && dims.iter().zip(shape.dims()).all(|(d, &s)| d.is_none_or(|d| d == s))
            }
        }
    }
}

impl From<&TensorShape> for PartialShape {
    fn from(shape: &TensorShape) -> Self {
        PartialShape(Some(shape.dims().iter().map(|&d| Some(d)).collect()))
    }
}

impl fmt::Display for PartialShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("<unknown>"),
            Some(dims) => {
                f.write_str("[")?;
                for (i, d) in dims.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    match d {
                        Some(d) => write!(f, "{d}")?,
                        None => f.write_str("?")?,
                    }
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_dims_accept_any_size() {
        let p = PartialShape::new(vec![None, Some(3)]);
        assert!(p.is_compatible_with(&TensorShape::new([7, 3])));
        assert!(!p.is_compatible_with(&TensorShape::new([7, 4])));
        assert!(!p.is_compatible_with(&TensorShape::new([3])));
        assert!(PartialShape::unknown().is_compatible_with(&TensorShape::new([1, 2, 3])));
        assert_eq!(p.to_string(), "[?,3]");
    }

    #[test]
    fn graphdef_convention() {
        let p = PartialShape::from_i64(&[-1, 2]).unwrap();
        assert_eq!(p.to_i64(), Some(vec![-1, 2]));
        assert_eq!(PartialShape::from_i64(&[-2]).unwrap_err().code, crate::Code::InvalidArgument);
    }

    #[test]
    fn element_count_overflow_is_an_error() {
        let s = TensorShape::new([usize::MAX, 2]);
        assert!(s.num_elements().is_err());
        assert_eq!(TensorShape::new([2, 0, 5]).num_elements().unwrap(), 0);
        assert_eq!(TensorShape::scalar().num_elements().unwrap(), 1);
    }
}
