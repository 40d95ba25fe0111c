//! The compact binary encoding of items: the storage format of the
//! emulators, and the body of the opaque cursors of paged reads.
//!
//! A version byte, then each attribute as its name and a tagged value
//! (lengths as varints, numbers as their text). Decoding never panics:
//! corrupt bytes are an error. Neither direction recurses: a value of any
//! depth encodes and decodes on a small, fixed amount of thread stack.

#[cfg(feature = "emulator")]
use std::cell::RefCell;
use std::collections::BTreeMap;
#[cfg(feature = "emulator")]
use std::sync::Arc;

use crate::error::Error;
use crate::number::Number;
use crate::value::{AttributeValue, Item};

/// The item encoding's version, the first byte of every encoded item.
pub const ITEM_FORMAT: u8 = 1;

const T_S: u8 = 0;
const T_N: u8 = 1;
const T_B: u8 = 2;
const T_SS: u8 = 3;
const T_NS: u8 = 4;
const T_BS: u8 = 5;
const T_M: u8 = 6;
const T_L: u8 = 7;
const T_FALSE: u8 = 8;
const T_TRUE: u8 = 9;
const T_NULL: u8 = 10;

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len());
    out.extend_from_slice(b);
}

/// A list or map being encoded: the children still to write.
enum EncodeFrame<'a> {
    L(std::slice::Iter<'a, AttributeValue>),
    M(std::collections::btree_map::Iter<'a, String, AttributeValue>),
}

/// Writes one value's tag and content, or, for a list or map, its tag and
/// length, pushing its children to write next.
fn put_one<'a>(out: &mut Vec<u8>, v: &'a AttributeValue, stack: &mut Vec<EncodeFrame<'a>>) {
    match v {
        AttributeValue::S(s) => {
            out.push(T_S);
            put_bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => {
            out.push(T_N);
            put_bytes(out, n.as_str().as_bytes());
        }
        AttributeValue::B(b) => {
            out.push(T_B);
            put_bytes(out, b);
        }
        AttributeValue::Ss(s) => {
            out.push(T_SS);
            put_varint(out, s.len());
            for m in s {
                put_bytes(out, m.as_bytes());
            }
        }
        AttributeValue::Ns(s) => {
            out.push(T_NS);
            put_varint(out, s.len());
            for m in s {
                put_bytes(out, m.as_str().as_bytes());
            }
        }
        AttributeValue::Bs(s) => {
            out.push(T_BS);
            put_varint(out, s.len());
            for m in s {
                put_bytes(out, m);
            }
        }
        AttributeValue::M(m) => {
            out.push(T_M);
            put_varint(out, m.len());
            // Only leaves in it (the common case): written here, without
            // a frame (nor, for the first one, the stack's allocation).
            if m.values().all(is_leaf) {
                for (k, v) in m {
                    put_bytes(out, k.as_bytes());
                    put_one(out, v, stack);
                }
            } else {
                stack.push(EncodeFrame::M(m.iter()));
            }
        }
        AttributeValue::L(l) => {
            out.push(T_L);
            put_varint(out, l.len());
            if l.iter().all(is_leaf) {
                for v in l {
                    put_one(out, v, stack);
                }
            } else {
                stack.push(EncodeFrame::L(l.iter()));
            }
        }
        AttributeValue::Bool(false) => out.push(T_FALSE),
        AttributeValue::Bool(true) => out.push(T_TRUE),
        AttributeValue::Null => out.push(T_NULL),
    }
}

/// True for a value that is neither a list nor a map: [`put_one`] writes
/// it whole, without a frame.
fn is_leaf(v: &AttributeValue) -> bool {
    !matches!(v, AttributeValue::L(_) | AttributeValue::M(_))
}

/// Writes a value of any depth, without recursion (a list or map of leaves
/// recurses once, to a leaf).
fn put_value(out: &mut Vec<u8>, v: &AttributeValue) {
    let mut stack = Vec::new();
    put_one(out, v, &mut stack);
    while let Some(top) = stack.last_mut() {
        let next = match top {
            EncodeFrame::L(it) => it.next(),
            EncodeFrame::M(it) => it.next().map(|(k, v)| {
                put_bytes(out, k.as_bytes());
                v
            }),
        };
        match next {
            Some(v) => put_one(out, v, &mut stack),
            None => {
                stack.pop();
            }
        }
    }
}

/// Encodes an item.
pub fn encode_item(item: &Item) -> Vec<u8> {
    encode_item_into(item, Vec::with_capacity(64 + item.len() * 16))
}

/// Encodes an item whose [`Item::size`] is known: the buffer is allocated
/// once, of about the encoding's length (the size, plus a tag and lengths
/// per attribute), instead of grown as the encoding goes.
pub fn encode_item_sized(item: &Item, size: usize) -> Vec<u8> {
    encode_item_into(
        item,
        Vec::with_capacity(size + size / 16 + 16 + item.len() * 4),
    )
}

fn encode_item_into(item: &Item, mut out: Vec<u8>) -> Vec<u8> {
    put_item(&mut out, item);
    out
}

fn put_item(out: &mut Vec<u8>, item: &Item) {
    out.push(ITEM_FORMAT);
    put_varint(out, item.len());
    for (k, v) in item.iter() {
        put_bytes(out, k.as_bytes());
        put_value(out, v);
    }
}

/// Encodes an item whose [`Item::size`] is known into one shared
/// allocation of the encoding's exact length (what a store keeps): the
/// encoding is written to this thread's buffer first, so that the result
/// is the only allocation.
#[cfg(feature = "emulator")]
pub(crate) fn encode_item_shared(item: &Item, size: usize) -> Arc<[u8]> {
    shared_bytes(size + size / 16 + 16 + item.len() * 4, |out| {
        put_item(out, item)
    })
}

/// The largest buffer a thread keeps for [`shared_bytes`] between uses (a
/// larger one, for a rare large item, is freed).
#[cfg(feature = "emulator")]
const SCRATCH_KEPT: usize = 64 * 1024;

#[cfg(feature = "emulator")]
thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Bytes that `write` appends to an empty buffer (of `hint` bytes'
/// capacity or more), as one shared allocation of their exact length. The
/// buffer is this thread's, kept between calls (a fresh one when it is
/// not at hand: in use, or the thread ending).
#[cfg(feature = "emulator")]
pub(crate) fn shared_bytes(hint: usize, mut write: impl FnMut(&mut Vec<u8>)) -> Arc<[u8]> {
    let kept = SCRATCH.try_with(|cell| {
        let mut buf = cell.try_borrow_mut().ok()?;
        buf.clear();
        buf.reserve(hint);
        write(&mut buf);
        let shared = Arc::from(&buf[..]);
        if buf.capacity() > SCRATCH_KEPT {
            *buf = Vec::new();
        }
        Some(shared)
    });
    if let Ok(Some(shared)) = kept {
        return shared;
    }
    let mut buf = Vec::with_capacity(hint);
    write(&mut buf);
    Arc::from(buf)
}

/// Bytes that do not decode (what is wrong is said once, for the whole
/// item, by [`decode_item_sized`]): a unit, so that the reader's results
/// stay small.
#[derive(Debug)]
struct Bad;

fn corrupt() -> Bad {
    Bad
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    /// A map (the item or a nested one) repeated a name: the sizes summed
    /// while reading count the dropped values too, so the item's size is
    /// counted again once it is built.
    repeated: bool,
    /// A stretch of `b` known to be UTF-8, starting at `text_at`: strings
    /// and numbers inside it are sliced from it, not validated one by one
    /// (an item's bytes are most often UTF-8 as a whole: tags and short
    /// lengths are ASCII).
    text: &'a str,
    text_at: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Self {
        Reader {
            b,
            i: 0,
            repeated: false,
            text: "",
            text_at: 0,
        }
    }

    fn byte(&mut self) -> Result<u8, Bad> {
        let v = *self.b.get(self.i).ok_or_else(corrupt)?;
        self.i += 1;
        Ok(v)
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<usize, Bad> {
        // Most lengths and counts are below 128: one byte, read in place.
        if let Some(&b) = self.b.get(self.i)
            && b & 0x80 == 0
        {
            self.i += 1;
            return Ok(usize::from(b));
        }
        self.long_varint()
    }

    /// A varint of more than one byte (or none left: an error).
    #[cold]
    #[inline(never)]
    fn long_varint(&mut self) -> Result<usize, Bad> {
        let mut v: usize = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= usize::from(b & 0x7f)
                .checked_shl(shift)
                .ok_or_else(corrupt)?;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt())
    }

    fn bytes(&mut self) -> Result<&'a [u8], Bad> {
        let n = self.varint()?;
        let end = self.i.checked_add(n).ok_or_else(corrupt)?;
        let s = self.b.get(self.i..end).ok_or_else(corrupt)?;
        self.i = end;
        Ok(s)
    }

    /// Text of a length-prefixed string: sliced from the stretch known to
    /// be UTF-8 when it lies inside (the stretch is extended from the
    /// string's start when it does not: each byte is validated about once
    /// per item, not once per string), else validated by itself.
    #[inline(always)]
    fn text(&mut self) -> Result<&'a str, Bad> {
        let bytes = self.bytes()?;
        let (from, to) = (self.i - bytes.len(), self.i);
        if to > self.text_at + self.text.len() || from < self.text_at {
            self.stretch_from(from);
        }
        match self.text.get(from - self.text_at..to - self.text_at) {
            Some(t) => Ok(t),
            None => std::str::from_utf8(bytes).map_err(|_| corrupt()),
        }
    }

    /// Makes the stretch known to be UTF-8 start at `from` and run as far
    /// as the bytes are UTF-8 (out of line: it happens a few times per
    /// item, and [`Reader::text`] is inlined where strings are read).
    #[inline(never)]
    fn stretch_from(&mut self, from: usize) {
        let rest = self.b.get(from..).unwrap_or_default();
        self.text_at = from;
        self.text = match std::str::from_utf8(rest) {
            Ok(t) => t,
            Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default(),
        };
    }

    fn string(&mut self) -> Result<String, Bad> {
        self.text().map(str::to_owned)
    }

    /// A number and its size (one decomposition validates and sizes it).
    fn number(&mut self) -> Result<(Number, usize), Bad> {
        let text = self.text()?;
        Number::parse_sized(text).map_err(|_| corrupt())
    }

    /// A count of elements, bounded by the bytes left (each takes at least one).
    fn count(&mut self) -> Result<usize, Bad> {
        let n = self.varint()?;
        if n > self.b.len() - self.i {
            return Err(corrupt());
        }
        Ok(n)
    }

    /// Reads a value that is not a list or map, after its tag, and its
    /// size as [`AttributeValue::size`] counts it.
    fn leaf(&mut self, tag: u8) -> Result<(AttributeValue, usize), Bad> {
        Ok(match tag {
            T_S => {
                let s = self.string()?;
                let size = s.len();
                (AttributeValue::S(s), size)
            }
            T_N => {
                let (n, size) = self.number()?;
                (AttributeValue::N(n), size)
            }
            T_B => {
                let b = self.bytes()?;
                (AttributeValue::B(b.to_vec()), b.len())
            }
            T_SS => {
                let n = self.count()?;
                let mut v = Vec::with_capacity(n);
                let mut size = 0;
                for _ in 0..n {
                    let s = self.string()?;
                    size += s.len();
                    v.push(s);
                }
                (AttributeValue::Ss(v), size)
            }
            T_NS => {
                let n = self.count()?;
                let mut v = Vec::with_capacity(n);
                let mut size = 0;
                for _ in 0..n {
                    let (m, s) = self.number()?;
                    size += s;
                    v.push(m);
                }
                (AttributeValue::Ns(v), size)
            }
            T_BS => {
                let n = self.count()?;
                let mut v = Vec::with_capacity(n);
                let mut size = 0;
                for _ in 0..n {
                    let b = self.bytes()?;
                    size += b.len();
                    v.push(b.to_vec());
                }
                (AttributeValue::Bs(v), size)
            }
            T_FALSE => (AttributeValue::Bool(false), 1),
            T_TRUE => (AttributeValue::Bool(true), 1),
            T_NULL => (AttributeValue::Null, 1),
            _ => return Err(corrupt()),
        })
    }

    /// Reads a value, which is `donor` itself when both are the same
    /// string, or the same number text (no copy of it is made, and a
    /// number the donor holds is valid: only its size is counted).
    fn donated_value(&mut self, donor: AttributeValue) -> Result<(AttributeValue, usize), Bad> {
        match (&donor, self.b.get(self.i)) {
            (AttributeValue::S(s), Some(&T_S)) => {
                self.i += 1;
                let text = self.text()?;
                let size = text.len();
                Ok((
                    if text == s {
                        donor
                    } else {
                        AttributeValue::S(text.to_owned())
                    },
                    size,
                ))
            }
            (AttributeValue::N(n), Some(&T_N)) => {
                self.i += 1;
                let text = self.text()?;
                if text == n.as_str()
                    && let Some(d) = crate::number::decompose(text)
                {
                    return Ok((donor, d.size()));
                }
                Number::parse_sized(text)
                    .map(|(n, size)| (AttributeValue::N(n), size))
                    .map_err(|_| corrupt())
            }
            _ => self.value(),
        }
    }

    /// Reads a value of any depth, without recursion (lists and maps being
    /// read wait on a heap stack for their elements), and its size.
    #[inline(always)]
    fn value(&mut self) -> Result<(AttributeValue, usize), Bad> {
        // Most values are scalars and sets: read them straight away.
        match self.b.get(self.i) {
            Some(&T_M | &T_L) => {}
            Some(&tag) => {
                self.i += 1;
                return self.leaf(tag);
            }
            None => return Err(corrupt()),
        }
        let mut stack: Vec<DecodeFrame> = Vec::new();
        loop {
            let mut done = match self.byte()? {
                T_M => {
                    let remaining = self.count()?;
                    stack.push(DecodeFrame::M {
                        remaining,
                        out: Vec::with_capacity(remaining.min(1024)),
                        key: None,
                        size: 3,
                    });
                    None
                }
                T_L => {
                    let remaining = self.count()?;
                    stack.push(DecodeFrame::L {
                        remaining,
                        out: Vec::with_capacity(remaining.min(1024)),
                        size: 3,
                    });
                    None
                }
                tag => Some(self.leaf(tag)?),
            };
            // Hand finished values up until a list or map wants another
            // element (then read it), or the outermost value is done.
            loop {
                if let Some(v) = done.take() {
                    match stack.last_mut() {
                        Some(parent) => parent.push(v)?,
                        None => return Ok(v),
                    }
                }
                let Some(top) = stack.last_mut() else {
                    return Err(corrupt());
                };
                match top {
                    DecodeFrame::L { remaining: 0, .. } | DecodeFrame::M { remaining: 0, .. } => {
                        done = stack.pop().map(|f| f.finish(&mut self.repeated));
                    }
                    DecodeFrame::L { remaining, .. } => {
                        *remaining -= 1;
                        break;
                    }
                    DecodeFrame::M { remaining, key, .. } => {
                        *remaining -= 1;
                        *key = Some(self.string()?);
                        break;
                    }
                }
            }
        }
    }
}

