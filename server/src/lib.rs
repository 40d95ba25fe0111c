//! A DynamoDB-compatible HTTP server over any `dynamodb-mapper`
//! [`Backend`]: every AWS SDK, the AWS CLI and NoSQL Workbench can talk to
//! the in-memory and sled stores (or to any other backend) as they talk to
//! DynamoDB.
//!
//! It speaks DynamoDB's JSON protocol (`POST /`, `X-Amz-Target:
//! DynamoDB_20120810.<Operation>`, `application/x-amz-json-1.0`) with
//! DynamoDB's request and answer shapes: numbers as their exact text,
//! base64 binaries, `ConsumedCapacity`, `UnprocessedItems` and
//! `UnprocessedKeys`, `LastEvaluatedKey`, `Attributes` under
//! `ReturnValues`, table descriptions with status, keys, indexes, billing,
//! counts and creation time; errors as DynamoDB's exceptions (`__type` and
//! `message`, the stored `Item` of a failed condition, the
//! `CancellationReasons` of a cancelled transaction). Operations it does not
//! implement answer `UnknownOperationException`, and request members the
//! library cannot express (`ReturnItemCollectionMetrics=SIZE`, which
//! DynamoDB Local accepts) are refused by name, never ignored. DynamoDB's
//! legacy members (`AttributesToGet`, `KeyConditions`, `QueryFilter`,
//! `ScanFilter`, `Expected`, `ConditionalOperator`, `AttributeUpdates`),
//! which older clients still send, are served as DynamoDB serves them:
//! checked with its messages, then rewritten into the expressions that say
//! the same thing. So is `UpdateTable`'s
//! `ProvisionedThroughput` without a `BillingMode` on an on-demand table,
//! as DynamoDB refuses it (DynamoDB Local ignores it).
//!
//! Clients are bounded: at most [`MAX_CONNECTIONS`] connections at once
//! (more wait to be accepted), [`READ_TIMEOUT`] for a request's headers
//! and again for its body, bodies up to [`MAX_BODY_BYTES`], and
//! [`MAX_BODY_BYTES_IN_FLIGHT`] of them parsed and served at once; each is
//! a setting of [`Server`].
//!
//! Served operations: `CreateTable`, `DescribeTable`, `UpdateTable`, `DeleteTable`,
//! `ListTables`, `UpdateTimeToLive`, `DescribeTimeToLive`, `GetItem`,
//! `PutItem`, `UpdateItem`, `DeleteItem`, `Query`, `Scan`, `BatchGetItem`,
//! `BatchWriteItem`, `TransactWriteItems`, `TransactGetItems`.
//!
//! ```
//! use std::sync::Arc;
//! use dynamodb_mapper_memory::MemoryBackend;
//! use dynamodb_mapper_server::Server;
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let server = Server::start(Arc::new(MemoryBackend::new())).await?;
//! // Point any SDK at it, e.g. `aws dynamodb list-tables --endpoint-url ...`.
//! let endpoint = server.endpoint().to_owned();
//! assert!(endpoint.starts_with("http://127.0.0.1:"));
//! server.stop().await;
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! The binary `dynamodb-mapper-server` serves a sled store
//! (`--data ./data`) or a memory store (`--in-memory`) on
//! `127.0.0.1:8000`; `--help` lists its options.
//!
//! # Limits and concurrency
//!
//! Request bodies over DynamoDB's 16 MB are refused with HTTP 413 before
//! they are parsed (from `Content-Length`, or as soon as the bytes read pass
//! the limit). JSON is parsed with serde_json's 128-level recursion limit,
//! and attribute values nesting deeper than DynamoDB's 32 levels are refused
//! with DynamoDB's message, so no input can exhaust the stack. Connections
//! are served in parallel on the multi-threaded tokio runtime (or, with
//! [`Server::threads`], as the binary does, each on one of the server's own
//! single-threaded runtimes, one per core); requests are
//! isolated by the engine's own lock, and the sled store waits for the disk
//! on blocking threads (its own async API), never on the runtime's.
//!
//! # Where it differs from DynamoDB
//!
//! - Signatures are not verified (the server knows no secret keys). With
//!   [`Server::access_keys`] only the access key id is checked.
//! - Settings the library's [`TableDefinition`](dynamodb_mapper::TableDefinition)
//!   cannot hold are refused, not ignored: streams, tags, KMS encryption,
//!   the infrequent-access table class, deletion protection, warm and
//!   on-demand throughput, resource policies; so is
//!   `ReturnItemCollectionMetrics=SIZE`.
//! - Index sizes and item counts in table descriptions are zero (the
//!   backends report the table's only; DynamoDB refreshes them every six
//!   hours, so zero is an answer it gives too).
//! - PartiQL, backups, exports, tags, global tables and the other operations
//!   outside [`OPERATIONS`] answer `UnknownOperationException`.
//! - `DescribeLimits` answers DynamoDB's default quotas, which the stores
//!   do not enforce.
//! - A description's `AttributeDefinitions` list the table's key, then the
//!   local indexes' keys, then the global indexes' (the definition keeps
//!   typed keys, not the request's list); Local lists them in request
//!   order, and after an `UpdateTable` in its hash-map order.
//! - `CreateTable` with `PAY_PER_REQUEST` and a `ProvisionedThroughput`
//!   (the table's or an index's) is refused, as DynamoDB refuses it; Local
//!   accepts it.
//! - Malformed requests (a body that is not one JSON object, a missing or
//!   foreign `X-Amz-Target`) answer `SerializationException` or
//!   `UnknownOperationException` naming the fault; Local answers HTTP 500
//!   `InternalFailure` to most of them. A member of the wrong JSON type is
//!   a `SerializationException` (Local coerces some, and fails on others).
//! - Legacy members where DynamoDB Local strays from DynamoDB: an
//!   `AttributeUpdates` entry without `Action` is a `PUT`, DynamoDB's
//!   documented default (Local drops it); an empty `AttributesToGet` and a
//!   name given twice are refused in DynamoDB's words ("Member must have
//!   length greater than or equal to 1", "Duplicate value in attribute
//!   name"; Local accepts the first and words the second "Cannot have two
//!   attributes with the same name"); an unknown or missing
//!   `ComparisonOperator` gets DynamoDB's constraint message naming the
//!   value (Local: "Comparison type does not exist in DynamoDB").
//! - Error bodies spell the message member `message`, as DynamoDB does
//!   (Local: `Message`); ARNs carry the request's signing region (Local:
//!   `ddblocal`); `GET /` answers a health line (Local: an error).
//!
//! Errors carry the engine's messages, which are DynamoDB Local's (see the
//! engine's list of its deliberate differences), but for a missing table:
//! the server says DynamoDB's `Requested resource not found: Table: NAME
//! not found`, naming the table, where Local says `Cannot do operations on
//! a non-existent table`. Request members out of their range or their
//! set (a negative `Limit`, an unknown `Select` or `ReturnValues`, a
//! `Segment` without `TotalSegments`) are answered in DynamoDB's words
//! (`1 validation error detected: Value 'BOGUS' at 'select' failed to
//! satisfy constraint: Member must satisfy enum value set: [...]`), where
//! Local words each its own way (a `Limit` of 0 is the engine's to refuse,
//! in Local's words: `Limit must be greater than or equal to 1`). Where
//! Local accepts such a member and ignores it (a
//! `ReturnValuesOnConditionCheckFailure` other than `ALL_OLD` or `NONE`
//! inside `TransactWriteItems`), the server refuses it as DynamoDB does.
//! A request's `TableName` that no table could have is named before any
//! other fault of the request, as Local names it. Operations the server does not serve answer
//! `com.amazon.coral.service#UnknownOperationException` naming the
//! operation (Local: its own namespace, and "An unknown operation was
//! requested." or "Tagging is not currently supported in DynamoDB Local.").

