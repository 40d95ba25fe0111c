//! Progress of long operations, reported to `Table::on_progress`.

use std::sync::{Arc, Mutex};

use dynamodb_mapper::{Progress, Repository, RepositoryExt, ScanSpec};
use dynamodb_mapper_tests::models::User;
use dynamodb_mapper_tests::{Case, Env, cases};
use futures::{StreamExt, TryStreamExt};

pub fn cases() -> Vec<Case> {
    cases![progress_is_reported]
}

async fn progress_is_reported(env: Env) {
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = seen.clone();
    let users = env
        .table::<User>()
        .await
        .on_progress(move |p| sink.lock().unwrap().push(p.clone()));
    let take = || std::mem::take(&mut *seen.lock().unwrap());
    let all: Vec<User> = (0..60).map(|i| User::new(format!("u{i:03}"))).collect();
    users.put_many(&all).await.unwrap();
    let reports = take();
    // 60 items, 25 a request: three reports as they go, one at the end.
    assert_eq!(reports.len(), 4, "{reports:#?}");
    assert!(reports.iter().all(|p| p.operation == "put_many"
        && p.total == Some(60)
        && p.table == users.table_name()));
    let mut done: Vec<u64> = reports[..3].iter().map(|p| p.done).collect();
    done.sort_unstable();
    assert_eq!(done.last(), Some(&60));
    assert!(reports[3].finished && reports[3].done == 60, "{reports:#?}");
    assert!(reports[..3].iter().all(|p| !p.finished));

    let read: Vec<_> = users
        .scan(ScanSpec::new().page_size(25))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(read.len(), 60);
    let reports = take();
    let done: Vec<(u64, bool)> = reports.iter().map(|p| (p.done, p.finished)).collect();
    assert_eq!(done, [(25, false), (50, false), (60, false), (60, true)]);
    assert!(
        reports
            .iter()
            .all(|p| p.operation == "scan" && p.total.is_none())
    );

    // A stream dropped before its end still ends with a last report.
    let first: Vec<_> = users
        .scan(ScanSpec::new().page_size(5))
        .take(3)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    let reports = take();
    let done: Vec<(u64, bool)> = reports.iter().map(|p| (p.done, p.finished)).collect();
    assert_eq!(done, [(5, false), (5, true)]);

    let keys: Vec<String> = all.iter().map(|u| u.id.clone()).collect();
    let got = users.get_many(keys.clone()).await.unwrap();
    assert!(got.iter().all(Option::is_some));
    let last = take().pop().unwrap();
    assert_eq!(
        (last.operation, last.done, last.total, last.finished),
        ("get_many", 60, Some(60), true)
    );
    users.delete_many(keys).await.unwrap();
    let last = take().pop().unwrap();
    assert_eq!(
        (last.operation, last.done, last.finished),
        ("delete_many", 60, true)
    );
}
