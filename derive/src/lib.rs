//! Derive macros for `dynamodb-mapper`: `#[derive(Model)]`,
//! `#[derive(Validate)]` and `#[derive(Arbitrary)]`. Use them
//! through the `dynamodb_mapper` crate, which re-exports them and
//! documents their attributes.
//!
//! The code is split by what it reads and what it writes: `fields` reads
//! each field (with `serde_attrs` for the attribute names serde writes
//! and `rules` for `#[validate(...)]`), `container` the struct's
//! `#[model(...)]`; `validate` writes the `Validate` impl and `model`
//! the `Model` impl, `paths` the typed attribute paths, `arbitrary`
//! proptest's `Arbitrary` impl. `errors` gathers every attribute error, so that a
//! user sees them all in one compile.

use proc_macro::TokenStream;
use syn::DeriveInput;

mod arbitrary;
mod container;
mod errors;
mod fields;
mod model;
mod paths;
mod rules;
mod serde_attrs;
mod validate;

/// Implements `Model` (and `Validate`) for a struct; see `dynamodb_mapper::Model`.
#[proc_macro_derive(Model, attributes(model, validate))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match model::expand_model(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Implements `Validate` from `#[validate(...)]` field rules; see `dynamodb_mapper::validate`.
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    let errors = errors::Errors::default();
    let parsed = fields::parse_fields(&input, false, &errors);
    let result = parsed.and_then(|fields| {
        errors.finish()?;
        let validate = validate::expand_validate(&input, &fields);
        let paths = paths::expand_paths(&input, &fields, false);
        Ok(quote::quote!(#validate #paths))
    });
    match result {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Implements proptest's `Arbitrary` for a struct or an enum, respecting
/// the fields' validation rules; see `dynamodb_mapper::arbitrary` (feature
/// `proptest`).
#[proc_macro_derive(Arbitrary, attributes(proptest))]
pub fn derive_arbitrary(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match arbitrary::expand_arbitrary(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
