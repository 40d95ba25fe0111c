//! Tables: create, describe (filling the description cache), delete,
//! list, and time to live.

use std::time::Duration;

use aws_sdk_dynamodb::types as sdk;
use dynamodb_mapper::backend::{
    ListTables, ListTablesOutput, TableDescription, TableState, TableStatus, TimeToLive,
    TimeToLiveDescription, wait_for_table,
};
use dynamodb_mapper::{Error, KeySchema, Result, ScalarType, TableDefinition, Timestamp};

use crate::convert::{create_parts, definition, index_descriptions};
use crate::errors::map_err;
use crate::sdk::Sdk;

/// How long `create_table` waits for a new table to become active before
/// it can enable the definition's time to live.
const TTL_WAIT: Duration = Duration::from_secs(600);

impl Sdk {
    async fn describe_raw(&self, table: &str) -> Result<sdk::TableDescription> {
        let out = self
            .client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| map_err(e, table))?;
        out.table.ok_or_else(|| Error::Backend {
            message: format!("DynamoDB described table {table} without a description"),
            source: None,
        })
    }

    async fn ttl_attribute(&self, table: &str) -> Result<Option<String>> {
        let d = self.describe_time_to_live_call(table).await?;
        Ok(if d.enabled { d.attribute } else { None })
    }

    /// The library's description of a table, its definition cached.
    pub(crate) async fn description(&self, d: &sdk::TableDescription) -> Result<TableDescription> {
        let mut definition = definition(d)?;
        definition.ttl_attribute = self.ttl_attribute(&definition.name).await?;
        self.cache()
            .insert(definition.name.clone(), definition.clone());
        Ok(TableDescription {
            status: match d.table_status() {
                Some(sdk::TableStatus::Creating) => TableStatus::Creating,
                Some(sdk::TableStatus::Updating) => TableStatus::Updating,
                Some(sdk::TableStatus::Deleting) => TableStatus::Deleting,
                _ => TableStatus::Active,
            },
            item_count: d.item_count().map_or(0, |n| u64::try_from(n).unwrap_or(0)),
            size_bytes: d
                .table_size_bytes()
                .map_or(0, |n| u64::try_from(n).unwrap_or(0)),
            created: d
                .creation_date_time()
                .and_then(|t| Timestamp::from_unix(t.secs(), t.subsec_nanos()).ok()),
            on_demand_since: d
                .billing_mode_summary()
                .and_then(|b| b.last_update_to_pay_per_request_date_time())
                .and_then(|t| Timestamp::from_unix(t.secs(), t.subsec_nanos()).ok()),
            global_indexes: index_descriptions(d),
            definition,
        })
    }

    /// `CreateTable`. DynamoDB cannot enable time to live until the table
    /// is active, so with a TTL attribute (and only then) this waits for it.
    pub(crate) async fn create_table_call(&self, def: TableDefinition) -> Result<TableDescription> {
        let parts = create_parts(&def)?;
        let out = self
            .client
            .create_table()
            .table_name(&def.name)
            .set_key_schema(Some(parts.key_schema))
            .set_attribute_definitions(Some(parts.attributes))
            .set_global_secondary_indexes((!parts.globals.is_empty()).then_some(parts.globals))
            .set_local_secondary_indexes((!parts.locals.is_empty()).then_some(parts.locals))
            .billing_mode(parts.billing)
            .set_provisioned_throughput(parts.throughput)
            .send()
            .await
            .map_err(|e| map_err(e, &def.name))?;
        self.cache().remove(&def.name);
        if let Some(ttl) = &def.ttl_attribute {
            wait_for_table(self, &def.name, TableState::Active, TTL_WAIT).await?;
            self.update_time_to_live_call(
                &def.name,
                TimeToLive {
                    attribute: ttl.clone(),
                    enabled: true,
                },
            )
            .await?;
            return self.describe_table_call(&def.name).await;
        }
        match out.table_description {
            Some(d) => self.description(&d).await,
            None => self.describe_table_call(&def.name).await,
        }
    }

    pub(crate) async fn describe_table_call(&self, table: &str) -> Result<TableDescription> {
        let d = self.describe_raw(table).await?;
        self.description(&d).await
    }

    /// `DeleteTable`: answers at once, with the table `DELETING`.
    pub(crate) async fn delete_table_call(&self, table: &str) -> Result<TableDescription> {
        let out = self
            .client
            .delete_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| map_err(e, table))?;
        let cached = self.cache().remove(table);
        let described = out.table_description.as_ref().map(definition).transpose()?;
        Ok(TableDescription {
            definition: cached
                .or(described)
                .unwrap_or_else(|| TableDefinition::new(table, KeySchema::hash("", ScalarType::S))),
            status: TableStatus::Deleting,
            item_count: 0,
            size_bytes: 0,
            created: None,
            on_demand_since: None,
            global_indexes: Vec::new(),
        })
    }

    pub(crate) async fn list_tables_call(&self, input: ListTables) -> Result<ListTablesOutput> {
        let out = self
            .client
            .list_tables()
            .set_exclusive_start_table_name(input.exclusive_start_table_name)
            .set_limit(input.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)))
            .send()
            .await
            .map_err(|e| map_err(e, ""))?;
        Ok(ListTablesOutput {
            table_names: out.table_names.unwrap_or_default(),
            last_evaluated_table_name: out.last_evaluated_table_name,
        })
    }

    pub(crate) async fn update_time_to_live_call(
        &self,
        table: &str,
        ttl: TimeToLive,
    ) -> Result<TimeToLive> {
        let spec = sdk::TimeToLiveSpecification::builder()
            .attribute_name(&ttl.attribute)
            .enabled(ttl.enabled)
            .build()
            .map_err(|e| Error::invalid(e.to_string()))?;
        self.client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(|e| map_err(e, table))?;
        if let Some(d) = self.cache().get_mut(table) {
            d.ttl_attribute = ttl.enabled.then(|| ttl.attribute.clone());
        }
        Ok(ttl)
    }

    pub(crate) async fn describe_time_to_live_call(
        &self,
        table: &str,
    ) -> Result<TimeToLiveDescription> {
        let out = self
            .client
            .describe_time_to_live()
            .table_name(table)
            .send()
            .await
            .map_err(|e| map_err(e, table))?;
        let d = out.time_to_live_description;
        let enabled = matches!(
            d.as_ref().and_then(|d| d.time_to_live_status()),
            Some(sdk::TimeToLiveStatus::Enabled | sdk::TimeToLiveStatus::Enabling)
        );
        Ok(TimeToLiveDescription {
            enabled,
            attribute: if enabled {
                d.and_then(|d| d.attribute_name)
            } else {
                None
            },
        })
    }
}
