//! Reads: `GetItem`, `Query` and `Scan`.

use dynamodb_mapper::Result;
use dynamodb_mapper::backend::{GetItem, GetItemOutput, Page, Query, Scan};

use crate::convert::{
    capacity, item_from_sdk, item_to_sdk, names, opt_item_from_sdk, rcc, select, values,
};
use crate::errors::map_err;
use crate::sdk::Sdk;

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Sets the fields `Query` and `Scan` share, on either SDK builder.
macro_rules! paged_fields {
    ($builder:expr, $input:expr) => {
        $builder
            .table_name(&$input.table)
            .set_index_name($input.index.clone())
            .set_filter_expression($input.filter_expression.clone())
            .set_projection_expression($input.projection_expression.clone())
            .set_expression_attribute_names(names(&$input.expression_attributes.names))
            .set_expression_attribute_values(values(&$input.expression_attributes.values)?)
            .set_select($input.select.map(select))
            .set_limit($input.limit.map(int))
            .set_exclusive_start_key(
                $input
                    .exclusive_start_key
                    .as_ref()
                    .map(item_to_sdk)
                    .transpose()?,
            )
            .set_consistent_read($input.consistent_read.then_some(true))
            .set_return_consumed_capacity(rcc($input.return_consumed_capacity))
    };
}

/// Reads the page of a `Query` or `Scan` answer.
macro_rules! page {
    ($out:expr, $input:expr) => {{
        let out = $out;
        Ok(Page {
            consumed_capacity: out
                .consumed_capacity()
                .and_then(|c| capacity(c, $input.return_consumed_capacity)),
            count: u64::try_from(out.count).unwrap_or(0),
            scanned_count: u64::try_from(out.scanned_count).unwrap_or(0),
            last_evaluated_key: opt_item_from_sdk(out.last_evaluated_key)?,
            items: out
                .items
                .unwrap_or_default()
                .into_iter()
                .map(item_from_sdk)
                .collect::<Result<_>>()?,
        })
    }};
}

impl Sdk {
    pub(crate) async fn get_item_call(&self, input: GetItem) -> Result<GetItemOutput> {
        let out = self
            .client
            .get_item()
            .table_name(&input.table)
            .set_key(Some(item_to_sdk(&input.key)?))
            .set_consistent_read(input.consistent_read.then_some(true))
            .set_projection_expression(input.projection_expression.clone())
            .set_expression_attribute_names(names(&input.expression_attributes.names))
            .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
            .send()
            .await
            .map_err(|e| map_err(e, &input.table))?;
        Ok(GetItemOutput {
            consumed_capacity: out
                .consumed_capacity()
                .and_then(|c| capacity(c, input.return_consumed_capacity)),
            item: opt_item_from_sdk(out.item)?,
        })
    }

    pub(crate) async fn query_call(&self, input: Query) -> Result<Page> {
        let out = paged_fields!(self.client.query(), input)
            .key_condition_expression(&input.key_condition_expression)
            .set_scan_index_forward((!input.scan_index_forward).then_some(false))
            .send()
            .await
            .map_err(|e| map_err(e, &input.table))?;
        page!(out, input)
    }

    pub(crate) async fn scan_call(&self, input: Scan) -> Result<Page> {
        let out = paged_fields!(self.client.scan(), input)
            .set_segment(input.segment.map(|s| int(s.segment)))
            .set_total_segments(input.segment.map(|s| int(s.total)))
            .send()
            .await
            .map_err(|e| map_err(e, &input.table))?;
        page!(out, input)
    }
}
