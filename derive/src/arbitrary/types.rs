//! The strategy of a field from its type alone, read from the type's
//! name: collections of strategies of their elements, and the data
//! model's own rules (finite floats, 38-digit integers, non-empty keys).

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::Type;

use crate::rules::{generic_arg, is_string};

/// `::dynamodb_mapper::__private::proptest`
pub(crate) fn pt() -> TokenStream2 {
    quote!(::dynamodb_mapper::__private::proptest)
}

/// `::dynamodb_mapper::arbitrary`
pub(crate) fn arb() -> TokenStream2 {
    quote!(::dynamodb_mapper::arbitrary)
}

/// The last segment's name of a path type (`Vec` for `std::vec::Vec<T>`).
fn last_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Group(g) => last_name(&g.elem),
        Type::Paren(p) => last_name(&p.elem),
        _ => None,
    }
}

/// True for a type named `Binary` (the mapper's binary type).
pub(crate) fn is_binary(ty: &Type) -> bool {
    last_name(ty).as_deref() == Some("Binary")
}

/// The members' type of a DynamoDB set type (`Set<T>`, `StringSet`,
/// `NumberSet<T>`, `BinarySet`), if `ty` is one.
pub(crate) fn set_member(ty: &Type) -> Option<Type> {
    match last_name(ty)?.as_str() {
        "StringSet" => Some(syn::parse_quote!(::std::string::String)),
        "BinarySet" => Some(syn::parse_quote!(::dynamodb_mapper::Binary)),
        "NumberSet" => Some(
            generic_arg(ty, &["NumberSet"], 0)
                .cloned()
                .unwrap_or_else(|| syn::parse_quote!(::dynamodb_mapper::Number)),
        ),
        "Set" => generic_arg(ty, &["Set"], 0).cloned(),
        _ => None,
    }
}

/// The strategy of a map's keys: non-empty strings for string keys
/// (DynamoDB refuses an empty attribute name), any value otherwise.
pub(crate) fn key_strategy(ty: &Type) -> TokenStream2 {
    if is_string(ty) {
        let arb = arb();
        let pt = pt();
        quote!(#pt::strategy::Strategy::prop_map(#arb::non_empty_string(), ::core::convert::Into::<#ty>::into))
    } else {
        type_strategy(ty, false)
    }
}

/// The default size of a generated collection.
pub(crate) fn default_size() -> TokenStream2 {
    quote!(0usize..=6usize)
}

/// A collection of `ty`'s kind whose elements come from `element`, with
/// `size` elements; `None` when `ty` is not a collection the derive knows.
pub(crate) fn collection(
    ty: &Type,
    element: TokenStream2,
    size: TokenStream2,
) -> Option<TokenStream2> {
    let pt = pt();
    let arb = arb();
    if set_member(ty).is_some() {
        return Some(quote!(#arb::set_of(#element, #size)));
    }
    let name = last_name(ty)?;
    Some(match name.as_str() {
        "Vec" => quote!(#pt::collection::vec(#element, #size)),
        "VecDeque" => quote!(#pt::collection::vec_deque(#element, #size)),
        "BTreeSet" => quote!(#pt::collection::btree_set(#element, #size)),
        "HashSet" => quote!(#pt::collection::hash_set(#element, #size)),
        "BTreeMap" | "HashMap" => {
            let key = key_strategy(generic_arg(ty, &[&name], 0)?);
            if name == "BTreeMap" {
                quote!(#pt::collection::btree_map(#key, #element, #size))
            } else {
                quote!(#pt::collection::hash_map(#key, #element, #size))
            }
        }
        _ => return None,
    })
}

/// What a collection type's strategy draws its elements from: the type
/// of its elements (of a map: of its values).
pub(crate) fn element_of(ty: &Type) -> Option<Type> {
    if let Some(member) = set_member(ty) {
        return Some(member);
    }
    let name = last_name(ty)?;
    match name.as_str() {
        "Vec" | "VecDeque" | "BTreeSet" | "HashSet" => generic_arg(ty, &[&name], 0).cloned(),
        "BTreeMap" | "HashMap" => generic_arg(ty, &[&name], 1).cloned(),
        _ => None,
    }
}

/// The strategy of a value of type `ty` with no rule; `non_empty` for a
/// key (a string or binary key is never empty).
pub(crate) fn type_strategy(ty: &Type, non_empty: bool) -> TokenStream2 {
    let pt = pt();
    let arb = arb();
    if let Type::Tuple(t) = ty {
        let parts = t.elems.iter().map(|e| type_strategy(e, false));
        return quote!((#(#parts,)*));
    }
    if let Some(inner) = generic_arg(ty, &["Option"], 0) {
        let inner = type_strategy(inner, non_empty);
        return quote!(#pt::option::of(#inner));
    }
    if let Some(inner) = generic_arg(ty, &["Box"], 0) {
        let inner = type_strategy(inner, non_empty);
        return quote!(#pt::strategy::Strategy::prop_map(#inner, ::std::boxed::Box::new));
    }
    if let Some(element) = element_of(ty) {
        let element = type_strategy(&element, false);
        let size = if set_member(ty).is_some() {
            quote!(1usize..=6usize)
        } else {
            default_size()
        };
        if let Some(c) = collection(ty, element, size) {
            return c;
        }
    }
    if non_empty && is_string(ty) {
        return quote!(#pt::strategy::Strategy::prop_map(#arb::non_empty_string(), ::core::convert::Into::<#ty>::into));
    }
    if non_empty && is_binary(ty) {
        return quote!(#arb::non_empty_binary());
    }
    match last_name(ty).as_deref() {
        Some("f64") => quote!(#arb::finite_f64()),
        Some("f32") => quote!(#arb::finite_f32()),
        Some("i128") => quote!(#arb::i128_value()),
        Some("u128") => quote!(#arb::u128_value()),
        _ => quote!(#pt::arbitrary::any::<#ty>()),
    }
}
