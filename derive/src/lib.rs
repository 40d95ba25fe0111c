//! Derive macros for `dynamodb-mapper`: `#[derive(Model)]` and
//! `#[derive(Validate)]`. Use them through the `dynamodb_mapper` crate,
//! which re-exports both and documents their attributes.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, Ident, LitStr, Token, Type};

/// Implements `Model` (and `Validate`) for a struct; see `dynamodb_mapper::Model`.
#[proc_macro_derive(Model, attributes(model, validate))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match expand_model(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Implements `Validate` from `#[validate(...)]` field rules; see `dynamodb_mapper::validate`.
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    let fields = match parse_fields(&input, false) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error().into(),
    };
    expand_validate(&input, &fields).into()
}

// ---------------------------------------------------------------------------
// Field parsing

struct FieldInfo {
    ident: Ident,
    ty: Type,
    /// The attribute name serde writes.
    attr: String,
    hash_key: bool,
    range_key: bool,
    version: bool,
    ttl: bool,
    auto_increment: bool,
    /// `#[serde(skip)]`, `skip_serializing` or `flatten`: not a plain attribute.
    not_plain: Option<&'static str>,
    rules: Vec<Rule>,
    span: Span,
}

enum Rule {
    Range {
        min: Option<Expr>,
        max: Option<Expr>,
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

/// Skips the value of a meta item we do not interpret (`= expr` or `(...)`).
fn skip_meta(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream2>()?;
    } else if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    }
    Ok(())
}

fn rename_rule(rule: &str, field: &str, span: Span) -> syn::Result<String> {
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
fn parse_serialize_name(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
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

fn container_rename_all(input: &DeriveInput) -> syn::Result<Option<LitStr>> {
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

fn parse_fields(input: &DeriveInput, model: bool) -> syn::Result<Vec<FieldInfo>> {
    let what = if model { "Model" } else { "Validate" };
    let data = match &input.data {
        Data::Struct(s) => s,
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                format!("#[derive({what})] supports structs with named fields only"),
            ));
        }
    };
    let named = match &data.fields {
        Fields::Named(n) => n,
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                format!("#[derive({what})] supports structs with named fields only"),
            ));
        }
    };
    let rename_all = container_rename_all(input)?;
    let mut out = Vec::new();
    for field in &named.named {
        let ident = field.ident.clone().expect("named field");
        let rust_name = ident.to_string().trim_start_matches("r#").to_owned();
        let mut attr = match &rename_all {
            Some(rule) => rename_rule(&rule.value(), &rust_name, rule.span())?,
            None => rust_name.clone(),
        };
        let mut info = FieldInfo {
            ident,
            ty: field.ty.clone(),
            attr: String::new(),
            hash_key: false,
            range_key: false,
            version: false,
            ttl: false,
            auto_increment: false,
            not_plain: None,
            rules: Vec::new(),
            span: field.span(),
        };
        for a in &field.attrs {
            if a.path().is_ident("serde") {
                a.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        if let Some(name) = parse_serialize_name(&meta)? {
                            attr = name.value();
                        }
                    } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                        info.not_plain = Some("skipped by serde");
                    } else if meta.path.is_ident("flatten") {
                        info.not_plain = Some("flattened by serde");
                    } else {
                        skip_meta(&meta)?;
                    }
                    Ok(())
                })?;
            } else if a.path().is_ident("model") {
                if !model {
                    return Err(syn::Error::new(
                        a.span(),
                        "#[model(...)] belongs on #[derive(Model)] structs",
                    ));
                }
                a.parse_nested_meta(|meta| {
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
                })?;
            } else if a.path().is_ident("validate") {
                a.parse_nested_meta(|meta| {
                    info.rules.push(parse_rule(&meta)?);
                    Ok(())
                })?;
            }
        }
        info.attr = attr;
        out.push(info);
    }
    Ok(out)
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

