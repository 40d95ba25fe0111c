//! A store built as layers over an [`EmulatorBackend`]: requests that no
//! layer has work for are answered by the engine in place
//! ([`EngineStack`], [`emulator_backend!`](crate::emulator_backend)).

use super::{Emulator, EmulatorBackend, Storage};
use crate::backend::{Backend, Layer, Layered, Request};

/// A [`Backend`] that is layers over an [`EmulatorBackend`] (or the
/// engine's backend itself): it can tell when the engine may answer a
/// request in place, without going through the layers' futures.
pub trait EngineStack: Backend {
    /// What the engine keeps its bytes in.
    type Storage: Storage;

    /// The engine, when it may answer `request` itself now: every layer
    /// passes it ([`Layer::passes`]: each would send it on unchanged and
    /// hand back the answer untouched) and the engine's backend would run
    /// it on the caller's thread (it is not a write that awaits the disk).
    /// Asked when the request's future is polled, as the layers are.
    fn in_place(&self, request: &Request) -> Option<&Emulator<Self::Storage>>;
}

impl<S: Storage> EngineStack for EmulatorBackend<S> {
    type Storage = S;

    fn in_place(&self, request: &Request) -> Option<&Emulator<S>> {
        (!self.waits(request)).then(|| &**self.engine())
    }
}

impl<B: EngineStack> EngineStack for std::sync::Arc<B> {
    type Storage = B::Storage;

    fn in_place(&self, request: &Request) -> Option<&Emulator<B::Storage>> {
        (**self).in_place(request)
    }
}

impl<L: Layer, B: EngineStack> EngineStack for Layered<L, B> {
    type Storage = B::Storage;

    fn in_place(&self, request: &Request) -> Option<&Emulator<B::Storage>> {
        if self.layer().passes(request) {
            self.inner().in_place(request)
        } else {
            None
        }
    }
}

/// Implements [`Backend`] for a store that is an [`EngineStack`] (layers
/// over an [`EmulatorBackend`]) reached from `self` by an expression, as
/// [`delegate_backend!`](crate::delegate_backend) forwards to any backend,
/// except that a request no layer has work for is answered by the engine
/// in place: no future per layer, no move of the request through them.
/// Whether it may be is asked when the method's future is polled (as the
/// layers themselves ask), so a future made before a
/// [`Budget`](crate::layers::Budget)'s scope, a tracing subscriber or a
/// fault and polled after it goes through the layers.
///
/// ```
/// use dynamodb_mapper::backend::{Backend, Layered};
/// use dynamodb_mapper::emulator::{Emulator, EmulatorBackend};
/// use dynamodb_mapper::emulator_backend;
/// use dynamodb_mapper::layers::Traced;
/// # use dynamodb_mapper::emulator::Storage;
///
/// /// An emulator over some storage, traced.
/// #[derive(Debug)]
/// struct Store<S: Storage> {
///     stack: Layered<Traced, EmulatorBackend<S>>,
/// }
///
/// emulator_backend!(impl[S: Storage + std::fmt::Debug] for Store<S> => |s| s.stack);
/// ```
#[macro_export]
macro_rules! emulator_backend {
    (impl[$($generics:tt)*] for $ty:ty => |$s:ident| $target:expr) => {
        $crate::delegate_backend!(@with __emulator_in_place; impl[$($generics)*] for $ty => |$s| $target);
    };
}

/// One method of [`emulator_backend!`]: when its future is polled, the
/// request is answered by the engine in place if no layer has work for it,
/// else sent through the stack. `call_polled` is itself polled at once (its
/// contract), so it asks at once.
#[doc(hidden)]
#[macro_export]
macro_rules! __emulator_in_place {
    (|$s:ident| $target:expr, @call_polled) => {
        $crate::__boxed_method!(call_polled(&self, request: $crate::backend::Request) -> $crate::Result<$crate::backend::Response> {
            let $s = self;
            let stack = &$target;
            match $crate::emulator::EngineStack::in_place(stack, &request) {
                Some(engine) => ::std::boxed::Box::pin(::std::future::ready(engine.run(request))),
                None => stack.call_polled(request),
            }
        });
    };
    (|$s:ident| $target:expr, $name:ident($arg:ident: $ty:ty) -> $out:ty, $variant:ident, $into:ident) => {
        $crate::__boxed_method!($name(&self, $arg: $ty) -> $crate::Result<$out> {
            ::std::boxed::Box::pin(async move {
                let $s = self;
                let stack = &$target;
                // `From` the argument: a `TransactWrite` is shared.
                let request = $crate::backend::Request::$variant(::std::convert::From::from($arg));
                match $crate::emulator::EngineStack::in_place(stack, &request) {
                    Some(engine) => engine.run(request),
                    None => stack.call_polled(request).await,
                }?
                .$into($crate::backend::Operation::$variant)
            })
        });
    };
}
