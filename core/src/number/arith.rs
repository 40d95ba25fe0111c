//! Exact decimal arithmetic for update expressions (`SET a = a + :v`, `ADD`).

use super::*;

/// `digits × 10^exp` with `digits` a big-endian vector of values 0..=9.
struct Big {
    negative: bool,
    digits: Vec<u8>,
    exp: i64,
}

fn big(n: &Number) -> Big {
    let d = n.decomposed();
    let digits: Vec<u8> = d.digits().map(|c| c - b'0').collect();
    // d1.d2...dn × 10^e == d1d2...dn × 10^(e - n + 1)
    let exp = d.exponent() - digits.len() as i64 + 1;
    Big {
        negative: d.is_negative(),
        digits,
        exp,
    }
}

fn align(a: &Big, exp: i64) -> Vec<u8> {
    let mut v = a.digits.clone();
    v.extend(std::iter::repeat_n(0, (a.exp - exp) as usize));
    v
}

fn cmp_mag(a: &[u8], b: &[u8]) -> Ordering {
    let a = &a[a.iter().position(|&d| d != 0).unwrap_or(a.len())..];
    let b = &b[b.iter().position(|&d| d != 0).unwrap_or(b.len())..];
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len()) + 1;
    let mut out = vec![0u8; n];
    let mut carry = 0;
    for k in 0..n {
        let x = if k < a.len() { a[a.len() - 1 - k] } else { 0 };
        let y = if k < b.len() { b[b.len() - 1 - k] } else { 0 };
        let s = x + y + carry;
        out[n - 1 - k] = s % 10;
        carry = s / 10;
    }
    out
}

/// a - b with |a| >= |b|.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len();
    let mut out = vec![0u8; n];
    let mut borrow = 0i8;
    for k in 0..n {
        let x = a[n - 1 - k] as i8;
        let y = if k < b.len() {
            b[b.len() - 1 - k] as i8
        } else {
            0
        };
        let mut s = x - y - borrow;
        borrow = 0;
        if s < 0 {
            s += 10;
            borrow = 1;
        }
        out[n - 1 - k] = s as u8;
    }
    out
}

pub(super) fn add(a: &Number, b: &Number, negate_b: bool) -> Result<Number, NumberError> {
    let x = big(a);
    let mut y = big(b);
    if negate_b {
        y.negative = !y.negative;
    }
    if x.digits.is_empty() {
        return render(y.negative, &y.digits, y.exp);
    }
    if y.digits.is_empty() {
        return render(x.negative, &x.digits, x.exp);
    }
    let exp = x.exp.min(y.exp);
    let xa = align(&x, exp);
    let ya = align(&y, exp);
    if x.negative == y.negative {
        render(x.negative, &add_mag(&xa, &ya), exp)
    } else {
        match cmp_mag(&xa, &ya) {
            Ordering::Equal => Ok(Number::zero()),
            Ordering::Greater => render(x.negative, &sub_mag(&xa, &ya), exp),
            Ordering::Less => render(y.negative, &sub_mag(&ya, &xa), exp),
        }
    }
}

fn render(negative: bool, digits: &[u8], exp: i64) -> Result<Number, NumberError> {
    let mut s = String::with_capacity(digits.len() + 8);
    if negative {
        s.push('-');
    }
    let start = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
    if start == digits.len() {
        return Ok(Number::zero());
    }
    for &d in &digits[start..] {
        s.push((b'0' + d) as char);
    }
    if exp != 0 {
        s.push('E');
        s.push_str(&exp.to_string());
    }
    Ok(Number::parse(&s)?.canonical())
}
