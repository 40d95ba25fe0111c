//! `dynamodb-mapper-server`: DynamoDB's HTTP API over a sled or memory store.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_server::Server;
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};

const USAGE: &str = "\
dynamodb-mapper-server: a DynamoDB-compatible HTTP server on dynamodb-mapper's stores

USAGE:
    dynamodb-mapper-server (--data DIR | --in-memory) [OPTIONS]

STORE (one of):
    --data DIR               a persistent sled store in DIR (created if missing)
    --in-memory              an in-memory store, lost when the server stops

OPTIONS:
    --port N                 the TCP port (default 8000; 0 picks a free one)
    --bind ADDR              the address to listen on (default 127.0.0.1)
    --access-key ID          accept only requests signed with this access key id
                             (repeatable; others get UnrecognizedClientException)
    --flush-interval-ms N    sled: flush to disk every N ms instead of before
                             acknowledging each write (faster; a crash loses at
                             most the last N ms of writes)
    --region NAME            the region in ARNs of unsigned requests (default ddblocal)
    --threads N              serve connections on N threads, each keeping the
                             connections it is given (default: one per core)
    --max-connections N      serve at most N connections at once; more wait to
                             be accepted (default 1024)
    -h, --help               this text
    -V, --version            the version

The endpoint is printed when the server is ready; SIGINT or SIGTERM stops it
cleanly (requests in flight are answered, the sled store is flushed).";

#[derive(Debug, Default)]
struct Options {
    data: Option<String>,
    in_memory: bool,
    port: u16,
    bind: Option<IpAddr>,
    access_keys: Vec<String>,
    flush_interval_ms: Option<u64>,
    region: Option<String>,
    threads: Option<usize>,
    max_connections: Option<usize>,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options {
        port: 8000,
        ..Options::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "-V" | "--version" => {
                println!("dynamodb-mapper-server {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            "--data" => o.data = Some(value("a directory")?),
            "--in-memory" => o.in_memory = true,
            "--port" => {
                let v = value("a port number")?;
                o.port = v
                    .parse()
                    .map_err(|_| format!("--port: `{v}` is not a port"))?;
            }
            "--bind" => {
                let v = value("an IP address")?;
                o.bind = Some(
                    v.parse()
                        .map_err(|_| format!("--bind: `{v}` is not an IP address"))?,
                );
            }
            "--access-key" => o.access_keys.push(value("an access key id")?),
            "--flush-interval-ms" => {
                let v = value("a number of milliseconds")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--flush-interval-ms: `{v}` is not a number"))?;
                o.flush_interval_ms = Some(ms.max(1));
            }
            "--region" => o.region = Some(value("a region name")?),
            "--threads" | "--max-connections" => {
                let v = value("a positive number")?;
                let n: usize = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("{name}: `{v}` is not a positive number"))?;
                if name == "--threads" {
                    o.threads = Some(n);
                } else {
                    o.max_connections = Some(n);
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    match (&o.data, o.in_memory) {
        (Some(_), true) => Err("--data and --in-memory exclude each other".into()),
        (None, false) => Err("choose a store: --data DIR or --in-memory".into()),
        _ => Ok(Some(o)),
    }
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("dynamodb-mapper-server: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // This runtime only accepts connections and waits for signals: the
    // server's own threads serve the connections.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dynamodb-mapper-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dynamodb-mapper-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(o: Options) -> Result<(), String> {
    let (backend, sled, store): (Arc<dyn Backend>, Option<SledBackend>, String) = match &o.data {
        Some(dir) => {
            let options = SledOptions {
                durability: match o.flush_interval_ms {
                    Some(ms) => Durability::Interval(Duration::from_millis(ms)),
                    None => Durability::EveryWrite,
                },
                cache_capacity: None,
                ..SledOptions::default()
            };
            let store = SledBackend::open_with(dir, options).map_err(|e| e.to_string())?;
            (
                Arc::new(store.clone()),
                Some(store),
                format!("sled store in {dir}"),
            )
        }
        None => (
            Arc::new(MemoryBackend::new()),
            None,
            "in-memory store".to_owned(),
        ),
    };
    let bind = SocketAddr::new(o.bind.unwrap_or(IpAddr::from([127, 0, 0, 1])), o.port);
    let threads = o.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let mut server = Server::new(backend).bind(bind).threads(threads);
    if !o.access_keys.is_empty() {
        server = server.access_keys(o.access_keys.clone());
    }
    if let Some(n) = o.max_connections {
        server = server.max_connections(n);
    }
    if let Some(r) = &o.region {
        server = server.region(r.clone());
    }
    let running = server
        .run()
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    println!(
        "dynamodb-mapper-server: serving the {store} on {}",
        running.endpoint()
    );
    wait_for_signal().await?;
    eprintln!("dynamodb-mapper-server: stopping");
    running.stop().await;
    if let Some(store) = sled {
        store.flush().map_err(|e| e.to_string())?;
    }
    eprintln!("dynamodb-mapper-server: stopped");
    Ok(())
}

async fn wait_for_signal() -> Result<(), String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    let mut int =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot watch SIGINT: {e}"))?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Option<Options>, String> {
        parse(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_the_options() {
        let o = args(&[
            "--in-memory",
            "--port=0",
            "--access-key",
            "a",
            "--threads",
            "3",
            "--max-connections=7",
        ])
        .unwrap()
        .unwrap();
        assert!(o.in_memory);
        assert_eq!(o.threads, Some(3));
        assert_eq!(o.max_connections, Some(7));
        assert_eq!(o.port, 0);
        assert_eq!(o.access_keys, ["a"]);
        let o = args(&["--data", "d", "--bind", "0.0.0.0"])
            .unwrap()
            .unwrap();
        assert_eq!(o.data.as_deref(), Some("d"));
        assert_eq!(o.port, 8000);
        assert!(args(&["--help"]).unwrap().is_none());
        assert!(args(&[]).is_err());
        assert!(args(&["--in-memory", "--data", "x"]).is_err());
        assert!(args(&["--in-memory", "--port", "x"]).is_err());
        assert!(args(&["--bogus"]).is_err());
        assert!(args(&["--in-memory", "--threads", "0"]).is_err());
        assert!(args(&["--in-memory", "--max-connections", "x"]).is_err());
    }
}
