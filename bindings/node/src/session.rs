use crate::callable::NativeCallable;
use crate::graph::{EndpointJs, NativeGraph};
use crate::graph_options::{GraphOptions, graph_options};
use crate::memory::{DeviceMemoryStats, GpuOptions, byte_count, device_memory_stats, gpu_options};
use crate::run_result::{RunOptions, RunResult, RunTask, run_options, run_result, spawn};
use crate::status::guard;
use crate::tensor_value::{TensorValue, read_in_place};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use sessionflow::core::{Result, Status};
use sessionflow::graph::{Endpoint, NodeId};
use sessionflow::{
    Callable, RunSignature, Session, SessionConfig as EngineConfig, adopt_calling_thread,
    open_session,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

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
    /// Timeout of every run that sets none, in milliseconds (0 or absent: none).
    pub operation_timeout_in_ms: Option<f64>,
    /// Most devices of each type (`{ CPU: 2 }`).
    pub device_count: Option<HashMap<String, i64>>,
    /// Run a node whose requested device cannot run it on one that can.
    pub allow_soft_placement: Option<bool>,
    /// Print each node's device to stderr when a plan is built.
    pub log_device_placement: Option<bool>,
    /// Most bytes each CPU device may hold at once (default: physical memory).
    pub memory_limit: Option<f64>,
    /// Memory options of accelerator devices.
    pub gpu_options: Option<GpuOptions>,
    /// Which plan-time graph rewrites run.
    pub graph_options: Option<GraphOptions>,
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
    /// Shared with in-flight async runs and callables, which may outlive a `close()`.
    inner: Arc<Session>,
}

#[napi]
impl NativeSession {
    /// Opens a session on `graph`.
    #[napi(constructor)]
    pub fn new(graph: &NativeGraph, config: Option<SessionConfig>) -> napi::Result<Self> {
        guard(|| {
            let config = engine_config(config)?;
            // This is a JavaScript thread, where synchronous runs are made: the first one to
            // open a session computes as thread 0 of a pool of its own (see
            // `adopt_calling_thread`).
            adopt_calling_thread();
            Ok(NativeSession { inner: Arc::new(open_session(graph.shared(), &config)?) })
        })
    }

    /// Feeds `feeds`, runs `targets` and whatever `fetches` need, and returns the fetches.
    #[napi]
    pub fn run(
        &self,
        feeds: Vec<Feed>,
        fetches: Vec<EndpointJs>,
        targets: Vec<u32>,
        options: Option<RunOptions>,
    ) -> napi::Result<RunResult> {
        guard(|| {
            let callable = self.prepare_run(&feeds, &fetches, targets)?;
            let options = run_options(options)?;
            read_in_place(feeds.into_iter().map(|f| f.value), |values| {
                let (out, metadata) = self.inner.run_callable(&callable, values, &options)?;
                run_result(out, metadata)
            })
        })
    }

    /// [`NativeSession::run`] on a worker thread; resolves with the same result.
    #[napi(ts_return_type = "Promise<RunResult>")]
    pub fn run_async(
        &self,
        feeds: Vec<Feed>,
        fetches: Vec<EndpointJs>,
        targets: Vec<u32>,
        options: Option<RunOptions>,
    ) -> napi::Result<AsyncTask<RunTask>> {
        guard(|| {
            let values = feeds.iter().map(|f| f.value.to_tensor()).collect::<Result<Vec<_>>>()?;
            let callable = self.prepare_run(&feeds, &fetches, targets)?;
            Ok(spawn(RunTask {
                session: Arc::clone(&self.inner),
                callable,
                feeds: values,
                options: run_options(options)?,
            }))
        })
    }

    /// Declares a partial run: every feed and fetch its steps will use, and its targets.
    #[napi]
    pub fn partial_run_setup(
        &self,
        feeds: Vec<EndpointJs>,
        fetches: Vec<EndpointJs>,
        targets: Vec<u32>,
    ) -> napi::Result<String> {
        guard(|| {
            self.inner.partial_run_setup(RunSignature {
                feeds: feeds.iter().map(Endpoint::from).collect(),
                fetches: fetches.iter().map(Endpoint::from).collect(),
                targets: targets.into_iter().map(NodeId).collect(),
            })
        })
    }