mod auth;
mod error;
mod http;
mod ops;
mod wire;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dynamodb_mapper::backend::Backend;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use error::ApiError;
pub use ops::OPERATIONS;

/// The largest request body DynamoDB accepts: 16 MB.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The most connections served at once, by default; more wait to be
/// accepted (in the listen backlog) until one closes.
pub const MAX_CONNECTIONS: usize = 1024;

/// The request bytes parsed and served at once, by default: a body parsed
/// to JSON takes some tens of times its size, so requests beyond this
/// wait for those before them to be answered.
pub const MAX_BODY_BYTES_IN_FLIGHT: usize = 64 * 1024 * 1024;

/// How long a client may take to send a request's headers, and then its
/// body, by default; past it the connection is closed (a body too slow
/// is answered `RequestTimeoutException` first).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a stopping server waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(10);

/// What a request handler knows besides its body.
pub(crate) struct Context {
    /// The region of the request's signature (for ARNs).
    pub(crate) region: String,
}

/// A DynamoDB-compatible server over a backend; [`Server::start`] runs it.
pub struct Server {
    backend: Arc<dyn Backend>,
    bind: SocketAddr,
    access_keys: Option<Vec<String>>,
    max_body_bytes: usize,
    body_bytes_in_flight: usize,
    max_connections: usize,
    read_timeout: Duration,
    region: String,
    threads: Option<usize>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("backend", &self.backend.capabilities().name)
            .field("bind", &self.bind)
            .field("access_keys", &self.access_keys.as_ref().map(Vec::len))
            .field("threads", &self.threads)
            .finish()
    }
}

