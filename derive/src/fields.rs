//! The struct's fields, with what their attributes say: the attribute
//! name serde writes, the `#[model(...)]` roles and the `#[validate(...)]`
//! rules.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::errors::{Errors, each_item};
use crate::rules::{Rule, check_rules, option_inner, parse_rule};
use crate::serde_attrs::{container_rename_all, parse_serialize_name, rename_rule, skip_meta};

/// One field and its attributes.
pub(crate) struct FieldInfo {
    pub(crate) ident: Ident,
    pub(crate) vis: syn::Visibility,
    pub(crate) ty: Type,
    /// The attribute name serde writes.
    pub(crate) attr: String,
    pub(crate) hash_key: bool,
    pub(crate) range_key: bool,
    pub(crate) version: bool,
    pub(crate) ttl: bool,
    pub(crate) auto_increment: bool,
    /// `#[serde(skip)]`, `skip_serializing` or `flatten`: not a plain attribute.
    pub(crate) not_plain: Option<&'static str>,
    /// `#[serde(flatten)]`: the field's own attributes are the item's.
    pub(crate) flattened: bool,
    pub(crate) rules: Vec<Rule>,
    pub(crate) span: Span,
}

/// The fields of a struct with named fields. Attribute errors are recorded
/// in `errors` and the fields still returned (with what did parse); only a
/// type that is not such a struct is an error here.
pub(crate) fn parse_fields(
    input: &DeriveInput,
    model: bool,
    errors: &Errors,
) -> syn::Result<Vec<FieldInfo>> {
    let what = if model { "Model" } else { "Validate" };
    let named = match &input.data {
        Data::Struct(syn::DataStruct {
            fields: Fields::Named(n),
            ..
        }) => n,
        _ => return Err(not_a_struct(input, what)),
    };
    let rename_all = errors.ok(container_rename_all(input)).flatten();
    let mut out = Vec::new();
    for field in &named.named {
        let ident = field.ident.clone().expect("named field");
        let rust_name = ident.to_string().trim_start_matches("r#").to_owned();
        let mut attr = match &rename_all {
            Some(rule) => errors
                .ok(rename_rule(&rule.value(), &rust_name, rule.span()))
                .unwrap_or_else(|| rust_name.clone()),
            None => rust_name.clone(),
        };
        let mut info = FieldInfo {
            ident,
            vis: field.vis.clone(),
            ty: field.ty.clone(),
            attr: String::new(),
            hash_key: false,
            range_key: false,
            version: false,
            ttl: false,
            auto_increment: false,
            not_plain: None,
            flattened: false,
            rules: Vec::new(),
            span: field.span(),
        };
        for a in &field.attrs {
            let parsed = if a.path().is_ident("serde") {
                a.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        if let Some(name) = parse_serialize_name(&meta)? {
                            attr = name.value();
                        }
                    } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                        info.not_plain = Some("skipped by serde");
                    } else if meta.path.is_ident("flatten") {
                        info.not_plain = Some("flattened by serde");
                        info.flattened = true;
                    } else {
                        skip_meta(&meta)?;
                    }
                    Ok(())
                })
            } else if a.path().is_ident("model") {
                if !model {
                    errors.push(syn::Error::new(
                        a.span(),
                        "#[model(...)] belongs on #[derive(Model)] structs",
                    ));
                    continue;
                }
                a.parse_nested_meta(each_item(errors, |meta| parse_role(meta, &mut info)))
            } else if a.path().is_ident("validate") {
                a.parse_nested_meta(each_item(errors, |meta| {
                    info.rules.push(parse_rule(meta, errors)?);
                    Ok(())
                }))
            } else {
                Ok(())
            };
            errors.ok(parsed);
        }
        let inner = option_inner(&info.ty).unwrap_or(&info.ty);
        check_rules(&info.rules, inner, &info.ident, errors);
        info.attr = attr;
        out.push(info);
    }
    Ok(out)
}

fn not_a_struct(input: &DeriveInput, what: &str) -> syn::Error {
    syn::Error::new(
        input.ident.span(),
        format!("#[derive({what})] supports structs with named fields only"),
    )
}

/// One item of a field's `#[model(...)]`.
fn parse_role(meta: &syn::meta::ParseNestedMeta<'_>, info: &mut FieldInfo) -> syn::Result<()> {
    let p = &meta.path;
    if p.is_ident("hash_key") {
        info.hash_key = true;
    } else if p.is_ident("range_key") {
        info.range_key = true;
    } else if p.is_ident("version") {
        info.version = true;
    } else if p.is_ident("ttl") {
        info.ttl = true;
    } else if p.is_ident("auto_increment") {
        info.auto_increment = true;
    } else {
        return Err(meta.error(
            "unknown field attribute; expected hash_key, range_key, auto_increment, version or ttl",
        ));
    }
    Ok(())
}
