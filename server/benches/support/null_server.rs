//! A server that does no work, for the benchmark's ceiling: it reads each
//! request whole and answers it with a fixed response (an item for
//! `GetItem`, `{}` for everything else), on one single-threaded runtime
//! per core as the real server does. What the client reaches against it
//! is the most any server can reach with this client on this machine,
//! where both share the cores.

use std::convert::Infallible;
use std::io::Write;
use std::net::TcpListener;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// The fixed answer to a `GetItem`: an item of the benchmark's shape.
fn get_item_body() -> Bytes {
    Bytes::from(format!(
        r#"{{"Item":{{"id":{{"S":"item-1"}},"n":{{"N":"1"}},"payload":{{"S":"{}"}}}}}}"#,
        "x".repeat(100)
    ))
}

async fn answer(req: Request<Incoming>, item: Bytes) -> Result<Response<Full<Bytes>>, Infallible> {
    let get = req
        .headers()
        .get("x-amz-target")
        .is_some_and(|t| t.as_bytes().ends_with(b".GetItem"));
    // The body is read whole, as any server must.
    let _ = req.into_body().collect().await;
    let body = if get { item } else { Bytes::from_static(b"{}") };
    let crc = crc32fast::hash(&body);
    Ok(Response::builder()
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "null")
        .header("x-amz-crc32", crc.to_string())
        .body(Full::new(body))
        .expect("a response"))
}

/// Serves on a free 127.0.0.1 port until killed; prints the endpoint.
pub fn serve() -> ! {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers: Vec<_> = (0..cores)
        .map(|_| {
            let (tx, rx) = std::sync::mpsc::channel::<std::net::TcpStream>();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                let (to_rt, mut handed) = tokio::sync::mpsc::unbounded_channel();
                // A std channel's receiver blocks: a thread of its own
                // passes the streams on to the runtime.
                std::thread::spawn(move || {
                    for s in rx {
                        if to_rt.send(s).is_err() {
                            break;
                        }
                    }
                });
                let item = get_item_body();
                rt.block_on(async move {
                    while let Some(stream) = handed.recv().await {
                        let _ = stream.set_nonblocking(true);
                        let _ = stream.set_nodelay(true);
                        let Ok(stream) = tokio::net::TcpStream::from_std(stream) else {
                            continue;
                        };
                        let item = item.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |req| answer(req, item.clone()));
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                });
            });
            tx
        })
        .collect();
    let addr = listener.local_addr().expect("an address");
    println!("serving nothing on http://{addr}");
    let _ = std::io::stdout().flush();
    for (i, stream) in listener.incoming().flatten().enumerate() {
        let _ = workers[i % workers.len()].send(stream);
    }
    std::process::exit(0)
}
