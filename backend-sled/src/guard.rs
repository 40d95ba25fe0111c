//! The boundary with sled: its panics become errors, and the file lock of
//! a store is told apart (this process's own earlier handle, still
//! closing; a handle still open here; another process).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use dynamodb_mapper::Error;

/// How long an open waits for this process's own earlier handle on the
/// store to let go of its lock (sled's threads hold it for a moment after
/// the last handle is dropped).
pub(crate) const RELEASE_WAIT: Duration = Duration::from_secs(5);

/// Runs a sled call, turning a panic inside sled (damaged files make sled
/// 0.34 panic) into [`Error::Corrupt`].
pub(crate) fn unwind<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let detail = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "no message".to_owned());
        Error::Corrupt {
            message: format!("sled failed while {what}: {detail}"),
        }
    })
}

/// Who holds the lock of a store's `db` file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Holder {
    ThisProcess,
    Other(u32),
    Unknown,
}

/// The holder of the `flock` on `<dir>/db`, from `/proc/locks` (Linux);
/// [`Holder::Unknown`] elsewhere or when nothing holds it.
pub(crate) fn lock_holder(dir: &Path) -> Holder {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(dir.join("db")) else {
            return Holder::Unknown;
        };
        let inode = meta.ino();
        let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
            return Holder::Unknown;
        };
        for line in locks.lines() {
            // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"
            let fields: Vec<&str> = line.split_whitespace().collect();
            let Some(at) = fields.iter().position(|f| f.matches(':').count() == 2) else {
                continue;
            };
            let same_file = fields[at]
                .rsplit(':')
                .next()
                .and_then(|i| i.parse::<u64>().ok())
                == Some(inode);
            if !same_file || at == 0 {
                continue;
            }
            if let Ok(pid) = fields[at - 1].parse::<u32>() {
                return if pid == std::process::id() {
                    Holder::ThisProcess
                } else {
                    Holder::Other(pid)
                };
            }
        }
        Holder::Unknown
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        Holder::Unknown
    }
}

/// True for sled's error when another handle holds the store's lock.
pub(crate) fn is_lock_error(e: &sled::Error) -> bool {
    let text = e.to_string();
    text.contains("could not acquire lock")
        || text.contains("WouldBlock")
        || text.contains("temporarily unavailable")
}

/// Opens a sled database, waiting a bounded time for this process's own
/// earlier handle to release the lock; says who holds it otherwise.
pub(crate) fn open(config: &sled::Config, dir: &Path, wait: Duration) -> Result<sled::Db, Error> {
    let shown = dir.display();
    let deadline = Instant::now() + wait;
    loop {
        let e = match unwind("opening the store", || config.open())? {
            Ok(db) => return Ok(db),
            Err(e) => e,
        };
        if !is_lock_error(&e) {
            if matches!(e, sled::Error::Corruption { .. }) {
                return Err(Error::Corrupt {
                    message: format!("cannot open the store at {shown}: {e}"),
                });
            }
            return Err(Error::backend(
                format!("cannot open the store at {shown}: {e}"),
                e,
            ));
        }
        match lock_holder(dir) {
            Holder::Other(pid) => {
                return Err(Error::backend(
                    format!(
                        "cannot open the store at {shown}: it is in use by another process (pid {pid})"
                    ),
                    e,
                ));
            }
            holder if Instant::now() >= deadline => {
                let who = if holder == Holder::ThisProcess {
                    "it is in use by this process: a handle on it is still open"
                } else {
                    "it is in use by this or another process"
                };
                return Err(Error::backend(
                    format!("cannot open the store at {shown}: {who}"),
                    e,
                ));
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
