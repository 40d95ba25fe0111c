//! `#[derive(Arbitrary)]`: proptest's `Arbitrary` for a struct or an enum,
//! generating values that respect the fields' validation rules where a
//! rule can be turned into a strategy, and filtered by `Validate` for the
//! rest.
//!
//! The code it writes names `::dynamodb_mapper::__private::proptest` and
//! `::dynamodb_mapper::arbitrary`, which exist only with the
//! `dynamodb-mapper` feature `proptest`; the derive itself is re-exported
//! only with that feature, so a crate that can write the derive has them.

mod types;

use proc_macro2::{Ident, TokenStream as TokenStream2, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, LitStr, Type};

use crate::container::parse_container;
use crate::errors::Errors;
use crate::fields::{FieldInfo, parse_fields};
use crate::rules::{Rule, is_string, option_inner};
use types::{arb, collection, element_of, is_binary, pt, type_strategy};

/// A field's own strategy, from `#[proptest(...)]`.
enum Override {
    Strategy(Expr),
    Value(Expr),
}

/// Reads `#[proptest(strategy = expr)]` or `#[proptest(value = expr)]`
/// (the expression written as is, or in a string).
fn parse_override(attrs: &[syn::Attribute]) -> syn::Result<Option<Override>> {
    let mut out = None;
    for a in attrs.iter().filter(|a| a.path().is_ident("proptest")) {
        a.parse_nested_meta(|meta| {
            let strategy = meta.path.is_ident("strategy");
            if !strategy && !meta.path.is_ident("value") {
                return Err(meta.error("expected `strategy = ...` or `value = ...`"));
            }
            let v = meta.value()?;
            let expr: Expr = if v.peek(LitStr) {
                v.parse::<LitStr>()?.parse()?
            } else {
                v.parse()?
            };
            out = Some(if strategy {
                Override::Strategy(expr)
            } else {
                Override::Value(expr)
            });
            Ok(())
        })?;
    }
    Ok(out)
}

fn mentions(tokens: TokenStream2, name: &Ident) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == *name || i == "Self",
        TokenTree::Group(g) => mentions(g.stream(), name),
        _ => false,
    })
}