/// A list or map being decoded: how many elements are still to read,
/// those read so far, and its size so far.
enum DecodeFrame {
    L {
        remaining: usize,
        out: Vec<AttributeValue>,
        size: usize,
    },
    M {
        remaining: usize,
        /// In the encoding's order, which is key order: the map is built
        /// from them at once, without a search per key.
        out: Vec<(String, AttributeValue)>,
        /// The key of the value being read.
        key: Option<String>,
        size: usize,
    },
}

impl DecodeFrame {
    /// Adds an element and its size (a list's element counts one byte
    /// more, a map's its key's length and one byte more).
    fn push(&mut self, (v, s): (AttributeValue, usize)) -> Result<(), Bad> {
        match self {
            DecodeFrame::L { out, size, .. } => {
                *size += 1 + s;
                out.push(v);
            }
            DecodeFrame::M { out, key, size, .. } => {
                let k = key.take().ok_or_else(corrupt)?;
                *size += 1 + k.len() + s;
                out.push((k, v));
            }
        }
        Ok(())
    }

    /// The value and its size; a map that repeats a key sets `repeated`.
    fn finish(self, repeated: &mut bool) -> (AttributeValue, usize) {
        match self {
            DecodeFrame::L { out, size, .. } => (AttributeValue::L(out), size),
            DecodeFrame::M { out, size, .. } => {
                let n = out.len();
                let m = BTreeMap::from_iter(out);
                *repeated |= m.len() != n;
                (AttributeValue::M(m), size)
            }
        }
    }
}

