//! `CreateTable`'s refusals of a bad definition: DynamoDB Local's message
//! for each fault, the fault it names first when there are several, and no
//! table left behind.

use super::{case, case_list, expect_err, gsi, message};
use crate::error::Error;
use crate::model::{
    IndexDefinition, IndexKind, IndexProjection, KeySchema, ScalarType, TableDefinition, Throughput,
};

case_list!("definitions": index_faults_are_named_as_local_names_them,
    the_first_fault_in_local_order_is_named);

/// A table keyed `h` (and `r`, when `ranged`).
fn table(name: &str, ranged: bool) -> TableDefinition {
    let key = if ranged {
        KeySchema::hash("h", ScalarType::S).with_range("r", ScalarType::S)
    } else {
        KeySchema::hash("h", ScalarType::S)
    };
    TableDefinition::new(name, key)
}

/// A local index named `name` with this key.
fn lsi(name: &str, key: KeySchema) -> IndexDefinition {
    IndexDefinition {
        name: name.to_owned(),
        kind: IndexKind::Local,
        key,
        projection: IndexProjection::All,
        throughput: None,
    }
}

/// A local index of a table keyed `h`, on `l`.
fn lsi_on_l(name: &str) -> IndexDefinition {
    lsi(
        name,
        KeySchema::hash("h", ScalarType::S).with_range("l", ScalarType::S),
    )
}

/// A global index on `g`.
fn gsi_on_g(name: &str) -> IndexDefinition {
    gsi(
        name,
        KeySchema::hash("g", ScalarType::S),
        IndexProjection::All,
    )
}

/// Creates `def`, expects a refusal with `expected`, and that no table is
/// left of that name.
async fn refused(ctx: &super::Ctx, def: TableDefinition, expected: &str) {
    let name = def.name.clone();
    let what = format!("{} local and {} indexes", def.local_indexes().count(), {
        def.global_indexes().count()
    });
    let e = match ctx.backend().create_table(def).await {
        Err(e @ (Error::InvalidRequest { .. } | Error::LimitExceeded { .. })) => e,
        other => panic!("{name} ({what}): expected a refusal, got {other:?}"),
    };
    assert_eq!(message(&e), expected, "{name} ({what})");
    expect_err!(
        ctx.backend().describe_table(&name).await,
        Error::TableNotFound { .. }
    );
}

case!(index_faults_are_named_as_local_names_them, |ctx| {
    let t = |n: &str| ctx.table(n);
    let mut def = table(&t("onhash"), false);
    def.indexes.push(lsi_on_l("lll"));
    refused(
        ctx,
        def,
        "Local Secondary indices are not allowed on hash tables, only hash and range tables",
    )
    .await;
    let mut def = table(&t("otherhash"), true);
    def.indexes.push(lsi(
        "lll",
        KeySchema::hash("g", ScalarType::S).with_range("l", ScalarType::S),
    ));
    refused(
        ctx,
        def,
        "Local Secondary indices must have the same hash key as the main table",
    )
    .await;
    let mut def = table(&t("norange"), true);
    def.indexes
        .push(lsi("lll", KeySchema::hash("h", ScalarType::S)));
    refused(ctx, def, "Local secondary indices must have a range key").await;
    let mut def = table(&t("sixlocal"), true);
    def.indexes
        .extend((0..6).map(|i| lsi_on_l(&format!("l{i:03}"))));
    refused(
        ctx,
        def,
        "Cannot have more than 5 local secondary indexes per table",
    )
    .await;
    let mut def = table(&t("manyglobal"), false);
    def.indexes
        .extend((0..21).map(|i| gsi_on_g(&format!("g{i:03}"))));
    refused(
        ctx,
        def,
        "GlobalSecondaryIndex count exceeds the per-table limit",
    )
    .await;
    let mut def = table(&t("twolocal"), true);
    def.indexes.extend([lsi_on_l("same"), lsi_on_l("same")]);
    refused(ctx, def, "Two local secondary indices have the same name").await;
    let mut def = table(&t("twoglobal"), false);
    def.indexes.extend([gsi_on_g("same"), gsi_on_g("same")]);
    refused(ctx, def, "Two global secondary indices have the same name").await;
    let mut def = table(&t("bothkinds"), true);
    def.indexes.extend([lsi_on_l("same"), gsi_on_g("same")]);
    refused(
        ctx,
        def,
        "Local Secondary Indices AND Global Secondary Indices must have different names",
    )
    .await;
    let mut def = table(&t("include"), false);
    def.indexes.push(gsi(
        "ggg",
        KeySchema::hash("g", ScalarType::S),
        IndexProjection::Include(Vec::new()),
    ));
    refused(
        ctx,
        def,
        "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well",
    )
    .await;
    let def = table(&t("zerotable"), false).with_throughput(0, 1);
    refused(
        ctx,
        def,
        "Table read and write throughput must be at least 1, and cannot be null",
    )
    .await;
    let mut def = table(&t("zeroindex"), false).with_throughput(1, 1);
    let mut index = gsi_on_g("ggg");
    index.throughput = Some(Throughput {
        read_capacity_units: 0,
        write_capacity_units: 1,
    });
    def.indexes.push(index);
    refused(
        ctx,
        def,
        "Global Secondary Index's read and write throughput must be at least 1, and cannot be null",
    )
    .await;
});

