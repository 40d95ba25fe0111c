//! The `Model` impl: the table's schema from the struct's and fields'
//! `#[model(...)]`, key access, and the version and auto-increment hooks.

use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Expr, LitStr};

use crate::container::{IndexSpec, parse_container};
use crate::errors::Errors;
use crate::fields::{FieldInfo, parse_fields};
use crate::paths::expand_paths;
use crate::rules::option_inner;
use crate::validate::expand_validate;

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

/// One index's `IndexDefinition`, its keys looked up among the fields.
fn index_definition(
    index: &IndexSpec,
    fields: &[FieldInfo],
    table_hash: Option<&FieldInfo>,
) -> syn::Result<TokenStream2> {
    let iname = &index.name;
    let range_attr = match &index.range {
        Some(r) => {
            let f = find_field(fields, r)?;
            check_key_field(f, "index key")?;
            let a = key_attribute(f);
            quote!(::core::option::Option::Some(#a))
        }
        None => quote!(::core::option::Option::None),
    };
    let hash_attr = match &index.hash {
        Some(h) => {
            let f = find_field(fields, h)?;
            if let Some(why) = f.not_plain {
                return Err(syn::Error::new(
                    h.span(),
                    format!("an index key cannot be {why}"),
                ));
            }
            key_attribute(f)
        }
        // A local index: the table's hash key (whose absence is reported).
        None => match table_hash {
            Some(h) => key_attribute(h),
            None => TokenStream2::new(),
        },
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
    Ok(quote! {
        ::dynamodb_mapper::IndexDefinition {
            name: ::std::string::String::from(#iname),
            kind: #kind,
            key: ::dynamodb_mapper::KeySchema { hash: #hash_attr, range: #range_attr },
            projection: #projection,
            throughput: #tp,
        }
    })
}

/// The `Model` and `Validate` impls of the struct `input`, or every error
/// found in its attributes.
pub(crate) fn expand_model(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new(
            input.generics.span(),
            "#[derive(Model)] does not support generic structs: a model is one table's item type",
        ));
    }
    let fields = parse_fields(input, true, &errors)?;
    let spec = parse_container(input, &errors);
    let name = &input.ident;
    if spec.table.is_none() {
        errors.push(syn::Error::new(
            name.span(),
            "#[derive(Model)] needs #[model(table = \"name\")]",
        ));
    }

    let hash = errors
        .ok(single(&fields, |f| f.hash_key, "hash key"))
        .flatten();
    if hash.is_none() && !fields.iter().any(|f| f.hash_key) {
        errors.push(syn::Error::new(
            name.span(),
            "a model needs a field marked #[model(hash_key)]",
        ));
    }
    let range = errors
        .ok(single(&fields, |f| f.range_key, "range key"))
        .flatten();
    if let Some(h) = hash {
        errors.ok(check_key_field(h, "hash key"));
    }
    if let Some(r) = range {
        errors.ok(check_key_field(r, "range key"));
        if r.hash_key {
            errors.push(syn::Error::new(
                r.span,
                "a field cannot be both the hash key and the range key",
            ));
        }
    }
    let version = errors
        .ok(single(&fields, |f| f.version, "version attribute"))
        .flatten();
    let ttl = errors
        .ok(single(&fields, |f| f.ttl, "TTL attribute"))
        .flatten();
    let auto = errors
        .ok(single(&fields, |f| f.auto_increment, "auto-increment key"))
        .flatten();
    if let Some(a) = auto {
        if !a.hash_key {
            errors.push(syn::Error::new(
                a.span,
                "auto_increment applies to the hash key: add hash_key",
            ));
        }
        if let Some(r) = range {
            errors.push(syn::Error::new(
                r.span,
                "an auto-increment hash key cannot be combined with a range key: items sharing a hash key would share the counter",
            ));
        }
    }
    for f in [version, ttl].into_iter().flatten() {
        if f.hash_key || f.range_key {
            errors.push(syn::Error::new(
                f.span,
                "a key attribute cannot also be the version or TTL attribute",
            ));
        }
        if let Some(why) = f.not_plain {
            errors.push(syn::Error::new(
                f.span,
                format!("the field `{}` cannot be {why}", f.ident),
            ));
        }
    }

    let mut indexes = Vec::new();
    for index in &spec.indexes {
        if let Some(tokens) = errors.ok(index_definition(index, &fields, hash)) {
            indexes.push(tokens);
        }
    }
    let billing = errors.ok(throughput(&spec.read, &spec.write, name.span()));
    errors.finish()?;
    let (Some(table), Some(hash), Some(billing)) = (&spec.table, hash, billing) else {
        unreachable!("a missing table, hash key or throughput is an error above");
    };

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
    let billing = match billing {
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
    let flattened = fields.iter().any(|f| f.flattened);

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

    let migrations = spec.migrations.as_ref().map(|f| {
        quote! {
            fn migrations() -> ::core::option::Option<&'static ::dynamodb_mapper::migration::Migrations> {
                static MIGRATIONS: ::dynamodb_mapper::__private::OnceLock<::dynamodb_mapper::migration::Migrations> =
                    ::dynamodb_mapper::__private::OnceLock::new();
                ::core::option::Option::Some(MIGRATIONS.get_or_init(#f))
            }
        }
    });
    let validate = expand_validate(input, &fields);
    let paths = expand_paths(input, &fields, true);
    Ok(quote! {
        #validate
        #paths

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
                    flattened: #flattened,
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
            #migrations
        }
    })
}
