//! Every attribute error the derive finds, reported together.
//!
//! A derive that stops at the first mistake makes its user fix them one
//! compile at a time. Each parser here records its error and carries on
//! with the next item; the derive reports them all as one combined
//! `syn::Error` (one diagnostic per mistake, each at its own span).

use std::cell::RefCell;

use proc_macro2::TokenTree;
use syn::Token;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;

/// The errors found so far.
#[derive(Default)]
pub(crate) struct Errors(RefCell<Option<syn::Error>>);

impl Errors {
    /// Records an error.
    pub(crate) fn push(&self, e: syn::Error) {
        let mut slot = self.0.borrow_mut();
        match slot.as_mut() {
            Some(all) => all.combine(e),
            None => *slot = Some(e),
        }
    }

    /// The value of `r`, or `None` after recording its error.
    pub(crate) fn ok<T>(&self, r: syn::Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    /// Every error recorded, combined, if there is one.
    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.0.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Wraps the parser of one item of an attribute's list (`a, b = 1, c(..)`)
/// so that an item's error is recorded and the next item is still parsed.
pub(crate) fn each_item<'e>(
    errors: &'e Errors,
    mut item: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()> + 'e,
) -> impl FnMut(ParseNestedMeta<'_>) -> syn::Result<()> + 'e {
    move |meta| {
        if let Err(e) = item(&meta) {
            errors.push(e);
            skip_to_comma(meta.input)?;
        }
        Ok(())
    }
}

/// Skips what is left of a list item after an error in it.
fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}
