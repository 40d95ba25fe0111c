//! The HTTP side: one DynamoDB request in, one answer out.
//!
//! `POST /` with `X-Amz-Target: DynamoDB_20120810.<Operation>` and a JSON
//! body of `application/x-amz-json-1.0` (or `application/json`). Every
//! answer carries `x-amzn-RequestId` and `x-amz-crc32` (the CRC32 of the
//! body, which the Go SDK checks). A body over the size limit is refused
//! from its `Content-Length`, or as soon as the bytes read pass the limit,
//! before any parsing; one that does not arrive in time is answered
//! `RequestTimeoutException`. Bodies in flight share a budget of bytes, so
//! many large requests at once wait rather than exhaust memory.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use dynamodb_mapper::backend::Backend;
use futures::FutureExt;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::wire::Obj;
use crate::{Context, auth, ops};

/// The prefix of `X-Amz-Target` for this API version.
const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// The answer headers DynamoDB adds (HTTP/1 writes names in lower case).
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const CRC32: HeaderName = HeaderName::from_static("x-amz-crc32");

/// The bounds on what clients send.
pub(crate) struct Limits {
    /// The largest request body.
    pub(crate) max_body_bytes: usize,
    /// The request bytes parsed and served at once.
    pub(crate) body_bytes_in_flight: usize,
    /// How long the headers, and then the body, may take to arrive.
    pub(crate) read_timeout: std::time::Duration,
}

/// What every connection shares.
pub(crate) struct Shared {
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) access_keys: Option<Vec<String>>,
    pub(crate) limits: Limits,
    pub(crate) region: String,
    /// Room for [`Limits::body_bytes_in_flight`], a permit per byte.
    bodies: Semaphore,
    request_ids: AtomicU64,
}

impl Shared {
    pub(crate) fn new(
        backend: Arc<dyn Backend>,
        access_keys: Option<Vec<String>>,
        limits: Limits,
        region: String,
    ) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id()).rotate_left(32);
        let room = limits.body_bytes_in_flight.min(Semaphore::MAX_PERMITS);
        Shared {
            backend,
            access_keys,
            limits,
            region,
            bodies: Semaphore::new(room),
            request_ids: AtomicU64::new(seed),
        }
    }

    /// A request id in DynamoDB's form: 52 characters of `[0-9A-Z]`.
    fn request_id(&self) -> HeaderValue {
        const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut state = self
            .request_ids
            .fetch_add(0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(4), Ordering::Relaxed);
        let mut out = [0u8; 52];
        let mut next = out.iter_mut();
        for _ in 0..4 {
            // splitmix64: 13 characters from each 64-bit output.
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            for c in next.by_ref().take(13) {
                *c = ALPHABET[(z % 36) as usize];
                z /= 36;
            }
        }
        // Always valid: 52 bytes of `[0-9A-Z]`.
        HeaderValue::from_bytes(&out).unwrap_or(HeaderValue::from_static(""))
    }
}

fn respond(
    status: u16,
    body: Vec<u8>,
    request_id: HeaderValue,
    close: bool,
) -> Response<Full<Bytes>> {
    let crc = crc32fast::hash(&body);
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    h.insert(REQUEST_ID, request_id);
    h.insert(CRC32, HeaderValue::from(crc));
    if close {
        h.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

/// An error answer; after a body too large or too slow, whose rest is
/// not read, the connection closes.
fn error(e: &ApiError, request_id: HeaderValue) -> Response<Full<Bytes>> {
    respond(
        e.status(),
        e.body(),
        request_id,
        matches!(e.status(), 408 | 413),
    )
}

fn content_type_ok(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Err(ApiError::unknown_operation(
            "Missing Content-Type: DynamoDB requests are application/x-amz-json-1.0",
        ));
    };
    let text = value.to_str().unwrap_or("");
    let media = text.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/x-amz-json-1.0")
        || media.eq_ignore_ascii_case("application/json")
    {
        Ok(())
    } else {
        Err(ApiError::unknown_operation(format!(
            "Unsupported Content-Type {text:?}: DynamoDB requests are application/x-amz-json-1.0"
        )))
    }
}

fn operation(headers: &HeaderMap) -> Result<&str, ApiError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::unknown_operation(
                "Missing X-Amz-Target header: expected DynamoDB_20120810.<Operation>",
            )
        })?;
    match target.strip_prefix(TARGET_PREFIX) {
        Some(op) if !op.is_empty() => Ok(op),
        _ => Err(ApiError::unknown_operation(format!(
            "An unknown operation was requested: X-Amz-Target {target:?} is not DynamoDB_20120810.<Operation>"
        ))),
    }
}

/// Answers one request. Never fails: every problem is a DynamoDB error.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let id = shared.request_id();
    if req.method() == Method::GET && req.uri().path() == "/" {
        // DynamoDB answers a health check on `GET /`.
        let mut r = respond(200, b"healthy: dynamodb-mapper-server".to_vec(), id, false);
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return Ok(r);
    }
    Ok(match answer(&shared, req).await {
        Ok(body) => respond(200, body, id, false),
        Err(e) => error(&e, id),
    })
}

async fn answer(shared: &Shared, req: Request<Incoming>) -> Result<Vec<u8>, ApiError> {
    if req.method() != Method::POST {
        return Err(ApiError::unknown_operation(format!(
            "DynamoDB requests are POST /, not {} {}",
            req.method(),
            req.uri().path()
        )));
    }
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let max = shared.limits.max_body_bytes;
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ApiError::too_large(max));
    }
    content_type_ok(headers)?;
    let op = operation(headers)?;
    let authorization = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let credential = auth::check(authorization, shared.access_keys.as_deref())?;
    let region = credential
        .map(|c| c.region.to_owned())
        .unwrap_or_else(|| shared.region.clone());
    let timeout = shared.limits.read_timeout;
    let body = tokio::time::timeout(timeout, Limited::new(body, max).collect())
        .await
        .map_err(|_| ApiError::request_timeout(timeout))?
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                ApiError::too_large(max)
            } else {
                ApiError::serialization(format!("reading the request body failed: {e}"))
            }
        })?
        .to_bytes();
    if body.is_empty() {
        return Err(ApiError::serialization(
            "The request body is empty: expected a JSON object",
        ));
    }
    // Room for the body from its parsing until the answer is made: what it
    // is parsed into is many times its size. It is taken once the body has
    // arrived, so a slow client holds none of it.
    let weight = body
        .len()
        .min(shared.limits.body_bytes_in_flight)
        .min(u32::MAX as usize) as u32;
    let _room = shared
        .bodies
        .acquire_many(weight)
        .await
        .map_err(|_| ApiError::internal("the server is stopping"))?;
    let mut value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::serialization(format!("The request body is not valid JSON: {e}")))?;
    drop(body);
    let cx = Context { region };
    let backend = &*shared.backend;
    let run = async {
        let legacy = crate::wire::legacy::rewrite(op, &mut value)?;
        let obj = Obj::root(&value)?;
        ops::dispatch(backend, &cx, op, &obj)
            .await
            .map_err(|e| legacy.reword(e))
    };
    match AssertUnwindSafe(run).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(ApiError::internal(format!(
            "the backend failed while serving {op}"
        ))),
    }
}
