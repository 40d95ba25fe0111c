//! The server against DynamoDB Local, side by side, in one run: raw
//! aws-sdk-dynamodb `PutItem` and `GetItem`, one request at a time and from
//! 16 tasks at once, against the server binary on the memory store and on
//! sled, against a no-op server, and against DynamoDB Local; then each
//! server's start time (launch to first answered request) and idle
//! resident memory.
//!
//! The no-op server (this binary run with `--null-server`) reads each
//! request and answers it with a fixed response: the SDK client still
//! builds, signs and sends every request and parses every answer, so what
//! it reaches there is the most any server can reach with this client on
//! this machine, where client and server share the cores. Each store's
//! throughput is also printed as a share of that ceiling.
//!
//! `tests/with-dynamodb-local cargo bench -p dynamodb-mapper-server --bench server`
//!
//! DynamoDB Local's throughput is measured on the instance named by
//! `DYNAMODB_MAPPER_ENDPOINT`; its start time and memory on one more
//! instance this benchmark launches (with the machine's `java` and the jar
//! `tests/with-dynamodb-local` installs) and stops by its pid. Without them
//! those columns say why they are missing.
//!
//! Every target is warmed up first (1000 puts, then one untimed phase of
//! each kind, so DynamoDB Local's JIT has compiled its put and get paths
//! before anything is timed). Then [`ROUNDS`] rounds run every phase on
//! every target in turn, with the same client configuration and the same
//! items; each figure is the best of its rounds, so a target is not judged
//! on the moment the machine's other work happened to land on it.
//!
//! The client is the SDK's default configuration (behavior version
//! `latest`, static credentials, `endpoint_url`, its own hyper client with
//! connection reuse, standard retries, stalled-stream protection), on a
//! multi-threaded tokio runtime, the same for every target. The servers
//! run with their defaults (this server: one connection thread per core).
//! Last, the CPU time each process spent per operation over the timed
//! rounds (user + system, from `/proc`): the client's, and the server's
//! (DynamoDB Local's when its process is found by its port), which says
//! where the time goes on a machine where client and server share cores.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};

const PHASE: Duration = Duration::from_secs(2);
const WARMUP: Duration = Duration::from_secs(1);
const ROUNDS: usize = 3;
const TASKS: usize = 16;
const SERVER: &str = env!("CARGO_BIN_EXE_dynamodb-mapper-server");
/// The argument that makes this benchmark's own binary the no-op server.
const NULL_SERVER: &str = "--null-server";
/// The name of the no-op server's row.
const CEILING: &str = "no-op server (the client's ceiling)";

#[path = "support/null_server.rs"]
mod null_server;

/// A process this benchmark started, stopped by its pid when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// True once something answers HTTP on the address.
fn answers(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Starts a server program that prints its endpoint; returns it, its
/// endpoint and its start time.
fn start_server(program: &Path, args: &[&str]) -> (Process, String, Duration) {
    let t0 = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let stdout = child.stdout.take().expect("its stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints its endpoint");
    let endpoint = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("an endpoint")
        .to_owned();
    let addr: SocketAddr = endpoint["http://".len()..].parse().expect("an address");
    while !answers(addr) {
        std::thread::sleep(Duration::from_millis(1));
    }
    (Process(child), endpoint, t0.elapsed())
}

fn dynamodb_local_jar() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/dynamodb-local");
    let mut stack = vec![root];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "DynamoDBLocal.jar") {
                found.push(p);
            }
        }
    }
    found.sort();
    found.pop()
}

/// Launches DynamoDB Local; its start time and idle memory.
fn measure_dynamodb_local() -> Result<(Duration, Option<f64>), String> {
    let jar = dynamodb_local_jar().ok_or(
        "no DynamoDBLocal.jar under target/dynamodb-local (run tests/with-dynamodb-local once)",
    )?;
    let dir = jar.parent().ok_or("the jar has no directory")?;
    let port = free_port();
    let t0 = Instant::now();
    let child = Command::new("java")
        .current_dir(dir)
        .arg(format!(
            "-Djava.library.path={}",
            dir.join("DynamoDBLocal_lib").display()
        ))
        .args([
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-disableTelemetry",
        ])
        .args(["-port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("java did not start: {e}"))?;
    let process = Process(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while !answers(addr) {
        if t0.elapsed() > Duration::from_secs(120) {
            return Err("DynamoDB Local did not answer within 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = t0.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    Ok((started, rss_mib(process.0.id())))
}

/// CPU time (user + system) a process has used so far, from `/proc`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime, in clock ticks of 1/100 s (USER_HZ on Linux).
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// The process of DynamoDB Local serving this port, if one is found.
fn dynamodb_local_pid(port: &str) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
        let jar = args.iter().any(|a| a.ends_with(b"DynamoDBLocal.jar"));
        let on_port = args
            .windows(2)
            .any(|w| w[0] == b"-port" && w[1] == port.as_bytes());
        (jar && on_port).then_some(pid)
    })
}

fn client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "bench"))
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
}

