//! Runnable examples of `dynamodb-mapper`; see the `examples/` directory.
//! Each example calls [`init_logging`] first.

/// Prints the library's log lines on stderr with `tracing_subscriber`'s
/// `fmt`, filtered by `RUST_LOG` (warnings only when unset):
///
/// - `RUST_LOG=dynamodb_mapper=info`: one line per table step (created,
///   active, deleted) and per long operation's start and end (batches,
///   scans, parallel scans, bulk migration), with counts and elapsed time;
/// - `RUST_LOG=dynamodb_mapper=debug`: one line more per request, with
///   the table, the key, the consumed capacity and the outcome.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // A second call (tests run examples in one process) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

// The README's Rust code blocks, compiled (and, unless marked `no_run`,
// run) by `cargo test --doc -p dynamodb-mapper-examples`, so they stay true
// to the library. This crate depends on everything they use.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
