//! File-system errors as statuses with TensorFlow's codes (its `IOError` mapping), naming the
//! file.

use sessionflow_core::{Code, Status};
use std::io::ErrorKind;

/// `error` from doing `what` on `path`.
pub(crate) fn io_status(error: &std::io::Error, what: &str, path: &str) -> Status {
    let code = match error.kind() {
        ErrorKind::NotFound => Code::NotFound,
        ErrorKind::PermissionDenied => Code::PermissionDenied,
        ErrorKind::AlreadyExists => Code::AlreadyExists,
        ErrorKind::UnexpectedEof => Code::DataLoss,
        ErrorKind::OutOfMemory => Code::ResourceExhausted,
        ErrorKind::InvalidInput => Code::InvalidArgument,
        _ => Code::Unknown,
    };
    Status::new(code, format!("{what} {path}: {error}"))
}