/// Decodes an item; corrupt bytes give [`Error::Corrupt`] (saying at which
/// byte the encoding stopped making sense), never a panic.
pub fn decode_item(bytes: &[u8]) -> Result<Item, Error> {
    decode_item_sized(bytes).map(|(item, _)| item)
}

/// [`decode_item`], with the item's [`size`](Item::size), counted while
/// decoding (each number is decomposed once, to validate and to size it).
pub fn decode_item_sized(bytes: &[u8]) -> Result<(Item, usize), Error> {
    decode_item_seen(bytes, |_, _| {})
}

/// [`decode_item_sized`], showing `seen` each attribute of the item as it
/// is decoded, in the encoding's order (a repeated name is shown each time;
/// the item keeps its last value): a reader that checks attributes (a
/// stored item's key) does so without a search of the item afterwards.
pub(crate) fn decode_item_seen(
    bytes: &[u8],
    seen: impl FnMut(&str, &AttributeValue),
) -> Result<(Item, usize), Error> {
    decode_item_donated(bytes, &mut [], seen)
}

/// An attribute a reader already holds (a request's key attribute), that
/// the decoded item may take instead of allocating its own copy.
pub(crate) type Donor = Option<(String, AttributeValue)>;

/// [`decode_item_seen`], where an attribute named as one of `donors` takes
/// the donor's name, and its value too when that is the same string (the
/// donor is taken out of the slice): a `GetItem` moves its key's strings
/// into the item it answers instead of copying them from the encoding.
/// The item is what [`decode_item_seen`] gives, donors or none.
pub(crate) fn decode_item_donated(
    bytes: &[u8],
    donors: &mut [Donor],
    mut seen: impl FnMut(&str, &AttributeValue),
) -> Result<(Item, usize), Error> {
    let mut r = Reader::new(bytes);
    read_item(&mut r, donors, &mut seen).map_err(|_| {
        let detail = match bytes.first() {
            None => "it is empty".to_owned(),
            Some(&v) if v != ITEM_FORMAT => {
                format!("its format byte is {v}, not {ITEM_FORMAT}")
            }
            Some(_) => format!(
                "its encoding is damaged at byte {} of {}",
                r.i.min(bytes.len()),
                bytes.len()
            ),
        };
        Error::Corrupt {
            message: format!("an item cannot be decoded: {detail}"),
        }
    })
}

