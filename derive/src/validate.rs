//! The `Validate` impl: one check per rule, with the field's path.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{DeriveInput, Expr};

use crate::fields::FieldInfo;
use crate::rules::{Rule, option_inner};

fn opt(e: &Option<Expr>) -> TokenStream2 {
    match e {
        Some(e) => quote!(::core::option::Option::Some(#e)),
        None => quote!(::core::option::Option::None),
    }
}

fn gen_rules(rules: &[Rule], v: &TokenStream2) -> TokenStream2 {
    let rules_mod = quote!(::dynamodb_mapper::validate::rules);
    let checks = rules.iter().map(|rule| match rule {
        Rule::Range { min, max, .. } => {
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

/// The `Validate` impl of the struct `input` with these fields.
pub(crate) fn expand_validate(input: &DeriveInput, fields: &[FieldInfo]) -> TokenStream2 {
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
