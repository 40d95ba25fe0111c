//! Tables named by their ARN, as DynamoDB (and Local) accept them: every
//! request on an existing table answers as for its name.

use super::{Reference, case, case_list, expect_err, message, s};
use crate::backend::{
    BatchGet, BatchWrite, DeleteItem, GetItem, PutItem, Query, ReturnConsumedCapacity, Scan,
    TransactGet, TransactWrite, TransactWriteItem, WriteRequest,
};
use crate::error::Error;
use crate::expr::KeyCondition;
use crate::model::{KeySchema, ScalarType, TableDefinition};
use crate::value::Item;

case_list!("arns": requests_name_tables_by_arn, bad_arns_are_refused);

fn arn(table: &str) -> String {
    format!("arn:aws:dynamodb:us-east-1:000000000000:table/{table}")
}

fn key(id: &str) -> Item {
    Item::new().with("id", id)
}

case!(requests_name_tables_by_arn, |ctx| {
    let b = ctx.backend();
    let t = ctx.simple_table("byarn").await;
    let a = arn(&t);
    assert_eq!(b.describe_table(&a).await.unwrap().definition.name, t);
    let out = b
        .put_item(
            PutItem::new(&a, key("1").with("v", "one"))
                .return_consumed_capacity(ReturnConsumedCapacity::Total),
        )
        .await
        .unwrap();
    // Capacity is reported under the table's name.
    assert_eq!(out.consumed_capacity.map(|c| c.table), Some(t.clone()));
    let got = b.get_item(GetItem::new(&a, key("1"))).await.unwrap();
    assert_eq!(got.item.and_then(|i| i.get("v").cloned()), Some(s("one")));
    let page = b
        .query(Query::new(&a, &KeyCondition::hash("id", "1")))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(b.scan(Scan::new(&a)).await.unwrap().items.len(), 1);
    // A region and account of another store are not checked.
    let other = format!("arn:aws:dynamodb:eu-west-1:123456789012:table/{t}");
    let got = b.get_item(GetItem::new(&other, key("1"))).await.unwrap();
    assert!(got.item.is_some());
    // Batches answer under the table's name.
    let mut write = BatchWrite::default();
    write.tables.insert(
        a.clone(),
        vec![WriteRequest::Put(key("2").with("v", "two"))],
    );
    b.batch_write_item(write).await.unwrap();
    let out = b
        .batch_get_item(BatchGet::new().keys(&a, [key("2")]))
        .await
        .unwrap();
    assert_eq!(out.responses.get(&t).map(Vec::len), Some(1), "{out:?}");
    assert!(!out.responses.contains_key(&a));
    // Transactions: DynamoDB accepts ARNs; Local answers a missing table.
    let tx = TransactWrite {
        items: vec![TransactWriteItem::Put(PutItem::new(&a, key("3")))],
        ..TransactWrite::default()
    };
    let read = TransactGet {
        items: vec![GetItem::new(&a, key("3"))],
        ..TransactGet::default()
    };
    match ctx.reference() {
        Reference::Emulator => {
            b.transact_write_items(tx).await.unwrap();
            let out = b.transact_get_items(read).await.unwrap();
            assert!(out.items[0].is_some());
        }
        Reference::DynamoDbLocal => {
            expect_err!(
                b.transact_write_items(tx).await,
                Error::TableNotFound { .. }
            );
            expect_err!(
                b.transact_get_items(read).await,
                Error::TableNotFound { .. }
            );
        }
    }
    b.delete_item(DeleteItem::new(&a, key("1"))).await.unwrap();
    assert!(
        b.get_item(GetItem::new(&t, key("1")))
            .await
            .unwrap()
            .item
            .is_none()
    );
    expect_err!(
        b.describe_table(&arn(&ctx.table("nosuch"))).await,
        Error::TableNotFound { .. }
    );
    let d = b.delete_table(&a).await.unwrap();
    assert_eq!(d.definition.name, t);
    expect_err!(b.describe_table(&t).await, Error::TableNotFound { .. });
});

case!(bad_arns_are_refused, |ctx| {
    let b = ctx.backend();
    let t = ctx.simple_table("badarn").await;
    let bad_arn = "Valid ARN format is 'arn:<awsPartition>:<vendor>:<region>:<subscriber>:resourceType/resourceName', where Resource name must have length less than or equal to 255, Resource name must have length greater than or equal to 3, Resource name must satisfyregular expression pattern: [a-zA-Z0-9_.-]+";
    let bad_name = "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'";
    for (name, expected) in [
        (
            format!("arn:aws:s3:us-east-1:000000000000:table/{t}"),
            bad_arn,
        ),
        (
            format!("arn:aws:dynamodb:us-east-1:000000000000:{t}"),
            bad_arn,
        ),
        (format!("arn:aws:dynamodb:r:a:index/{t}"), bad_arn),
        (format!("arn:aws:dynamodb:r:a:table/{t}:x"), bad_arn),
        (format!("arn:aws:dynamodb:r:a:table/{t}/index/x"), bad_name),
        ("arn:aws:dynamodb:r:a:table/ab".to_owned(), bad_name),
    ] {
        let e = expect_err!(
            b.get_item(GetItem::new(&name, key("1"))).await,
            Error::InvalidRequest { .. }
        );
        assert_eq!(message(&e), expected, "{name}");
        let e = expect_err!(b.describe_table(&name).await, Error::InvalidRequest { .. });
        assert_eq!(message(&e), expected, "{name}");
    }
    // A table is created by its name only.
    let e = expect_err!(
        b.create_table(TableDefinition::new(
            arn(&ctx.table("made")),
            KeySchema::hash("id", ScalarType::S)
        ))
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(message(&e), bad_name);
});
