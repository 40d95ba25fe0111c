//! Waiting for a table to change state: the one place that waits.

use std::time::Duration;

use super::{Backend, TableDescription};
use crate::error::{Error, Result};

/// The state [`wait_for_table`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableState {
    /// The table exists and is `ACTIVE`, and so is each of its global
    /// secondary indexes (none still being created or deleted).
    Active,
    /// The table no longer exists.
    Deleted,
}

/// Polls `DescribeTable` until the table reaches `state` (for
/// [`TableState::Active`], until the table and its indexes are settled:
/// [`TableDescription::is_settled`]), with a delay
/// that starts at 20 ms and doubles up to 1 s, for at most `timeout`.
/// Returns the description of the active table (`None` once deleted);
/// [`Error::TableInUse`] when the time runs out, naming the state.
///
/// Backends never wait themselves: `create_table` and `delete_table`
/// answer as DynamoDB does, and so does `update_table` with an index
/// `CREATING`: callers that need the new state (the repository, the
/// conformance suite) wait here.
pub async fn wait_for_table(
    backend: &dyn Backend,
    table: &str,
    state: TableState,
    timeout: Duration,
) -> Result<Option<TableDescription>> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut delay = Duration::from_millis(20);
    loop {
        match backend.describe_table(table).await {
            Ok(d) if state == TableState::Active && d.is_settled() => {
                return Ok(Some(d));
            }
            Err(Error::TableNotFound { .. }) if state == TableState::Deleted => return Ok(None),
            Ok(_) | Err(Error::TableNotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::TableInUse {
                table: table.to_owned(),
                message: format!(
                    "still not {} after {timeout:?}",
                    match state {
                        TableState::Active => "active",
                        TableState::Deleted => "deleted",
                    }
                ),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}
