use std::fmt;

/// TensorFlow's canonical error codes (`tensorflow/core/protobuf/error_codes.proto`), with the
/// same numbers so that they cross into TypeScript and GraphDef tooling unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Code {
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

impl Code {
    /// TensorFlow's upper-snake name of the code, e.g. `INVALID_ARGUMENT`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::Cancelled => "CANCELLED",
            Code::Unknown => "UNKNOWN",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Code::NotFound => "NOT_FOUND",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::Aborted => "ABORTED",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::Unimplemented => "UNIMPLEMENTED",
            Code::Internal => "INTERNAL",
            Code::Unavailable => "UNAVAILABLE",
            Code::DataLoss => "DATA_LOSS",
            Code::Unauthenticated => "UNAUTHENTICATED",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error as TensorFlow reports one: a code, a message, and the node it concerns if any.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Status {
    pub code: Code,
    pub message: String,
    /// Name of the graph node the error concerns, when there is one.
    pub node: Option<String>,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(node) = &self.node {
            write!(f, " [[node {node}]]")?;
        }
        Ok(())
    }
}

macro_rules! constructors {
    ($($fn_name:ident => $code:ident),* $(,)?) => {
        $(
            #[doc = concat!("A status with code `", stringify!($code), "`.")]
            pub fn $fn_name(message: impl Into<String>) -> Self {
                Status::new(Code::$code, message)
            }
        )*
    };
}

impl Status {
    /// A status with the given code and message, concerning no node yet.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Status { code, message: message.into(), node: None }
    }

    constructors! {
        cancelled => Cancelled,
        unknown => Unknown,
        invalid_argument => InvalidArgument,
        deadline_exceeded => DeadlineExceeded,
        not_found => NotFound,
        already_exists => AlreadyExists,
        permission_denied => PermissionDenied,
        resource_exhausted => ResourceExhausted,
        failed_precondition => FailedPrecondition,
        aborted => Aborted,
        out_of_range => OutOfRange,
        unimplemented => Unimplemented,
        internal => Internal,
        unavailable => Unavailable,
        data_loss => DataLoss,
        unauthenticated => Unauthenticated,
    }

    /// Attaches the node this error concerns, unless a more specific one is already set.
    pub fn with_node(mut self, node: impl Into<String>) -> Self {
        if self.node.is_none() {
            self.node = Some(node.into());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_tensorflows_numbers() {
        assert_eq!(Code::Cancelled as i32, 1);
        assert_eq!(Code::InvalidArgument as i32, 3);
        assert_eq!(Code::ResourceExhausted as i32, 8);
        assert_eq!(Code::Unauthenticated as i32, 16);
    }

    #[test]
    fn with_node_keeps_the_innermost_node() {
        let s = Status::invalid_argument("bad").with_node("inner").with_node("outer");
        assert_eq!(s.node.as_deref(), Some("inner"));
        assert_eq!(s.to_string(), "INVALID_ARGUMENT: bad [[node inner]]");
    }
}
