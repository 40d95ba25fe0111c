//! `UpdateTable`: billing, throughput, and global indexes created and
//! deleted, through the SDK; the cached definition is replaced by the
//! answer's.

use aws_sdk_dynamodb::types as sdk;
use dynamodb_mapper::backend::{
    Backend, GlobalIndexUpdate, TableDescription, UpdateTable, local_index_update_error,
};
use dynamodb_mapper::{BillingMode, Error, IndexKind, Result};

use crate::convert::{build_err, key_schema, projection, scalar, throughput};
use crate::errors::map_err;
use crate::sdk::Sdk;

impl Sdk {
    /// `UpdateTable`. The library's convention that a global index of a
    /// provisioned table without capacity of its own has the table's holds
    /// here too: such an index is created with the table's capacity, and a
    /// table switched to provisioned billing gives it to every index the
    /// update does not set.
    pub(crate) async fn update_table_call(&self, input: UpdateTable) -> Result<TableDescription> {
        for u in &input.index_updates {
            if let GlobalIndexUpdate::Create(i) = u
                && i.kind == IndexKind::Local
            {
                return Err(local_index_update_error(&i.name));
            }
        }
        let table = input.table.as_str();
        let current = match input.billing {
            Some(BillingMode::Provisioned(_)) => Some(self.describe_table_call(table).await?),
            _ => None,
        };
        let table_throughput = match input.billing {
            Some(BillingMode::Provisioned(t)) => Some(t),
            Some(BillingMode::PayPerRequest) => None,
            None => match Backend::table_definition(self, table).await?.billing {
                BillingMode::Provisioned(t) => Some(t),
                BillingMode::PayPerRequest => None,
            },
        };
        let mut updates = Vec::new();
        for u in &input.index_updates {
            let update = match u {
                GlobalIndexUpdate::Create(i) => {
                    let tp = i
                        .throughput
                        .or(table_throughput)
                        .map(|t| throughput(&t))
                        .transpose()?;
                    let action = sdk::CreateGlobalSecondaryIndexAction::builder()
                        .index_name(&i.name)
                        .set_key_schema(Some(key_schema(&i.key)?))
                        .projection(projection(&i.projection))
                        .set_provisioned_throughput(tp)
                        .build()
                        .map_err(build_err)?;
                    sdk::GlobalSecondaryIndexUpdate::builder()
                        .create(action)
                        .build()
                }
                GlobalIndexUpdate::Delete(name) => {
                    let action = sdk::DeleteGlobalSecondaryIndexAction::builder()
                        .index_name(name)
                        .build()
                        .map_err(build_err)?;
                    sdk::GlobalSecondaryIndexUpdate::builder()
                        .delete(action)
                        .build()
                }
                GlobalIndexUpdate::Update {
                    name,
                    throughput: t,
                } => {
                    let action = sdk::UpdateGlobalSecondaryIndexAction::builder()
                        .index_name(name)
                        .provisioned_throughput(throughput(t)?)
                        .build()
                        .map_err(build_err)?;
                    sdk::GlobalSecondaryIndexUpdate::builder()
                        .update(action)
                        .build()
                }
            };
            updates.push(update);
        }
        // On-demand to provisioned: DynamoDB wants every index's capacity.
        if let (Some(d), Some(tp)) = (&current, table_throughput)
            && d.definition.billing == BillingMode::PayPerRequest
        {
            for i in d.definition.global_indexes() {
                if input.index_updates.iter().any(|u| u.index_name() == i.name) {
                    continue;
                }
                let action = sdk::UpdateGlobalSecondaryIndexAction::builder()
                    .index_name(&i.name)
                    .provisioned_throughput(throughput(&tp)?)
                    .build()
                    .map_err(build_err)?;
                updates.push(
                    sdk::GlobalSecondaryIndexUpdate::builder()
                        .update(action)
                        .build(),
                );
            }
        }
        let attributes = input
            .attribute_definitions
            .iter()
            .map(|a| {
                sdk::AttributeDefinition::builder()
                    .attribute_name(&a.name)
                    .attribute_type(scalar(a.scalar_type))
                    .build()
                    .map_err(build_err)
            })
            .collect::<Result<Vec<_>>>()?;
        let (billing, tp) = match input.billing {
            None => (None, None),
            Some(BillingMode::PayPerRequest) => (Some(sdk::BillingMode::PayPerRequest), None),
            Some(BillingMode::Provisioned(t)) => {
                (Some(sdk::BillingMode::Provisioned), Some(throughput(&t)?))
            }
        };
        let out = self
            .client
            .update_table()
            .table_name(table)
            .set_attribute_definitions((!attributes.is_empty()).then_some(attributes))
            .set_billing_mode(billing)
            .set_provisioned_throughput(tp)
            .set_global_secondary_index_updates((!updates.is_empty()).then_some(updates))
            .send()
            .await
            .map_err(|e| map_err(e, table));
        let out = match out {
            Ok(out) => out,
            Err(e) => return Err(self.missing_index(&input, e).await),
        };
        self.cache().remove(table);
        match out.table_description {
            Some(d) => self.description(&d).await,
            None => self.describe_table_call(table).await,
        }
    }

    /// DynamoDB answers an index to delete that is not there as it answers
    /// a missing table (`ResourceNotFoundException`); when the table is
    /// there, the error is the index's.
    async fn missing_index(&self, input: &UpdateTable, e: Error) -> Error {
        if !matches!(e, Error::TableNotFound { .. }) {
            return e;
        }
        let deleted = input.index_updates.iter().filter_map(|u| match u {
            GlobalIndexUpdate::Delete(name) => Some(name),
            _ => None,
        });
        let deleted: Vec<&String> = deleted.collect();
        if deleted.is_empty() {
            return e;
        }
        match self.describe_table_call(&input.table).await {
            Ok(d) => match deleted
                .into_iter()
                .find(|n| d.definition.global_indexes().all(|i| i.name != **n))
            {
                Some(index) => Error::IndexNotFound {
                    table: input.table.clone(),
                    index: index.clone(),
                },
                None => e,
            },
            Err(_) => e,
        }
    }
}