case!(the_first_fault_in_local_order_is_named, |ctx| {
    let t = |n: &str| ctx.table(n);
    let bad_name = "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'";
    // The counts come before everything about single indexes.
    let mut def = table(&t("sixdup"), true);
    def.indexes
        .extend((0..6).map(|i| lsi_on_l(&format!("l{:03}", i.min(4)))));
    def.indexes.push(gsi_on_g("g"));
    refused(
        ctx,
        def,
        "Cannot have more than 5 local secondary indexes per table",
    )
    .await;
    let mut def = table(&t("manyshort"), true);
    def.indexes.push(gsi_on_g("ab"));
    def.indexes
        .extend((0..20).map(|i| gsi_on_g(&format!("g{i:03}"))));
    refused(
        ctx,
        def,
        "GlobalSecondaryIndex count exceeds the per-table limit",
    )
    .await;
    let mut def = table(&t("sixmany"), true);
    def.indexes
        .extend((0..21).map(|i| gsi_on_g(&format!("g{i:03}"))));
    def.indexes
        .extend((0..6).map(|i| lsi_on_l(&format!("l{i:03}"))));
    refused(
        ctx,
        def,
        "Cannot have more than 5 local secondary indexes per table",
    )
    .await;
    // Local indexes are checked before global ones, whatever the order
    // of the definition.
    let mut def = table(&t("localfirst"), true);
    def.indexes
        .extend([gsi_on_g("gg"), lsi_on_l("same"), lsi_on_l("same")]);
    refused(ctx, def, "Two local secondary indices have the same name").await;
    let mut def = table(&t("localname"), true);
    def.indexes
        .extend([gsi_on_g("same"), gsi_on_g("same"), lsi_on_l("ll")]);
    refused(ctx, def, bad_name).await;
    let mut def = table(&t("localproj"), true);
    let mut include = lsi_on_l("lll");
    include.projection = IndexProjection::Include(Vec::new());
    def.indexes
        .extend([gsi_on_g("same"), gsi_on_g("same"), include]);
    refused(
        ctx,
        def,
        "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well",
    )
    .await;
    // Each index in full before the next: a bad name before a later
    // index's missing range key.
    let mut def = table(&t("inorder"), true);
    def.indexes.extend([
        lsi_on_l("ll"),
        lsi("lnr", KeySchema::hash("h", ScalarType::S)),
    ]);
    refused(ctx, def, bad_name).await;
    // A local index on a table without a range key, before any index's
    // own fault.
    let mut def = table(&t("hashfirst"), false);
    def.indexes.extend([
        gsi_on_g("gg"),
        lsi(
            "lll",
            KeySchema::hash("h", ScalarType::S).with_range("l", ScalarType::S),
        ),
    ]);
    refused(
        ctx,
        def,
        "Local Secondary indices are not allowed on hash tables, only hash and range tables",
    )
    .await;
});
