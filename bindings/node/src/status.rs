use sessionflow::core::{Code, Status};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The prefix of an encoded status in a JS error message; `ts/errors.ts` decodes it.
const STATUS_PREFIX: &str = "SESSIONFLOW_STATUS:";

/// Turns a status into a JS error carrying its code, message and node as JSON.
pub fn to_napi(status: Status) -> napi::Error {
    let payload = serde_json::json!({
        "code": status.code as i32,
        "message": status.message,
        "node": status.node,
    });
    napi::Error::from_reason(format!("{STATUS_PREFIX}{payload}"))
}

/// Runs an entry point's body, converting errors and catching panics so that none unwinds
/// into Node.
pub fn guard<T>(body: impl FnOnce() -> Result<T, Status>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result.map_err(to_napi),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(to_napi(Status::new(Code::Internal, format!("sessionflow panicked: {what}"))))
        }
    }
}