impl Server {
    /// A server over this backend, on a free port of 127.0.0.1, accepting
    /// every request (signed or not). Change the settings, then [`Self::run`].
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Server {
            backend,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_keys: None,
            max_body_bytes: MAX_BODY_BYTES,
            body_bytes_in_flight: MAX_BODY_BYTES_IN_FLIGHT,
            max_connections: MAX_CONNECTIONS,
            read_timeout: READ_TIMEOUT,
            region: "ddblocal".to_owned(),
            threads: None,
        }
    }

    /// Starts a server over this backend on a free port of 127.0.0.1 (for
    /// tests), on the current tokio runtime.
    pub async fn start(backend: Arc<dyn Backend>) -> io::Result<RunningServer> {
        Server::new(backend).run().await
    }

    /// The address to listen on (port 0 picks a free one).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Accepts only requests signed with one of these access key ids;
    /// others get `UnrecognizedClientException`, unsigned ones
    /// `MissingAuthenticationTokenException`. Signatures are not verified.
    pub fn access_keys(mut self, keys: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.access_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// The largest request body accepted (default [`MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The request bytes parsed and served at once (default
    /// [`MAX_BODY_BYTES_IN_FLIGHT`]): a request whose body has arrived
    /// waits while those being served leave it no room (a body larger than
    /// the whole budget waits for all of it).
    pub fn body_bytes_in_flight(mut self, bytes: usize) -> Self {
        self.body_bytes_in_flight = bytes.max(1);
        self
    }

    /// The most connections served at once (default [`MAX_CONNECTIONS`],
    /// at least one).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a client may take to send a request's headers, and then
    /// its body (default [`READ_TIMEOUT`]).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The region named in ARNs of requests that are not signed (signed
    /// requests use their signature's region); default `ddblocal`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Serves connections on `n` threads of the server's own (at least
    /// one), each running a single-threaded tokio runtime: every accepted
    /// connection is handed to one of them in turn and stays there, so a
    /// request is read, answered and written on one thread, without the
    /// wakeups of a multi-threaded scheduler moving it between threads.
    /// The runtime [`Self::run`] is called on only accepts. Without this
    /// setting, connections are tasks of that runtime.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n.max(1));
        self
    }

    /// Binds and serves on the current tokio runtime (multi-threaded, for
    /// requests to run in parallel; or on threads of its own, see
    /// [`Self::threads`]); answers once the port is listening.
    pub async fn run(self) -> io::Result<RunningServer> {
        let listener = TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(http::Shared::new(
            self.backend,
            self.access_keys,
            http::Limits {
                max_body_bytes: self.max_body_bytes,
                body_bytes_in_flight: self.body_bytes_in_flight,
                read_timeout: self.read_timeout,
            },
            self.region,
        ));
        let connections = Arc::new(Semaphore::new(self.max_connections));
        let workers = match self.threads {
            Some(n) => (0..n)
                .map(|i| Worker::start(i, shared.clone()))
                .collect::<io::Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, shared, connections, workers, stopped));
        Ok(RunningServer {
            addr,
            endpoint: format!("http://{addr}"),
            stop,
            task: Some(task),
        })
    }
}

