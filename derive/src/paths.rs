//! Typed attribute paths: the `{Name}Fields` struct, its `Document` impl,
//! and a model's `fields()` function.

use proc_macro2::{Ident, TokenStream as TokenStream2, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::DeriveInput;

use crate::fields::FieldInfo;
use crate::rules::option_inner;

/// `tokens` with every `Self` replaced by `name` (a field type written
/// with `Self` names the struct, not the paths struct it moves into).
fn replace_self(tokens: TokenStream2, name: &Ident) -> TokenStream2 {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(i) if i == "Self" => TokenTree::Ident(name.clone()),
            TokenTree::Group(g) => {
                let mut inner =
                    proc_macro2::Group::new(g.delimiter(), replace_self(g.stream(), name));
                inner.set_span(g.span());
                TokenTree::Group(inner)
            }
            other => other,
        })
        .collect()
}

/// The paths struct and `Document` impl of a struct with these fields
/// (nothing for a generic struct), and for a model its `fields()`.
pub(crate) fn expand_paths(input: &DeriveInput, fields: &[FieldInfo], model: bool) -> TokenStream2 {
    if !input.generics.params.is_empty() {
        return TokenStream2::new();
    }
    let name = &input.ident;
    let vis = &input.vis;
    let paths = format_ident!("{}Fields", name);
    let plain: Vec<&FieldInfo> = fields.iter().filter(|f| f.not_plain.is_none()).collect();
    let struct_doc = format!(
        "Typed paths to the attributes of [`{name}`], one per field: see `dynamodb_mapper::fields`."
    );
    let declared = plain.iter().map(|f| {
        let ident = &f.ident;
        let field_vis = &f.vis;
        let ty = option_inner(&f.ty).unwrap_or(&f.ty);
        let ty = replace_self(ty.to_token_stream(), name);
        let doc = format!("The path of `{}` (attribute `{}`).", f.ident, f.attr);
        quote! {
            #[doc = #doc]
            #field_vis #ident: ::dynamodb_mapper::fields::Field<__Root, #ty>
        }
    });
    let built = plain.iter().map(|f| {
        let ident = &f.ident;
        let attr = &f.attr;
        quote!(#ident: ::dynamodb_mapper::fields::__field(__base, #attr))
    });
    let generics = if model {
        quote!(<__Root = #name>)
    } else {
        quote!(<__Root>)
    };
    let fields_fn = model.then(|| {
        let doc = format!(
            "Typed paths to the attributes of `{name}`: `{name}::fields().field.set(value)`, `.eq(value)`, ..."
        );
        quote! {
            impl #name {
                #[doc = #doc]
                #[allow(dead_code)]
                #vis fn fields() -> #paths<#name> {
                    <Self as ::dynamodb_mapper::fields::Document>::fields_at(::core::option::Option::None)
                }
            }
        }
    });
    quote! {
        #[doc = #struct_doc]
        #[allow(dead_code, non_camel_case_types)]
        #vis struct #paths #generics {
            #(#declared,)*
            __root: ::core::marker::PhantomData<fn() -> __Root>,
        }

        impl ::dynamodb_mapper::fields::Document for #name {
            type Fields<__Root> = #paths<__Root>;

            fn fields_at<__Root>(
                __base: ::core::option::Option<&::dynamodb_mapper::expr::Path>,
            ) -> #paths<__Root> {
                #paths {
                    #(#built,)*
                    __root: ::core::marker::PhantomData,
                }
            }
        }

        #fields_fn
    }
}