/// The donor of the attribute `name`, taken out of `donors`.
fn take_donor(donors: &mut [Donor], name: &str) -> Donor {
    donors
        .iter_mut()
        .find(|d| d.as_ref().is_some_and(|(n, _)| n == name))?
        .take()
}

fn read_item(
    r: &mut Reader<'_>,
    donors: &mut [Donor],
    seen: &mut impl FnMut(&str, &AttributeValue),
) -> Result<(Item, usize), Bad> {
    if r.byte()? != ITEM_FORMAT {
        return Err(corrupt());
    }
    let n = r.count()?;
    // Attributes come in key order (they were encoded from a map): the map
    // is built from them at once, without a search per key. A repeated
    // name keeps its last value, as inserting one by one would.
    let mut attributes = Vec::with_capacity(n.min(1024));
    let mut size = 0;
    for _ in 0..n {
        let name = r.text()?;
        let (k, (v, s)) = match take_donor(donors, name) {
            None => (name.to_owned(), r.value()?),
            Some((k, donor)) => (k, r.donated_value(donor)?),
        };
        size += k.len() + s;
        seen(&k, &v);
        attributes.push((k, v));
    }
    if r.i != r.b.len() {
        return Err(corrupt());
    }
    let item = Item::from(BTreeMap::from_iter(attributes));
    if r.repeated || item.len() != n {
        size = item.size();
    }
    Ok((item, size))
}