/// An accepted connection, with its place among [`Server::max_connections`].
struct Accepted<S> {
    stream: S,
    watcher: Watcher,
    place: OwnedSemaphorePermit,
}

/// The connection of one client, served until it closes (or the server
/// stops and its requests in flight are answered); its place is given up
/// then.
async fn serve_connection(accepted: Accepted<TcpStream>, shared: Arc<http::Shared>) {
    let Accepted {
        stream,
        watcher,
        place,
    } = accepted;
    let _ = stream.set_nodelay(true);
    let timeout = shared.limits.read_timeout;
    let service = service_fn(move |req| http::handle(shared.clone(), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .serve_connection(TokioIo::new(stream), service);
    let _ = watcher.watch(conn).await;
    drop(place);
}

/// A thread of [`Server::threads`]: a single-threaded runtime serving the
/// connections handed to it.
struct Worker {
    connections: mpsc::UnboundedSender<Accepted<std::net::TcpStream>>,
    done: oneshot::Receiver<()>,
}

impl Worker {
    fn start(index: usize, shared: Arc<http::Shared>) -> io::Result<Worker> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (connections, mut handed) = mpsc::unbounded_channel::<Accepted<std::net::TcpStream>>();
        let (finished, done) = oneshot::channel();
        std::thread::Builder::new()
            .name(format!("dynamodb-server-{index}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let mut served = JoinSet::new();
                    while let Some(a) = handed.recv().await {
                        while served.try_join_next().is_some() {}
                        if let Ok(stream) = TcpStream::from_std(a.stream) {
                            let a = Accepted {
                                stream,
                                watcher: a.watcher,
                                place: a.place,
                            };
                            served.spawn(serve_connection(a, shared.clone()));
                        }
                    }
                    // The server has stopped and drained what it could:
                    // whatever is left is cut off.
                    served.shutdown().await;
                });
                drop(runtime);
                let _ = finished.send(());
            })?;
        Ok(Worker { connections, done })
    }
}

async fn serve(
    listener: TcpListener,
    shared: Arc<http::Shared>,
    connections: Arc<Semaphore>,
    workers: Vec<Worker>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut next = 0usize;
    loop {
        // A place among the connections served, before accepting one.
        let place = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stopped.changed() => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors or a connection reset before it
                // was accepted: wait a little and go on serving the others.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let watcher = graceful.watcher();
        if workers.is_empty() {
            let a = Accepted {
                stream,
                watcher,
                place,
            };
            tokio::spawn(serve_connection(a, shared.clone()));
            continue;
        }
        // A stream leaves this runtime's reactor to join the worker's.
        let Ok(stream) = stream.into_std() else {
            continue;
        };
        let _ = workers[next % workers.len()].connections.send(Accepted {
            stream,
            watcher,
            place,
        });
        next = next.wrapping_add(1);
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    for w in workers {
        drop(w.connections);
        let _ = w.done.await;
    }
}

/// A running server. Dropping it stops accepting connections; [`Self::stop`]
/// also waits for the requests in flight.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    endpoint: String,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// The endpoint URL for SDKs: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits (up to 10 s) for the requests
    /// in flight to be answered.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