fn parse_rule(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Rule> {
    let p = &meta.path;
    if p.is_ident("range") {
        let (min, max) = parse_bounds(meta, "range")?;
        Ok(Rule::Range { min, max })
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
        meta.parse_nested_meta(|inner| {
            inner_rules.push(parse_rule(&inner)?);
            Ok(())
        })?;
        Ok(Rule::Each(inner_rules))
    } else {
        Err(meta.error("unknown validation rule; expected range, length, regex, one_of, custom, nested or each"))
    }
}

/// The `T` of a type written `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    if let Type::Path(p) = ty {
        let last = p.path.segments.last()?;
        if last.ident == "Option" {
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                if let Some(syn::GenericArgument::Type(t)) = args.args.first() {
                    return Some(t);
                }
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Validate

fn opt(e: &Option<Expr>) -> TokenStream2 {
    match e {
        Some(e) => quote!(::core::option::Option::Some(#e)),
        None => quote!(::core::option::Option::None),
    }
}

fn gen_rules(rules: &[Rule], v: &TokenStream2) -> TokenStream2 {
    let rules_mod = quote!(::dynamodb_mapper::validate::rules);
    let checks = rules.iter().map(|rule| match rule {
        Rule::Range { min, max } => {
            let (min, max) = (opt(min), opt(max));
            quote!(#rules_mod::range(#v, #min, #max, __path, __report);)
        }
        Rule::Length { min, max } => {
            let (min, max) = (opt(min), opt(max));
            quote!(#rules_mod::length(#v, #min, #max, __path, __report);)
        }
        Rule::Regex(lit) => quote! {{
            static __RE: ::dynamodb_mapper::__private::LazyLock<::dynamodb_mapper::__private::Regex> =
                ::dynamodb_mapper::__private::LazyLock::new(|| #rules_mod::compile(#lit));
            #rules_mod::regex(#v, &*__RE, __path, __report);
        }},
        Rule::OneOf(values) => quote!(#rules_mod::one_of(#v, &[#(#values),*], __path, __report);),
        Rule::Custom(path) => quote!(#rules_mod::custom(#v, #path, __path, __report);),
        Rule::Nested => quote!(::dynamodb_mapper::Validate::validate_at(#v, __path, __report);),
        Rule::Each(inner) => {
            let elem = quote!(__elem);
            let body = gen_rules(inner, &elem);
            quote! {
                #rules_mod::Elements::for_each_element(#v, &mut |__seg, __elem| {
                    __path.push(__seg);
                    #body
                    __path.pop();
                });
            }
        }
    });
    quote!(#(#checks)*)
}

fn expand_validate(input: &DeriveInput, fields: &[FieldInfo]) -> TokenStream2 {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let checks = fields.iter().filter(|f| !f.rules.is_empty()).map(|f| {
        let ident = &f.ident;
        let attr = &f.attr;
        let v = quote!(__v);
        let body = gen_rules(&f.rules, &v);
        let body = if option_inner(&f.ty).is_some() {
            quote!(if let ::core::option::Option::Some(__v) = __v { #body })
        } else {
            body
        };
        quote! {
            __path.push_key(#attr);
            {
                let __v = &self.#ident;
                #body
            }
            __path.pop();
        }
    });
    quote! {
        impl #impl_generics ::dynamodb_mapper::Validate for #name #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn validate_at(
                &self,
                __path: &mut ::dynamodb_mapper::validate::FieldPath,
                __report: &mut ::dynamodb_mapper::validate::Report,
            ) {
                #(#checks)*
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Model

struct IndexSpec {
    name: LitStr,
    global: bool,
    hash: Option<LitStr>,
    range: Option<LitStr>,
    projection: TokenStream2,
    read: Option<Expr>,
    write: Option<Expr>,
    span: Span,
}

struct ContainerSpec {
    table: Option<LitStr>,
    indexes: Vec<IndexSpec>,
    read: Option<Expr>,
    write: Option<Expr>,
}

fn parse_projection(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<TokenStream2> {
    let v = meta.value()?;
    if v.peek(LitStr) {
        let lit: LitStr = v.parse()?;
        return match lit.value().as_str() {
            "all" | "ALL" => Ok(quote!(::dynamodb_mapper::Projection::All)),
            "keys_only" | "KEYS_ONLY" => Ok(quote!(::dynamodb_mapper::Projection::KeysOnly)),
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
    Ok(quote!(::dynamodb_mapper::Projection::Include(
        ::std::vec![#(#names),*]
    )))
}

fn parse_container(input: &DeriveInput) -> syn::Result<ContainerSpec> {
    let mut spec = ContainerSpec {
        table: None,
        indexes: Vec::new(),
        read: None,
        write: None,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                spec.table = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("read_capacity") {
                spec.read = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("write_capacity") {
                spec.write = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("gsi") || meta.path.is_ident("lsi") {
                let global = meta.path.is_ident("gsi");
                let mut index = IndexSpec {
                    name: LitStr::new("", Span::call_site()),
                    global,
                    hash: None,
                    range: None,
                    projection: quote!(::dynamodb_mapper::Projection::All),
                    read: None,
                    write: None,
                    span: meta.path.span(),
                };
                let mut named = false;
                meta.parse_nested_meta(|inner| {
                    let p = &inner.path;
                    if p.is_ident("name") {
                        index.name = inner.value()?.parse()?;
                        named = true;
                    } else if p.is_ident("hash") && global {
                        index.hash = Some(inner.value()?.parse()?);
                    } else if p.is_ident("range") {
                        index.range = Some(inner.value()?.parse()?);
                    } else if p.is_ident("projection") {
                        index.projection = parse_projection(&inner)?;
                    } else if p.is_ident("read_capacity") && global {
                        index.read = Some(inner.value()?.parse()?);
                    } else if p.is_ident("write_capacity") && global {
                        index.write = Some(inner.value()?.parse()?);
                    } else if global {
                        return Err(inner.error(
                            "gsi takes name, hash, range, projection, read_capacity and write_capacity",
                        ));
                    } else {
                        return Err(inner.error("lsi takes name, range and projection (its hash key is the table's)"));
                    }
                    Ok(())
                })?;
                if !named {
                    return Err(meta.error("an index needs `name = \"...\"`"));
                }
                if global && index.hash.is_none() {
                    return Err(meta.error("a global index needs `hash = \"field\"`"));
                }
                if !global && index.range.is_none() {
                    return Err(meta.error("a local index needs `range = \"field\"`"));
                }
                spec.indexes.push(index);
            } else {
                return Err(meta.error("unknown model attribute; expected table, gsi, lsi, read_capacity or write_capacity"));
            }
            Ok(())
        })?;
    }
    Ok(spec)
}

fn find_field<'a>(fields: &'a [FieldInfo], name: &LitStr) -> syn::Result<&'a FieldInfo> {
    let n = name.value();
    fields
        .iter()
        .find(|f| f.ident == n || f.attr == n)
        .ok_or_else(|| {
            syn::Error::new(
                name.span(),
                format!("no field or attribute named `{n}` in this struct"),
            )
        })
}

fn key_attribute(f: &FieldInfo) -> TokenStream2 {
    let attr = &f.attr;
    let ty = &f.ty;
    let scalar = quote_spanned!(ty.span()=> <#ty as ::dynamodb_mapper::KeyType>::SCALAR_TYPE);
    quote!(::dynamodb_mapper::KeyAttribute::new(#attr, #scalar))
}

fn check_key_field(f: &FieldInfo, role: &str) -> syn::Result<()> {
    if let Some(why) = f.not_plain {
        return Err(syn::Error::new(
            f.span,
            format!("the {role} `{}` cannot be {why}", f.ident),
        ));
    }
    if option_inner(&f.ty).is_some() {
        return Err(syn::Error::new(
            f.ty.span(),
            format!("the {role} cannot be an Option: every item has its key"),
        ));
    }
    Ok(())
}

fn single<'a>(
    fields: &'a [FieldInfo],
    pick: impl Fn(&FieldInfo) -> bool,
    what: &str,
) -> syn::Result<Option<&'a FieldInfo>> {
    let mut found = fields.iter().filter(|f| pick(f));
    let first = found.next();
    if let Some(second) = found.next() {
        return Err(syn::Error::new(
            second.span,
            format!("only one field can be the {what}"),
        ));
    }
    Ok(first)
}

fn throughput(
    read: &Option<Expr>,
    write: &Option<Expr>,
    span: Span,
) -> syn::Result<Option<TokenStream2>> {
    match (read, write) {
        (Some(r), Some(w)) => Ok(Some(quote!(::dynamodb_mapper::Throughput {
            read_capacity_units: #r,
            write_capacity_units: #w,
        }))),
        (None, None) => Ok(None),
        _ => Err(syn::Error::new(
            span,
            "give both read_capacity and write_capacity",
        )),
    }
}

fn expand_model(input: &DeriveInput) -> syn::Result<TokenStream2> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Model)] does not support generic structs: a model is one table's item type",
        ));
    }
    let fields = parse_fields(input, true)?;
    let spec = parse_container(input)?;
    let name = &input.ident;
    let table = spec.table.as_ref().ok_or_else(|| {
        syn::Error::new(
            name.span(),
            "#[derive(Model)] needs #[model(table = \"name\")]",
        )
    })?;

    let hash = single(&fields, |f| f.hash_key, "hash key")?.ok_or_else(|| {
        syn::Error::new(
            name.span(),
            "a model needs a field marked #[model(hash_key)]",
        )
    })?;
    let range = single(&fields, |f| f.range_key, "range key")?;
    check_key_field(hash, "hash key")?;
    if let Some(r) = range {
        check_key_field(r, "range key")?;
        if r.hash_key {
            return Err(syn::Error::new(
                r.span,
                "a field cannot be both the hash key and the range key",
            ));
        }
    }
    let version = single(&fields, |f| f.version, "version attribute")?;
    let ttl = single(&fields, |f| f.ttl, "TTL attribute")?;
    let auto = single(&fields, |f| f.auto_increment, "auto-increment key")?;
    if let Some(a) = auto {
        if !a.hash_key {
            return Err(syn::Error::new(
                a.span,
                "auto_increment applies to the hash key: add hash_key",
            ));
        }
        if let Some(r) = range {
            return Err(syn::Error::new(
                r.span,
                "an auto-increment hash key cannot be combined with a range key: items sharing a hash key would share the counter",
            ));
        }
    }
    for f in [version, ttl].into_iter().flatten() {
        if f.hash_key || f.range_key {
            return Err(syn::Error::new(
                f.span,
                "a key attribute cannot also be the version or TTL attribute",
            ));
        }
        if let Some(why) = f.not_plain {
            return Err(syn::Error::new(
                f.span,
                format!("the field `{}` cannot be {why}", f.ident),
            ));
        }
    }

    let hash_attr = key_attribute(hash);
    let key_schema = match range {
        Some(r) => {
            let range_attr = key_attribute(r);
            quote!(::dynamodb_mapper::KeySchema { hash: #hash_attr, range: ::core::option::Option::Some(#range_attr) })
        }
        None => {
            quote!(::dynamodb_mapper::KeySchema { hash: #hash_attr, range: ::core::option::Option::None })
        }
    };

    let mut indexes = Vec::new();
    for index in &spec.indexes {
        let iname = &index.name;
        let range_attr = match &index.range {
            Some(r) => {
                let f = find_field(&fields, r)?;
                check_key_field(f, "index key")?;
                let a = key_attribute(f);
                quote!(::core::option::Option::Some(#a))
            }
            None => quote!(::core::option::Option::None),
        };
        let hash_attr = match &index.hash {
            Some(h) => {
                let f = find_field(&fields, h)?;
                if let Some(why) = f.not_plain {
                    return Err(syn::Error::new(
                        h.span(),
                        format!("an index key cannot be {why}"),
                    ));
                }
                key_attribute(f)
            }
            None => key_attribute(hash),
        };
        let kind = if index.global {
            quote!(::dynamodb_mapper::IndexKind::Global)
        } else {
            quote!(::dynamodb_mapper::IndexKind::Local)
        };
        let projection = &index.projection;
        let tp = match throughput(&index.read, &index.write, index.span)? {
            Some(t) => quote!(::core::option::Option::Some(#t)),
            None => quote!(::core::option::Option::None),
        };
        indexes.push(quote! {
            ::dynamodb_mapper::IndexDefinition {
                name: ::std::string::String::from(#iname),
                kind: #kind,
                key: ::dynamodb_mapper::KeySchema { hash: #hash_attr, range: #range_attr },
                projection: #projection,
                throughput: #tp,
            }
        });
    }
    let billing = match throughput(&spec.read, &spec.write, name.span())? {
        Some(t) => quote!(::dynamodb_mapper::BillingMode::Provisioned(#t)),
        None => quote!(::dynamodb_mapper::BillingMode::PayPerRequest),
    };
    let ttl_attr = match ttl {
        Some(f) => {
            let a = &f.attr;
            quote!(::core::option::Option::Some(::std::string::String::from(#a)))
        }
        None => quote!(::core::option::Option::None),
    };
    let version_attr = match version {
        Some(f) => {
            let a = &f.attr;
            quote!(::core::option::Option::Some(::std::string::String::from(#a)))
        }
        None => quote!(::core::option::Option::None),
    };
    let auto_flag = auto.is_some();
    let attributes = fields
        .iter()
        .filter(|f| f.not_plain.is_none())
        .map(|f| &f.attr);

    let hash_ident = &hash.ident;
    let hash_ty = &hash.ty;
    let hash_name = &hash.attr;
    let to_value = quote!(::dynamodb_mapper::__private::to_value);
    let (key_ty, key_clone, key_item_body, own_key_body) = match range {
        Some(r) => {
            let range_ident = &r.ident;
            let range_ty = &r.ty;
            let range_name = &r.attr;
            (
                quote!((#hash_ty, #range_ty)),
                quote!((::core::clone::Clone::clone(&self.#hash_ident), ::core::clone::Clone::clone(&self.#range_ident))),
                quote! {
                    let mut __item = ::dynamodb_mapper::Item::new();
                    __item.insert(::std::string::String::from(#hash_name), #to_value(&key.0)?);
                    __item.insert(::std::string::String::from(#range_name), #to_value(&key.1)?);
                    ::core::result::Result::Ok(__item)
                },
                quote! {
                    let mut __item = ::dynamodb_mapper::Item::new();
                    __item.insert(::std::string::String::from(#hash_name), #to_value(&self.#hash_ident)?);
                    __item.insert(::std::string::String::from(#range_name), #to_value(&self.#range_ident)?);
                    ::core::result::Result::Ok(__item)
                },
            )
        }
        None => (
            quote!(#hash_ty),
            quote!(::core::clone::Clone::clone(&self.#hash_ident)),
            quote! {
                let mut __item = ::dynamodb_mapper::Item::new();
                __item.insert(::std::string::String::from(#hash_name), #to_value(key)?);
                ::core::result::Result::Ok(__item)
            },
            quote! {
                let mut __item = ::dynamodb_mapper::Item::new();
                __item.insert(::std::string::String::from(#hash_name), #to_value(&self.#hash_ident)?);
                ::core::result::Result::Ok(__item)
            },
        ),
    };

    let version_methods = version.map(|f| {
        let ident = &f.ident;
        let ty = &f.ty;
        let get = quote_spanned!(ty.span()=> <#ty as ::dynamodb_mapper::VersionValue>::get(&self.#ident));
        let set = quote_spanned!(ty.span()=> <#ty as ::dynamodb_mapper::VersionValue>::set(&mut self.#ident, version));
        quote! {
            fn version(&self) -> ::core::option::Option<u64> {
                ::core::option::Option::Some(#get)
            }
            fn set_version(&mut self, version: u64) {
                #set
            }
        }
    });
    let auto_methods = auto.map(|f| {
        let ident = &f.ident;
        let ty = &f.ty;
        let get = quote_spanned!(ty.span()=> <#ty as ::dynamodb_mapper::AutoIncrementKey>::get(&self.#ident));
        let from = quote_spanned!(ty.span()=> <#ty as ::dynamodb_mapper::AutoIncrementKey>::from_counter(value));
        quote! {
            fn auto_increment_key(&self) -> ::core::option::Option<u64> {
                ::core::option::Option::Some(#get)
            }
            fn set_auto_increment_key(&mut self, value: u64) -> bool {
                match #from {
                    ::core::option::Option::Some(v) => {
                        self.#ident = v;
                        true
                    }
                    ::core::option::Option::None => false,
                }
            }
        }
    });

    let validate = expand_validate(input, &fields);
    Ok(quote! {
        #validate

        impl ::dynamodb_mapper::Model for #name {
            type Key = #key_ty;

            fn schema() -> &'static ::dynamodb_mapper::ModelSchema {
                static SCHEMA: ::dynamodb_mapper::__private::OnceLock<::dynamodb_mapper::ModelSchema> =
                    ::dynamodb_mapper::__private::OnceLock::new();
                SCHEMA.get_or_init(|| ::dynamodb_mapper::ModelSchema {
                    table: ::dynamodb_mapper::TableDefinition {
                        name: ::std::string::String::from(#table),
                        key: #key_schema,
                        indexes: ::std::vec![#(#indexes),*],
                        billing: #billing,
                        ttl_attribute: #ttl_attr,
                    },
                    version_attribute: #version_attr,
                    auto_increment: #auto_flag,
                    attributes: ::std::vec![#(::std::string::String::from(#attributes)),*],
                })
            }

            fn key(&self) -> Self::Key {
                #key_clone
            }

            fn key_item(key: &Self::Key) -> ::core::result::Result<::dynamodb_mapper::Item, ::dynamodb_mapper::Error> {
                #key_item_body
            }

            fn own_key_item(&self) -> ::core::result::Result<::dynamodb_mapper::Item, ::dynamodb_mapper::Error> {
                #own_key_body
            }

            #version_methods
            #auto_methods
        }
    })
}
