use super::*;

fn n(s: &str) -> Number {
    Number::parse(s).unwrap()
}

#[test]
fn equal_by_value() {
    assert_eq!(n("1"), n("1.0"));
    assert_eq!(n("1"), n("1e0"));
    assert_eq!(n("100"), n("1E2"));
    assert_eq!(n("0"), n("-0.000"));
    assert_eq!(n("0.001"), n("1e-3"));
    assert_ne!(n("1"), n("1.0000000001"));
}

#[test]
fn ordered_by_value() {
    assert!(n("10") > n("9"));
    assert!(n("-10") < n("-9"));
    assert!(n("-1") < n("0"));
    assert!(n("0") < n("1e-130"));
    assert!(n("0.5") < n("1"));
    assert!(n("1.25") > n("1.2"));
    assert!(n("-1.25") < n("-1.2"));
}

#[test]
fn limits() {
    assert!(Number::parse("12345678901234567890123456789012345678").is_ok());
    assert!(matches!(
        Number::parse("123456789012345678901234567890123456789"),
        Err(NumberError::TooManyDigits { digits: 39, .. })
    ));
    // Leading and trailing zeros are not significant.
    assert!(Number::parse("000012345678901234567890123456789012345678000").is_ok());
    assert!(Number::parse("9.9999999999999999999999999999999999999E+125").is_ok());
    assert!(matches!(
        Number::parse("1E126"),
        Err(NumberError::Overflow(_))
    ));
    assert!(Number::parse("1E-130").is_ok());
    assert!(matches!(
        Number::parse("1E-131"),
        Err(NumberError::Underflow(_))
    ));
    assert!(Number::parse("0E999999999999999999999").is_ok());
    assert!(matches!(
        Number::parse("1e99999999999999999999"),
        Err(NumberError::Overflow(_))
    ));
    for bad in [
        "", "-", "+", ".", "1e", "e5", "1.2.3", " 1", "1 ", "0x10", "NaN", "inf", "1_000",
    ] {
        assert!(
            matches!(Number::parse(bad), Err(NumberError::Syntax(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        Number::from_f64(f64::NAN),
        Err(NumberError::NotFinite(_))
    ));
    assert!(matches!(
        Number::from_f64(f64::INFINITY),
        Err(NumberError::NotFinite(_))
    ));
    assert!(matches!(
        Number::from_f64(1e300),
        Err(NumberError::Overflow(_))
    ));
    assert!(matches!(
        Number::from_f64(1e-300),
        Err(NumberError::Underflow(_))
    ));
    assert!(matches!(
        Number::from_u128(u128::MAX),
        Err(NumberError::TooManyDigits { .. })
    ));
}

#[test]
fn canonical_text() {
    for (input, canonical) in [
        ("1.500", "1.5"),
        ("01", "1"),
        ("-0", "0"),
        ("1e2", "100"),
        ("0.0001E3", "0.1"),
        ("+7", "7"),
        ("-12.340e-3", "-0.01234"),
        (".5", "0.5"),
        ("5.", "5"),
    ] {
        assert_eq!(n(input).canonical().as_str(), canonical, "{input}");
    }
}

#[test]
fn conversions() {
    assert_eq!(n("1e2").to_i64().unwrap(), 100);
    assert_eq!(n("-5.000").to_i64().unwrap(), -5);
    assert!(n("1.5").to_i64().is_err());
    assert!(n("-1").to_u64().is_err());
    assert!(n("1e20").to_i64().is_err());
    assert_eq!(n("1e20").to_u128().unwrap(), 100_000_000_000_000_000_000);
    assert_eq!(Number::from(i64::MIN).to_i64().unwrap(), i64::MIN);
    assert_eq!(n("0.1").to_f64(), 0.1);
}

#[test]
fn arithmetic_is_exact() {
    assert_eq!(n("0.1").checked_add(&n("0.2")).unwrap().as_str(), "0.3");
    assert_eq!(n("1").checked_sub(&n("3")).unwrap().as_str(), "-2");
    assert_eq!(
        n("99999999999999999999999999999999999999")
            .checked_add(&n("1"))
            .unwrap()
            .as_str(),
        "100000000000000000000000000000000000000"
    );
    assert!(n("1e30").checked_add(&n("1e-30")).is_err());
    assert_eq!(n("-1.5").checked_add(&n("1.5")).unwrap().as_str(), "0");
}

#[test]
fn integer_fast_path_agrees_with_the_general_one() {
    for text in [
        "0",
        "00",
        "000",
        "1",
        "2",
        "7",
        "10",
        "100",
        "0010",
        "12345",
        "1000000",
        "0000120300",
        "12345678901234567890123456789012345678",
        "000012345678901234567890123456789012345678000",
    ] {
        assert_eq!(
            decompose_integer(text.as_bytes()),
            decompose_any(text),
            "{text}"
        );
    }
    // Anything but bare digits takes the general path.
    for text in ["", "-1", "+1", "1.5", "1e3", "1E3", ".5", "5.", "1a", " 1"] {
        assert_eq!(decompose_integer(text.as_bytes()), None, "{text}");
    }
}

/// The float fast paths build exactly what parsing ryu's text builds.
#[test]
fn floats_as_parsing_their_text() {
    let mut bits: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut values = vec![
        0.0,
        -0.0,
        1.75,
        -1.75,
        0.1,
        1e-129,
        1e124,
        9.99e123,
        1.01e-129,
        1e-130,
        1e125,
        1e126,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        123456789.125,
        1e16,
        1e15,
        1e-5,
        1e-7,
    ];
    for _ in 0..20_000 {
        // xorshift: any bit pattern, so every exponent is met.
        bits ^= bits << 13;
        bits ^= bits >> 7;
        bits ^= bits << 17;
        values.push(f64::from_bits(bits));
    }
    for v in values {
        let text = ryu::Buffer::new().format(v).to_owned();
        let fast = Number::from_f64(v).map(|n| n.as_str().to_owned());
        if !v.is_finite() {
            assert!(fast.is_err(), "{v}");
            continue;
        }
        let parsed = Number::parse(&text).map(|n| n.as_str().to_owned());
        assert_eq!(fast, parsed, "{v:e}");
        let w = v as f32;
        if w.is_finite() {
            let text = ryu::Buffer::new().format(w).to_owned();
            assert_eq!(
                Number::from_f32(w).map(|n| n.as_str().to_owned()),
                Number::parse(&text).map(|n| n.as_str().to_owned()),
                "{w:e}"
            );
        }
    }
}