/// The size DynamoDB counts for an encoded item (the [`Item::size`] of what
/// [`decode_item`] gives), read from the encoding without building the
/// item: for a writer that needs no more of the item it replaces. Corrupt
/// bytes are [`Error::Corrupt`].
pub fn encoded_item_size(bytes: &[u8]) -> Result<usize, Error> {
    let mut r = Reader::new(bytes);
    sized_item(&mut r).map_err(|_| Error::Corrupt {
        message: format!(
            "an item cannot be sized: its encoding is damaged at byte {} of {}",
            r.i.min(bytes.len()),
            bytes.len()
        ),
    })
}

fn sized_item(r: &mut Reader<'_>) -> Result<usize, Bad> {
    if r.byte()? != ITEM_FORMAT {
        return Err(corrupt());
    }
    let n = r.count()?;
    let mut total = 0usize;
    // The lists and maps being read: elements left, and whether a map's.
    let mut open: Vec<(usize, bool)> = Vec::new();
    for _ in 0..n {
        total = total.saturating_add(r.bytes()?.len());
        total = total.saturating_add(sized_value(r, &mut open)?);
    }
    if r.i != r.b.len() {
        return Err(corrupt());
    }
    Ok(total)
}

/// The size of one encoded value of any depth, without recursion (as
/// [`AttributeValue::size`] counts it: a list or map 3 bytes, and 1 per
/// element, plus each map key's length).
fn sized_value(r: &mut Reader<'_>, open: &mut Vec<(usize, bool)>) -> Result<usize, Bad> {
    let number = |text: &[u8]| {
        std::str::from_utf8(text)
            .ok()
            .and_then(crate::number::decompose)
            .map(|d| d.size())
            .ok_or_else(corrupt)
    };
    let mut total = 0usize;
    loop {
        let size = match r.byte()? {
            T_S | T_B => r.bytes()?.len(),
            T_N => number(r.bytes()?)?,
            tag @ (T_SS | T_NS | T_BS) => {
                let mut size = 0usize;
                for _ in 0..r.count()? {
                    let m = r.bytes()?;
                    size += if tag == T_NS { number(m)? } else { m.len() };
                }
                size
            }
            T_FALSE | T_TRUE | T_NULL => 1,
            tag @ (T_M | T_L) => {
                open.push((r.count()?, tag == T_M));
                3
            }
            _ => return Err(corrupt()),
        };
        total = total.saturating_add(size);
        // On to the next element of the innermost list or map still open.
        loop {
            let Some((left, is_map)) = open.last_mut() else {
                return Ok(total);
            };
            if *left == 0 {
                open.pop();
                continue;
            }
            *left -= 1;
            let key = if *is_map { r.bytes()?.len() } else { 0 };
            total = total.saturating_add(1 + key);
            break;
        }
    }
}

