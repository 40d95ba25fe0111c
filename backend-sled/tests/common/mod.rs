//! What the crash tests share: run one of this test binary's ignored
//! worker tests as a child process, let it work, and SIGKILL it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the ignored test `worker` of this binary with `env` set, waits (up
/// to `start_timeout`) until it prints a line ending in `started`, lets it
/// run for `run_for`, kills it with SIGKILL, and returns every line it
/// printed to stdout after that one.
pub fn kill_worker(
    worker: &str,
    env: &[(&str, String)],
    start_timeout: Duration,
    run_for: Duration,
) -> Vec<String> {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--ignored",
            "--exact",
            worker,
            "--nocapture",
            "--test-threads=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // libtest prints its own text first (and "test <worker> ... " on the
    // same line as the worker's first line).
    while !rx
        .recv_timeout(start_timeout)
        .expect("the worker started")
        .ends_with("started")
    {}
    std::thread::sleep(run_for);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reader.join().unwrap();
    rx.try_iter().collect()
}
