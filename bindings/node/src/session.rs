use crate::graph::{EndpointJs, NativeGraph};
use crate::status::guard;
use crate::tensor_value::TensorValue;
use napi_derive::napi;
use sessionflow::core::{Result, Status};
use sessionflow::graph::{Endpoint, NodeId};
use sessionflow::{Session, SessionConfig as EngineConfig, open_session};

/// A value to feed for one endpoint.
#[napi(object)]
pub struct Feed {
    pub node: u32,
    pub index: u32,
    pub value: TensorValue,
}

/// Session settings from JS (ConfigProto's field names, camelCased).
#[napi(object)]
pub struct SessionConfig {
    pub intra_op_parallelism_threads: Option<i64>,
    pub inter_op_parallelism_threads: Option<i64>,
}

/// A device as `listDevices()` reports it.
#[napi(object)]
pub struct DeviceInfo {
    pub name: String,
    pub device_type: String,
    /// Bytes.
    pub memory_limit: f64,
}

/// A session running a [`NativeGraph`].
#[napi]
pub struct NativeSession {
    inner: Session,
}

#[napi]
impl NativeSession {
    /// Opens a session on `graph`.
    #[napi(constructor)]
    pub fn new(graph: &NativeGraph, config: Option<SessionConfig>) -> napi::Result<Self> {
        guard(|| {
            let config = engine_config(config)?;
            Ok(NativeSession { inner: open_session(graph.shared(), &config)? })
        })
    }

    /// Feeds `feeds`, runs `targets` and whatever `fetches` need, and returns the fetches.
    #[napi]
    pub fn run(
        &self,
        feeds: Vec<Feed>,
        fetches: Vec<EndpointJs>,
        targets: Vec<u32>,
    ) -> napi::Result<Vec<TensorValue>> {
        guard(|| {
            let feeds = feeds
                .iter()
                .map(|f| Ok((Endpoint::new(NodeId(f.node), f.index), f.value.to_tensor()?)))
                .collect::<Result<Vec<_>>>()?;
            let fetches: Vec<Endpoint> = fetches.iter().map(Endpoint::from).collect();
            let targets: Vec<NodeId> = targets.into_iter().map(NodeId).collect();
            let values = self.inner.run(feeds, &fetches, &targets)?;
            values.iter().map(TensorValue::from_tensor).collect()
        })
    }

    /// Closes the session. Idempotent.
    #[napi]
    pub fn close(&self) -> napi::Result<()> {
        guard(|| {
            self.inner.close();
            Ok(())
        })
    }

    /// Whether the session is closed.
    #[napi]
    pub fn is_closed(&self) -> napi::Result<bool> {
        guard(|| Ok(self.inner.is_closed()))
    }

    /// The devices of this session.
    #[napi]
    pub fn list_devices(&self) -> napi::Result<Vec<DeviceInfo>> {
        guard(|| {
            Ok(self
                .inner
                .devices()
                .iter()
                .map(|d| {
                    let a = d.attributes();
                    DeviceInfo {
                        name: a.name.clone(),
                        device_type: a.device_type.as_str().to_owned(),
                        memory_limit: a.memory_limit as f64,
                    }
                })
                .collect())
        })
    }
}

fn engine_config(config: Option<SessionConfig>) -> Result<EngineConfig> {
    let Some(config) = config else {
        return Ok(EngineConfig::default());
    };
    Ok(EngineConfig {
        intra_op_threads: thread_count(
            config.intra_op_parallelism_threads,
            "intraOpParallelismThreads",
        )?,
        inter_op_threads: thread_count(
            config.inter_op_parallelism_threads,
            "interOpParallelismThreads",
        )?,
        ..EngineConfig::default()
    })
}

/// A ConfigProto thread count: absent or 0 means one per core.
fn thread_count(value: Option<i64>, name: &str) -> Result<usize> {
    let n = value.unwrap_or(0);
    usize::try_from(n).ok().filter(|&n| n <= 4096).ok_or_else(|| {
        Status::invalid_argument(format!(
            "{name} must be between 0 (one per core) and 4096, got {n}"
        ))
    })
}