/// A value's `Default`, as a strategy.
fn default_value() -> TokenStream2 {
    let pt = pt();
    quote!(#pt::strategy::LazyJust::new(::core::default::Default::default))
}

fn overridden(o: &Override) -> TokenStream2 {
    let pt = pt();
    match o {
        Override::Strategy(e) => quote!(#e),
        Override::Value(e) => quote!(#pt::strategy::LazyJust::new(move || #e)),
    }
}

/// `strategy` with only the values of length `min..=max` kept.
fn filter_length(strategy: TokenStream2, min: &TokenStream2, max: &TokenStream2) -> TokenStream2 {
    let pt = pt();
    quote!(#pt::strategy::Strategy::prop_filter(#strategy, "the length rule", move |__v| {
        let __n = ::dynamodb_mapper::validate::rules::HasLength::length(__v);
        __n >= #min && __n <= #max
    }))
}

/// The strategy of a value of type `ty` under `rules`.
fn ruled(ty: &Type, rules: &[Rule], non_empty: bool) -> TokenStream2 {
    let pt = pt();
    let arb = arb();
    let mut length = None;
    let mut each = None;
    let mut base = None;
    for rule in rules {
        match rule {
            Rule::OneOf(values) => {
                let values = values
                    .iter()
                    .map(|v| quote!(<_ as ::dynamodb_mapper::fields::ValueFor<#ty>>::into_field_value(#v)));
                base = Some(quote!(#arb::one_of::<#ty>(::std::vec![#(#values),*])));
            }
            Rule::Range { min, max, .. } if base.is_none() => {
                let conv = |e: &Expr| quote!(<_ as ::dynamodb_mapper::fields::ValueFor<#ty>>::into_field_value(#e));
                let bounded = quote!(<#ty as #arb::Bounded>);
                base = Some(match (min, max) {
                    (Some(a), Some(b)) => {
                        let (a, b) = (conv(a), conv(b));
                        quote!(#bounded::between(#a, #b))
                    }
                    (Some(a), None) => {
                        let a = conv(a);
                        quote!(#bounded::at_least(#a))
                    }
                    (None, Some(b)) => {
                        let b = conv(b);
                        quote!(#bounded::at_most(#b))
                    }
                    (None, None) => continue,
                });
            }
            Rule::Regex(lit) if base.is_none() => {
                base = Some(quote!(#pt::strategy::Strategy::prop_map(
                    #arb::__pattern(#lit),
                    |__s| -> #ty { ::core::convert::Into::into(__s) }
                )));
            }
            Rule::Length { min, max } => {
                let min = min
                    .as_ref()
                    .map_or(quote!(0usize), |m| quote!((#m) as usize));
                let max = max
                    .as_ref()
                    .map_or(quote!(#min + 16usize), |m| quote!((#m) as usize));
                length = Some((min, max));
            }
            Rule::Each(inner) => each = Some(inner),
            _ => {}
        }
    }
    let element = || {
        element_of(ty).map(|e| match each {
            Some(inner) => ruled(&e, inner, false),
            None => type_strategy(&e, false),
        })
    };
    let strategy = match (base, &length) {
        (Some(base), Some((min, max))) => filter_length(base, min, max),
        (Some(base), None) => base,
        (None, Some((min, max))) => {
            if is_string(ty) {
                quote!(#pt::strategy::Strategy::prop_map(
                    #arb::string_of_length(#min, #max),
                    |__s| -> #ty { ::core::convert::Into::into(__s) }
                ))
            } else if is_binary(ty) {
                quote!(#pt::strategy::Strategy::prop_map(
                    #pt::collection::vec(#pt::arbitrary::any::<u8>(), #min..=#max),
                    ::dynamodb_mapper::Binary
                ))
            } else if let Some(c) = element().and_then(|e| collection(ty, e, quote!(#min..=#max))) {
                c
            } else {
                filter_length(type_strategy(ty, non_empty), min, max)
            }
        }
        (None, None) => match element().and_then(|e| {
            let size = if types::set_member(ty).is_some() {
                quote!(1usize..=6usize)
            } else {
                types::default_size()
            };
            each.and(collection(ty, e, size))
        }) {
            Some(c) => c,
            None => type_strategy(ty, non_empty),
        },
    };
    if non_empty && (is_string(ty) || is_binary(ty)) && !rules.is_empty() {
        quote!(#pt::strategy::Strategy::prop_filter(#strategy, "a key is not empty", |__v| {
            ::dynamodb_mapper::validate::rules::HasLength::length(__v) > 0
        }))
    } else {
        strategy
    }
}

/// The strategy of one field of a struct.
fn field_strategy(f: &FieldInfo, o: Option<&Override>, key: bool, name: &Ident) -> TokenStream2 {
    if let Some(o) = o {
        return overridden(o);
    }
    if f.not_plain == Some("skipped by serde")
        || f.version
        || f.auto_increment
        || mentions(f.ty.to_token_stream(), name)
    {
        return default_value();
    }
    match option_inner(&f.ty) {
        Some(inner) => {
            let inner = ruled(inner, &f.rules, key);
            let pt = pt();
            quote!(#pt::option::of(#inner))
        }
        None => ruled(&f.ty, &f.rules, key),
    }
}

/// `(s0, s1, ...)` strategies in tuples of at most 8 (proptest's tuples
/// are strategies up to 12), and the pattern that binds their values.
fn grouped(strategies: Vec<TokenStream2>, bindings: &[Ident]) -> (TokenStream2, TokenStream2) {
    let groups: Vec<TokenStream2> = strategies.chunks(8).map(|c| quote!((#(#c,)*))).collect();
    let patterns: Vec<TokenStream2> = bindings.chunks(8).map(|c| quote!((#(#c,)*))).collect();
    (quote!((#(#groups,)*)), quote!((#(#patterns,)*)))
}

/// `build` (a constructor over `bindings`) fed by these strategies.
fn assemble(
    strategies: Vec<TokenStream2>,
    bindings: &[Ident],
    build: TokenStream2,
) -> TokenStream2 {
    let pt = pt();
    if strategies.is_empty() {
        return quote!(#pt::strategy::LazyJust::new(|| #build));
    }
    let (strategy, pattern) = grouped(strategies, bindings);
    quote!(#pt::strategy::Strategy::prop_map(#strategy, |#pattern| #build))
}

fn expand_struct(input: &DeriveInput, data: &syn::DataStruct) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let Fields::Named(named) = &data.fields else {
        let fields: Vec<&syn::Field> = data.fields.iter().collect();
        let mut strategies = Vec::new();
        for f in &fields {
            strategies.push(match parse_override(&f.attrs)? {
                Some(o) => overridden(&o),
                None if mentions(f.ty.to_token_stream(), name) => default_value(),
                None => type_strategy(&f.ty, false),
            });
        }
        let bindings: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("__f{i}")).collect();
        let build = match &data.fields {
            Fields::Unit => quote!(#name),
            _ => quote!(#name(#(#bindings),*)),
        };
        return Ok(assemble(strategies, &bindings, build));
    };
    // Attribute errors are the Model or Validate derive's to report.
    let ignored = Errors::default();
    let fields = parse_fields(input, true, &ignored)?;
    let spec = parse_container(input, &ignored);
    let keys: Vec<String> = spec
        .indexes
        .iter()
        .flat_map(|i| i.hash.iter().chain(i.range.iter()).map(LitStr::value))
        .collect();
    drop(ignored);
    let mut strategies = Vec::new();
    for (f, syn_field) in fields.iter().zip(&named.named) {
        let o = parse_override(&syn_field.attrs)?;
        let key =
            f.hash_key || f.range_key || keys.iter().any(|k| f.ident == k.as_str() || f.attr == *k);
        strategies.push(field_strategy(f, o.as_ref(), key, name));
    }
    let bindings: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("__f{i}")).collect();
    let idents = fields.iter().map(|f| &f.ident);
    let build = quote!(#name { #(#idents: #bindings),* });
    Ok(assemble(strategies, &bindings, build))
}

fn serde_skipped(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .any(|a| {
            let mut skipped = false;
            let _ = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                    skipped = true;
                }
                crate::serde_attrs::skip_meta(&meta)
            });
            skipped
        })
}

fn expand_enum(input: &DeriveInput, data: &syn::DataEnum) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let pt = pt();
    let mut variants = Vec::new();
    for v in &data.variants {
        if serde_skipped(&v.attrs) || mentions(v.fields.to_token_stream(), name) {
            continue;
        }
        let vname = &v.ident;
        let mut strategies = Vec::new();
        for f in &v.fields {
            strategies.push(match parse_override(&f.attrs)? {
                Some(o) => overridden(&o),
                None => type_strategy(&f.ty, false),
            });
        }
        let bindings: Vec<Ident> = (0..v.fields.len())
            .map(|i| format_ident!("__f{i}"))
            .collect();
        let build = match &v.fields {
            Fields::Unit => quote!(#name::#vname),
            Fields::Unnamed(_) => quote!(#name::#vname(#(#bindings),*)),
            Fields::Named(n) => {
                let idents = n.named.iter().map(|f| f.ident.as_ref());
                quote!(#name::#vname { #(#idents: #bindings),* })
            }
        };
        let strategy = assemble(strategies, &bindings, build);
        variants.push(quote!(#pt::strategy::Strategy::boxed(#strategy)));
    }
    if variants.is_empty() {
        return Err(syn::Error::new(
            name.span(),
            "#[derive(Arbitrary)] needs a variant that serde serializes and that does not contain the enum itself",
        ));
    }
    Ok(quote!(#pt::strategy::Union::new(::std::vec![#(#variants),*])))
}

/// The `Arbitrary` impl of `input`.
pub(crate) fn expand_arbitrary(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Arbitrary)] does not support generic types",
        ));
    }
    let strategy = match &input.data {
        Data::Struct(s) => expand_struct(input, s)?,
        Data::Enum(e) => expand_enum(input, e)?,
        Data::Union(_) => {
            return Err(syn::Error::new(
                name.span(),
                "#[derive(Arbitrary)] supports structs and enums",
            ));
        }
    };
    let pt = pt();
    let arb = arb();
    Ok(quote! {
        impl #pt::arbitrary::Arbitrary for #name {
            type Parameters = ();
            type Strategy = #pt::strategy::BoxedStrategy<#name>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                let __strategy = #strategy;
                let __valid = #pt::strategy::Strategy::prop_filter(
                    __strategy,
                    "the validation rules",
                    |__v: &#name| {
                        #[allow(unused_imports)]
                        use #arb::{ViaNothing as _, ViaValidate as _};
                        (&#arb::Probe(__v)).__is_valid()
                    },
                );
                #pt::strategy::Strategy::boxed(__valid)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_strategies_of_string_maps_are_non_empty() {
        let ty: syn::Type = syn::parse_quote!(String);
        let s = super::types::key_strategy(&ty).to_string();
        assert!(s.contains("non_empty_string"), "{s}");
    }
}