async fn create_table(c: &Client, table: &str) {
    c.create_table()
        .table_name(table)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("a key"),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("a definition"),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("the table is created");
}

async fn put(c: &Client, table: &str, i: u64) {
    c.put_item()
        .table_name(table)
        .item("id", AttributeValue::S(format!("item-{}", i % 1000)))
        .item("n", AttributeValue::N(i.to_string()))
        .item("payload", AttributeValue::S("x".repeat(100)))
        .send()
        .await
        .expect("a put");
}

async fn get(c: &Client, table: &str, i: u64) {
    c.get_item()
        .table_name(table)
        .key("id", AttributeValue::S(format!("item-{}", i % 1000)))
        .send()
        .await
        .expect("a get");
}

/// Operations per second of `tasks` tasks running puts or gets for `phase`.
async fn rate(c: &Client, table: &str, tasks: usize, write: bool, phase: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let (c, table, done) = (c.clone(), table.to_owned(), done.clone());
            tokio::spawn(async move {
                let mut i = t as u64 * 1_000_003;
                while t0.elapsed() < phase {
                    if write {
                        put(&c, &table, i).await;
                    } else {
                        get(&c, &table, i).await;
                    }
                    i += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in handles {
        h.await.expect("a task");
    }
    done.load(Ordering::Relaxed) as f64 / t0.elapsed().as_secs_f64()
}

/// One target of the throughput phases: its client and table.
struct Target {
    name: String,
    client: Client,
    table: String,
    /// The serving process, for its CPU time.
    pid: Option<u32>,
}

impl Target {
    /// Creates the table, writes the items and runs one untimed phase of
    /// each kind.
    async fn warmed_up(name: &str, endpoint: &str, pid: Option<u32>) -> Target {
        let client = client(endpoint);
        let table = format!("bench_{}", std::process::id());
        create_table(&client, &table).await;
        for i in 0..1000 {
            put(&client, &table, i).await;
        }
        let t = Target {
            name: name.to_owned(),
            client,
            table,
            pid,
        };
        t.phases(WARMUP).await;
        t
    }

    /// put seq, get seq, put x16, get x16: operations per second.
    async fn phases(&self, phase: Duration) -> [f64; 4] {
        let (c, t) = (&self.client, self.table.as_str());
        [
            rate(c, t, 1, true, phase).await,
            rate(c, t, 1, false, phase).await,
            rate(c, t, TASKS, true, phase).await,
            rate(c, t, TASKS, false, phase).await,
        ]
    }
}

fn row(name: &str, r: &[f64; 4]) {
    println!(
        "{name:<36} {:>10.0} {:>10.0} {:>10.0} {:>10.0}",
        r[0], r[1], r[2], r[3]
    );
}

/// What the timed rounds of one target cost: operations, and the CPU
/// seconds of the client and of the server (if its process is known).
#[derive(Clone, Copy, Default)]
struct Cost {
    operations: f64,
    client: f64,
    server: Option<f64>,
}

/// The best figure of every phase over [`ROUNDS`] interleaved rounds, and
/// what the rounds cost.
async fn best_of_rounds(targets: &[Target]) -> (Vec<[f64; 4]>, Vec<Cost>) {
    let me = std::process::id();
    let mut best = vec![[0.0f64; 4]; targets.len()];
    let mut costs = vec![Cost::default(); targets.len()];
    for _ in 0..ROUNDS {
        for ((t, b), cost) in targets.iter().zip(&mut best).zip(&mut costs) {
            let client = cpu_seconds(me);
            let server = t.pid.and_then(cpu_seconds);
            let t0 = Instant::now();
            let rates = t.phases(PHASE).await;
            // Each phase runs for PHASE (its last calls a little longer).
            let seconds = t0.elapsed().as_secs_f64() / rates.len() as f64;
            cost.operations += rates.iter().map(|r| r * seconds).sum::<f64>();
            if let (Some(a), Some(b)) = (client, cpu_seconds(me)) {
                cost.client += b - a;
            }
            cost.server = match (server, t.pid.and_then(cpu_seconds)) {
                (Some(a), Some(b)) => Some(cost.server.unwrap_or(0.0) + b - a),
                _ => None,
            };
            for (b, r) in b.iter_mut().zip(rates) {
                *b = b.max(r);
            }
        }
    }
    for t in targets {
        let _ = t.client.delete_table().table_name(&t.table).send().await;
    }
    (best, costs)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if std::env::args().any(|a| a == NULL_SERVER) {
        null_server::serve();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let data = tempfile::tempdir().expect("a temporary directory");
    let every = data.path().join("every-write");
    let interval = data.path().join("interval");
    let stores: Vec<(&str, Vec<String>)> = vec![
        ("server, memory", vec!["--in-memory".into()]),
        (
            "server, sled (flush every write)",
            vec!["--data".into(), every.display().to_string()],
        ),
        (
            "server, sled (flush every 500 ms)",
            vec![
                "--data".into(),
                interval.display().to_string(),
                "--flush-interval-ms".into(),
                "500".into(),
            ],
        ),
    ];
    let mut starts = Vec::new();
    let mut servers = Vec::new();
    let mut endpoints = Vec::new();
    for (name, args) in &stores {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["--port", "0"]);
        let (process, endpoint, started) = start_server(Path::new(SERVER), &args);
        let idle = rss_mib(process.0.id());
        starts.push((name.to_string(), Ok((started, idle))));
        servers.push(process);
        endpoints.push((name.to_string(), endpoint));
    }
    // The no-op server comes last among the servers: it is not a store.
    let me = std::env::current_exe().expect("this benchmark's path");
    let (process, endpoint, _) = start_server(&me, &[NULL_SERVER]);
    servers.push(process);
    endpoints.push((CEILING.to_owned(), endpoint));
    let mut pids: Vec<Option<u32>> = servers.iter().map(|p| Some(p.0.id())).collect();
    let local = match std::env::var("DYNAMODB_MAPPER_ENDPOINT") {
        Ok(endpoint) if endpoint.starts_with("http://127.0.0.1:") => Some(endpoint),
        _ => None,
    };
    if let Some(endpoint) = &local {
        endpoints.push(("DynamoDB Local".to_owned(), endpoint.clone()));
        pids.push(dynamodb_local_pid(&endpoint["http://127.0.0.1:".len()..]));
    }
    let targets: Vec<Target> = endpoints
        .iter()
        .zip(pids)
        .map(|((name, endpoint), pid)| rt.block_on(Target::warmed_up(name, endpoint, pid)))
        .collect();
    let (best, costs) = rt.block_on(best_of_rounds(&targets));
    drop(servers);
    println!(
        "raw aws-sdk-dynamodb, ops/s, best of {ROUNDS} interleaved rounds of {} s each; x{TASKS} = {TASKS} tasks at once\n",
        PHASE.as_secs()
    );
    println!(
        "{:<36} {:>10} {:>10} {:>10} {:>10}",
        "target", "put seq", "get seq", "put x16", "get x16"
    );
    for (t, b) in targets.iter().zip(&best) {
        row(&t.name, b);
    }
    match best.get(stores.len() + 1).filter(|_| local.is_some()) {
        Some(l) => {
            println!("\nthroughput as a multiple of DynamoDB Local's");
            for (t, b) in targets.iter().zip(&best).take(stores.len() + 1) {
                println!(
                    "{:<36} {:>9.1}x {:>9.1}x {:>9.1}x {:>9.1}x",
                    t.name,
                    b[0] / l[0],
                    b[1] / l[1],
                    b[2] / l[2],
                    b[3] / l[3]
                );
            }
        }
        None => println!(
            "{:<36} not measured: DYNAMODB_MAPPER_ENDPOINT is not set (run under tests/with-dynamodb-local)",
            "DynamoDB Local"
        ),
    }
    let ceiling = &best[stores.len()];
    println!("\nthroughput as a share of the no-op server's (what this client can reach here)");
    for (t, b) in targets.iter().zip(&best).take(stores.len()) {
        println!(
            "{:<36} {:>9.0}% {:>9.0}% {:>9.0}% {:>9.0}%",
            t.name,
            b[0] / ceiling[0] * 100.0,
            b[1] / ceiling[1] * 100.0,
            b[2] / ceiling[2] * 100.0,
            b[3] / ceiling[3] * 100.0
        );
    }
    println!(
        "\nCPU per operation over the timed rounds (user + system)\n{:<36} {:>10} {:>10}",
        "target", "client", "server"
    );
    for (t, c) in targets.iter().zip(&costs) {
        let per_op = |s: f64| format!("{:.0} us", s / c.operations.max(1.0) * 1e6);
        println!(
            "{:<36} {:>10} {:>10}",
            t.name,
            per_op(c.client),
            c.server.map_or("?".to_owned(), per_op)
        );
    }
    starts.push(("DynamoDB Local".to_owned(), measure_dynamodb_local()));
    println!(
        "\n{:<36} {:>22} {:>16}",
        "server", "start to first answer", "idle RSS"
    );
    for (name, m) in starts {
        match m {
            Ok((t, rss)) => println!(
                "{name:<36} {:>19.1} ms {:>12} MiB",
                t.as_secs_f64() * 1000.0,
                rss.map_or("?".to_owned(), |r| format!("{r:.1}"))
            ),
            Err(why) => println!("{name:<36} not measured: {why}"),
        }
    }
}
