//! What the derive reads of serde's own attributes: the attribute name
//! serde writes for each field (`rename`, `rename_all`), and whether a
//! field is a plain attribute at all (`skip`, `flatten`).

use proc_macro2::{Span, TokenStream as TokenStream2};
use syn::{DeriveInput, Expr, LitStr, Token};

/// Skips the value of a meta item we do not interpret (`= expr` or `(...)`).
pub(crate) fn skip_meta(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream2>()?;
    } else if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    }
    Ok(())
}

/// The attribute name serde gives `field` under `#[serde(rename_all = rule)]`.
pub(crate) fn rename_rule(rule: &str, field: &str, span: Span) -> syn::Result<String> {
    let pascal = || {
        field
            .split('_')
            .map(|part| {
                let mut c = part.chars();
                match c.next() {
                    Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect::<String>()
    };
    Ok(match rule {
        "lowercase" => field.to_ascii_lowercase(),
        "UPPERCASE" => field.to_ascii_uppercase(),
        "PascalCase" => pascal(),
        "camelCase" => {
            let p = pascal();
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => String::new(),
            }
        }
        "snake_case" => field.to_owned(),
        "SCREAMING_SNAKE_CASE" => field.to_ascii_uppercase(),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.to_ascii_uppercase().replace('_', "-"),
        other => {
            return Err(syn::Error::new(
                span,
                format!("unknown serde rename_all rule `{other}`"),
            ));
        }
    })
}

/// Reads `rename` or `rename(serialize = "..")` from a serde meta item.
pub(crate) fn parse_serialize_name(
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut out = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            out = Some(inner.value()?.parse()?);
        } else {
            skip_meta(&inner)?;
        }
        Ok(())
    })?;
    Ok(out)
}

/// The struct's `#[serde(rename_all = "..")]` rule, if it has one.
pub(crate) fn container_rename_all(input: &DeriveInput) -> syn::Result<Option<LitStr>> {
    let mut rule = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                rule = parse_serialize_name(&meta)?;
            } else {
                skip_meta(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(rule)
}
