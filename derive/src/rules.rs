//! `#[validate(...)]` rules: parsing them, and the mistakes that can be
//! seen from a field's type before rustc sees the generated code.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitStr, Token, Type};

use crate::errors::{Errors, each_item};

/// One validation rule of a field.
pub(crate) enum Rule {
    Range {
        min: Option<Expr>,
        max: Option<Expr>,
        /// Where `range` is written, for diagnostics.
        span: Span,
    },
    Length {
        min: Option<Expr>,
        max: Option<Expr>,
    },
    Regex(LitStr),
    OneOf(Vec<Expr>),
    Custom(syn::Path),
    Nested,
    Each(Vec<Rule>),
}

fn parse_bounds(
    meta: &syn::meta::ParseNestedMeta<'_>,
    rule: &str,
) -> syn::Result<(Option<Expr>, Option<Expr>)> {
    let mut min = None;
    let mut max = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("min") {
            min = Some(inner.value()?.parse()?);
        } else if inner.path.is_ident("max") {
            max = Some(inner.value()?.parse()?);
        } else {
            return Err(inner.error(format!("{rule} takes `min = ..` and `max = ..`")));
        }
        Ok(())
    })?;
    if min.is_none() && max.is_none() {
        return Err(meta.error(format!("{rule} needs `min = ..`, `max = ..` or both")));
    }
    Ok((min, max))
}

/// Parses one rule; the errors of an `each(...)`'s inner rules are
/// recorded in `errors` (with the inner rules that did parse kept).
pub(crate) fn parse_rule(
    meta: &syn::meta::ParseNestedMeta<'_>,
    errors: &Errors,
) -> syn::Result<Rule> {
    let p = &meta.path;
    if p.is_ident("range") {
        let (min, max) = parse_bounds(meta, "range")?;
        Ok(Rule::Range {
            min,
            max,
            span: p.span(),
        })
    } else if p.is_ident("length") {
        let (min, max) = parse_bounds(meta, "length")?;
        Ok(Rule::Length { min, max })
    } else if p.is_ident("regex") || p.is_ident("pattern") {
        let lit: LitStr = meta.value()?.parse()?;
        if let Err(e) = regex::Regex::new(&lit.value()) {
            return Err(syn::Error::new(
                lit.span(),
                format!("invalid regular expression: {e}"),
            ));
        }
        Ok(Rule::Regex(lit))
    } else if p.is_ident("one_of") {
        let content;
        syn::parenthesized!(content in meta.input);
        let values = content.parse_terminated(<Expr as syn::parse::Parse>::parse, Token![,])?;
        if values.is_empty() {
            return Err(meta.error("one_of needs at least one value"));
        }
        Ok(Rule::OneOf(values.into_iter().collect()))
    } else if p.is_ident("custom") {
        let v = meta.value()?;
        // Accept `custom = path` and `custom = "path"`.
        let path = if v.peek(LitStr) {
            let lit: LitStr = v.parse()?;
            lit.parse()?
        } else {
            v.parse()?
        };
        Ok(Rule::Custom(path))
    } else if p.is_ident("nested") || p.is_ident("dive") {
        Ok(Rule::Nested)
    } else if p.is_ident("each") {
        let mut inner_rules = Vec::new();
        meta.parse_nested_meta(each_item(errors, |inner| {
            inner_rules.push(parse_rule(inner, errors)?);
            Ok(())
        }))?;
        Ok(Rule::Each(inner_rules))
    } else {
        Err(meta.error(
            "unknown validation rule; expected range, length, regex, one_of, custom, nested or each",
        ))
    }
}

/// The `T` of a type written `Option<T>`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    generic_arg(ty, &["Option"], 0)
}

/// The `index`th type argument of a path type whose last segment is one of
/// `names` (`Vec<T>`, `HashMap<K, V>`, ...).
pub(crate) fn generic_arg<'a>(ty: &'a Type, names: &[&str], index: usize) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if !names.iter().any(|n| last.ident == n) {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .nth(index)
}

/// True for the string types a reader recognises by name (`String`,
/// `&str`, `Cow<str>`, `Box<str>`, ...).
pub(crate) fn is_string(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_string(&r.elem),
        Type::Paren(p) => is_string(&p.elem),
        Type::Group(g) => is_string(&g.elem),
        Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            last.ident == "String"
                || last.ident == "str"
                || generic_arg(ty, &["Cow", "Box", "Rc", "Arc"], 0).is_some_and(is_string)
        }
        _ => false,
    }
}

/// The type of what `each(...)` visits in a value of type `ty`, when it
/// can be read from the type's name.
pub(crate) fn element_type(ty: &Type) -> Option<Type> {
    if let Type::Path(p) = ty
        && p.path
            .segments
            .last()
            .is_some_and(|s| s.ident == "StringSet")
    {
        return Some(syn::parse_quote!(String));
    }
    match ty {
        Type::Reference(r) => element_type(&r.elem),
        Type::Array(a) => Some((*a.elem).clone()),
        Type::Slice(s) => Some((*s.elem).clone()),
        _ => generic_arg(
            ty,
            &[
                "Vec",
                "VecDeque",
                "LinkedList",
                "BTreeSet",
                "HashSet",
                "Set",
                "Option",
            ],
            0,
        )
        .or_else(|| generic_arg(ty, &["BTreeMap", "HashMap"], 1))
        .cloned(),
    }
}

/// Records the rules that cannot apply to a field of type `ty` (the type
/// inside the field's `Option`, if it has one): today, a `range` on a
/// string, which rustc would report as a type mismatch with a hint to
/// turn the bound into a string.
pub(crate) fn check_rules(rules: &[Rule], ty: &Type, field: &Ident, errors: &Errors) {
    check_rules_of(rules, ty, &format!("`{field}`"), errors);
}

/// [`check_rules`] for the values named by `subject`: a field, or the
/// elements that `each` visits.
fn check_rules_of(rules: &[Rule], ty: &Type, subject: &str, errors: &Errors) {
    for rule in rules {
        match rule {
            Rule::Range { span, .. } if is_string(ty) => errors.push(syn::Error::new(
                *span,
                format!(
                    "`range` applies to numbers (and other ordered values), but {subject} is a \
                     string: to bound the length of a string, use `length(min = .., max = ..)`"
                ),
            )),
            Rule::Each(inner) => {
                if let Some(elem) = element_type(ty) {
                    let subject = format!("each element of {subject}");
                    check_rules_of(inner, &elem, &subject, errors);
                }
            }
            _ => {}
        }
    }
}
