//! The struct's `#[model(...)]`: table name, indexes and throughput.

use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{DeriveInput, Expr, Ident, LitStr, Token};

use crate::errors::{Errors, each_item};

/// One `gsi(...)` or `lsi(...)`.
pub(crate) struct IndexSpec {
    pub(crate) name: LitStr,
    pub(crate) global: bool,
    /// The hash key's field (a global index's own; a local index has the table's).
    pub(crate) hash: Option<LitStr>,
    pub(crate) range: Option<LitStr>,
    pub(crate) projection: TokenStream2,
    pub(crate) read: Option<Expr>,
    pub(crate) write: Option<Expr>,
    pub(crate) span: Span,
}

/// What the struct's `#[model(...)]` says.
pub(crate) struct ContainerSpec {
    pub(crate) table: Option<LitStr>,
    pub(crate) indexes: Vec<IndexSpec>,
    pub(crate) read: Option<Expr>,
    pub(crate) write: Option<Expr>,
    /// `migrations = path`: a function building the model's `Migrations`.
    pub(crate) migrations: Option<syn::Path>,
}

fn parse_projection(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<TokenStream2> {
    let v = meta.value()?;
    if v.peek(LitStr) {
        let lit: LitStr = v.parse()?;
        return match lit.value().as_str() {
            "all" | "ALL" => Ok(quote!(::dynamodb_mapper::IndexProjection::All)),
            "keys_only" | "KEYS_ONLY" => Ok(quote!(::dynamodb_mapper::IndexProjection::KeysOnly)),
            _ => Err(syn::Error::new(
                lit.span(),
                "projection is \"all\", \"keys_only\" or include(\"attr\", ...)",
            )),
        };
    }
    // include("a", "b")
    let ident: Ident = v.parse()?;
    if ident != "include" {
        return Err(syn::Error::new(
            ident.span(),
            "projection is \"all\", \"keys_only\" or include(\"attr\", ...)",
        ));
    }
    let content;
    syn::parenthesized!(content in v);
    let names = content.parse_terminated(|i: ParseStream<'_>| i.parse::<LitStr>(), Token![,])?;
    let names = names
        .iter()
        .map(|n| quote!(::std::string::String::from(#n)));
    Ok(quote!(::dynamodb_mapper::IndexProjection::Include(
        ::std::vec![#(#names),*]
    )))
}

/// Reads the struct's `#[model(...)]` attributes, recording every error
/// (an index with an error is left out).
pub(crate) fn parse_container(input: &DeriveInput, errors: &Errors) -> ContainerSpec {
    let mut spec = ContainerSpec {
        table: None,
        indexes: Vec::new(),
        read: None,
        write: None,
        migrations: None,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        let parsed = attr.parse_nested_meta(each_item(errors, |meta| {
            if meta.path.is_ident("table") {
                spec.table = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("read_capacity") {
                spec.read = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("write_capacity") {
                spec.write = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("migrations") {
                spec.migrations = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("gsi") || meta.path.is_ident("lsi") {
                if let Some(index) = parse_index(meta, errors)? {
                    spec.indexes.push(index);
                }
            } else {
                return Err(meta.error(
                    "unknown model attribute; expected table, gsi, lsi, read_capacity, write_capacity or migrations",
                ));
            }
            Ok(())
        }));
        errors.ok(parsed);
    }
    spec
}

/// Reads one `gsi(...)` or `lsi(...)`; `None` when it has an error (recorded).
fn parse_index(
    meta: &syn::meta::ParseNestedMeta<'_>,
    errors: &Errors,
) -> syn::Result<Option<IndexSpec>> {
    let global = meta.path.is_ident("gsi");
    let mut index = IndexSpec {
        name: LitStr::new("", Span::call_site()),
        global,
        hash: None,
        range: None,
        projection: quote!(::dynamodb_mapper::IndexProjection::All),
        read: None,
        write: None,
        span: meta.path.span(),
    };
    let mut named = false;
    let mut failed = false;
    meta.parse_nested_meta(each_item(errors, |inner| {
        let p = &inner.path;
        let parsed = (|| {
            if p.is_ident("name") {
                index.name = inner.value()?.parse()?;
                named = true;
            } else if p.is_ident("hash") && global {
                index.hash = Some(inner.value()?.parse()?);
            } else if p.is_ident("range") {
                index.range = Some(inner.value()?.parse()?);
            } else if p.is_ident("projection") {
                index.projection = parse_projection(inner)?;
            } else if p.is_ident("read_capacity") && global {
                index.read = Some(inner.value()?.parse()?);
            } else if p.is_ident("write_capacity") && global {
                index.write = Some(inner.value()?.parse()?);
            } else if global {
                return Err(inner.error(
                    "gsi takes name, hash, range, projection, read_capacity and write_capacity",
                ));
            } else {
                return Err(inner
                    .error("lsi takes name, range and projection (its hash key is the table's)"));
            }
            Ok(())
        })();
        failed |= parsed.is_err();
        parsed
    }))?;
    if !named {
        errors.push(meta.error("an index needs `name = \"...\"`"));
        failed = true;
    }
    if global && index.hash.is_none() {
        errors.push(meta.error("a global index needs `hash = \"field\"`"));
        failed = true;
    }
    if !global && index.range.is_none() {
        errors.push(meta.error("a local index needs `range = \"field\"`"));
        failed = true;
    }
    Ok((!failed).then_some(index))
}