#[cfg(test)]
mod donated_tests {
    use super::*;
    use crate::Number;

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(text.parse::<Number>().unwrap())
    }

    /// What `GetItem` hands the decoder: the request key's attributes, by
    /// name (number text as the caller wrote it).
    fn donors(attributes: &[(&str, AttributeValue)]) -> Vec<Donor> {
        attributes
            .iter()
            .map(|(name, v)| Some(((*name).to_owned(), v.clone())))
            .collect()
    }

    /// A decoding with donors gives the item and size a plain decoding
    /// gives, whatever the donors hold: the stored text wins where it
    /// differs (another string, a number written otherwise, another type),
    /// and a donor the item does not name is left alone.
    #[test]
    fn donors_never_change_the_item_read() {
        let stored = Item::new()
            .with("pk", "alice")
            .with("sk", n("1"))
            .with("b", AttributeValue::B(vec![1, 2]))
            .with("note", "x".repeat(40));
        let bytes = encode_item(&stored);
        let plain = decode_item(&bytes).unwrap();
        let cases: Vec<Vec<(&str, AttributeValue)>> = vec![
            // The stored key exactly.
            vec![("pk", "alice".into()), ("sk", n("1"))],
            // Equal as numbers, written otherwise: the stored text is kept.
            vec![("pk", "alice".into()), ("sk", n("1.0"))],
            vec![("pk", "alice".into()), ("sk", n("10E-1"))],
            // Another string, another number (as a damaged store could give).
            vec![("pk", "bob".into()), ("sk", n("2"))],
            // Another type under the name.
            vec![("pk", n("7")), ("sk", "1".into())],
            vec![("b", AttributeValue::B(vec![1, 2])), ("note", n("0"))],
            // Names the item does not have.
            vec![("missing", "alice".into()), ("other", n("1"))],
        ];
        for case in cases {
            let mut d = donors(&case);
            let (item, size) = decode_item_donated(&bytes, &mut d, |_, _| {}).unwrap();
            assert_eq!(item, plain, "{case:?}");
            assert_eq!(size, plain.size(), "{case:?}");
            for (name, v) in item.iter() {
                if let AttributeValue::N(got) = v {
                    let AttributeValue::N(want) = &stored[name.as_str()] else {
                        unreachable!("the stored item has a number under {name}");
                    };
                    assert_eq!(got.as_str(), want.as_str(), "{case:?}: the stored text");
                }
            }
            // A donor whose name the item lacks is still there; every
            // other was taken (and its name used) or left for another.
            for (slot, (name, _)) in d.iter().zip(&case) {
                if !stored.contains_key(*name) {
                    assert!(slot.is_some(), "{case:?}: {name} was taken");
                }
            }
        }
    }

    /// A damaged encoding is refused with donors as without.
    #[test]
    fn donors_do_not_hide_a_damaged_encoding() {
        let bytes = encode_item(&Item::new().with("pk", "alice").with("sk", n("1")));
        for cut in 1..bytes.len() {
            let mut d = donors(&[("pk", "alice".into()), ("sk", n("1"))]);
            let donated = decode_item_donated(&bytes[..cut], &mut d, |_, _| {});
            assert_eq!(
                donated.is_err(),
                decode_item(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }
}
