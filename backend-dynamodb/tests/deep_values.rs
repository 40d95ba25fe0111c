//! A value nested deeper than DynamoDB stores is refused before anything
//! is sent (the SDK's serializer would recurse on it), with DynamoDB's
//! message, and no stack overflows on the way: the endpoint here does not
//! exist, so any request that went out would fail differently.

use dynamodb_mapper::backend::{Backend, PutItem};
use dynamodb_mapper::{AttributeValue, Error, Item};
use dynamodb_mapper_dynamodb::DynamoDbBackend;

fn deep(levels: usize) -> AttributeValue {
    let mut v = AttributeValue::Null;
    for _ in 0..levels {
        v = AttributeValue::L(vec![v]);
    }
    v
}

#[test]
fn a_deep_item_is_refused_before_sending() {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let backend = DynamoDbBackend::builder()
                    .endpoint("http://127.0.0.1:9")
                    .max_attempts(1)
                    .build()
                    .await
                    .unwrap();
                for levels in [100, 100_000] {
                    let item = Item::new().with("id", "a").with("deep", deep(levels));
                    let err = backend
                        .put_item(PutItem::new("t", item))
                        .await
                        .unwrap_err();
                    assert!(
                        matches!(&err, Error::LimitExceeded { message } if message.contains("Nesting Levels")),
                        "{levels} levels: {err:?}"
                    );
                }
            });
        })
        .unwrap()
        .join()
        .unwrap();
}