    /// One step of a partial run.
    #[napi]
    pub fn partial_run(
        &self,
        handle: String,
        feeds: Vec<Feed>,
        fetches: Vec<EndpointJs>,
        targets: Vec<u32>,
        options: Option<RunOptions>,
    ) -> napi::Result<Vec<TensorValue>> {
        guard(|| {
            let feeds = feeds
                .iter()
                .map(|f| Ok((Endpoint::new(NodeId(f.node), f.index), f.value.to_tensor()?)))
                .collect::<Result<Vec<_>>>()?;
            let fetches: Vec<Endpoint> = fetches.iter().map(Endpoint::from).collect();
            let targets: Vec<NodeId> = targets.into_iter().map(NodeId).collect();
            let values = self.inner.partial_run(
                &handle,
                feeds,
                &fetches,
                &targets,
                &run_options(options)?,
            )?;
            values.into_iter().map(TensorValue::from_tensor).collect()
        })
    }

    /// Prepares a signature once for repeated calls (TF's `make_callable`).
    #[napi]
    pub fn make_callable(
        &self,
        feeds: Vec<EndpointJs>,
        fetches: Vec<EndpointJs>,
        targets: Vec<u32>,
    ) -> napi::Result<NativeCallable> {
        guard(|| {
            let signature = RunSignature {
                feeds: feeds.iter().map(Endpoint::from).collect(),
                fetches: fetches.iter().map(Endpoint::from).collect(),
                targets: targets.into_iter().map(NodeId).collect(),
            };
            let callable = self.inner.prepare(signature)?;
            Ok(NativeCallable::new(Arc::clone(&self.inner), callable))
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

    /// Allocator statistics of every device of this session.
    #[napi]
    pub fn memory_stats(&self) -> napi::Result<Vec<DeviceMemoryStats>> {
        guard(|| Ok(self.inner.devices().iter().map(|d| device_memory_stats(&**d)).collect()))
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

impl NativeSession {
    /// The (cached) plan for this run's signature.
    fn prepare_run(
        &self,
        feeds: &[Feed],
        fetches: &[EndpointJs],
        targets: Vec<u32>,
    ) -> Result<Callable> {
        let signature = RunSignature {
            feeds: feeds.iter().map(|f| Endpoint::new(NodeId(f.node), f.index)).collect(),
            fetches: fetches.iter().map(Endpoint::from).collect(),
            targets: targets.into_iter().map(NodeId).collect(),
        };
        self.inner.prepare(signature)
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
        operation_timeout: match config.operation_timeout_in_ms {
            None => None,
            Some(0.0) => None,
            Some(ms) if ms.is_finite() && ms > 0.0 => Some(Duration::from_secs_f64(ms / 1000.0)),
            Some(ms) => {
                return Err(Status::invalid_argument(format!(
                    "operationTimeoutInMs must be a non-negative number of milliseconds, got {ms}"
                )));
            }
        },
        device_count: device_count(config.device_count)?,
        allow_soft_placement: config.allow_soft_placement.unwrap_or(false),
        log_device_placement: config.log_device_placement.unwrap_or(false),
        cpu_memory_limit: byte_count(config.memory_limit, "memoryLimit")?,
        gpu_options: gpu_options(config.gpu_options)?,
        graph_options: graph_options(config.graph_options),
    })
}

/// TF's `device_count`: device type (upper-cased) → most devices of that type.
fn device_count(counts: Option<HashMap<String, i64>>) -> Result<HashMap<String, usize>> {
    counts
        .unwrap_or_default()
        .into_iter()
        .map(|(ty, n)| {
            let n = usize::try_from(n).ok().filter(|&n| n <= 256).ok_or_else(|| {
                Status::invalid_argument(format!(
                    "deviceCount.{ty} must be between 0 and 256, got {n}"
                ))
            })?;
            Ok((ty.to_uppercase(), n))
        })
        .collect()
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
