//! Property tests: every value survives its own text and binary forms (encode, then decode
//! with `from_text` / `from_binary`), for arbitrary values, and parameters decode across
//! compatible types.

use bytes::BytesMut;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta};
use pgwire::types::{
    Formats, FromPgValue, Interval, IsNull, Numeric, Params, ToPgValue, Type, Value,
};
use proptest::prelude::*;

fn text<T: ToPgValue + ?Sized>(v: &T) -> Vec<u8> {
    let mut b = BytesMut::new();
    assert_eq!(v.encode_text(&mut b).unwrap(), IsNull::No);
    b.to_vec()
}

fn binary<T: ToPgValue + ?Sized>(v: &T, ty: &Type) -> Vec<u8> {
    let mut b = BytesMut::new();
    assert_eq!(v.encode_binary(ty, &mut b).unwrap(), IsNull::No);
    b.to_vec()
}

/// Decodes `v`'s text and binary forms as `T` and returns both.
fn both<T: ToPgValue + FromPgValue>(v: &T, ty: &Type) -> (T, T) {
    let t = T::from_text(ty, &text(v))
        .unwrap_or_else(|e| panic!("from_text({}): {e}", String::from_utf8_lossy(&text(v))));
    let b = T::from_binary(ty, &binary(v, ty)).unwrap();
    (t, b)
}

fn timestamp() -> impl Strategy<Value = NaiveDateTime> {
    let lo = NaiveDate::from_ymd_opt(-4712, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let span = 266_000i64 * 365 * 86_400_000_000;
    (0..span).prop_map(move |us| lo + TimeDelta::microseconds(us))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn float8_text_reads_back_exactly(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        let (t, b) = both(&v, &Type::FLOAT8);
        if v.is_nan() {
            prop_assert!(t.is_nan() && b.is_nan());
        } else {
            prop_assert_eq!(t.to_bits(), bits);
            prop_assert_eq!(b.to_bits(), bits);
        }
    }

    #[test]
    fn float4_text_reads_back_exactly(bits in any::<u32>()) {
        let v = f32::from_bits(bits);
        let (t, b) = both(&v, &Type::FLOAT4);
        if v.is_nan() {
            prop_assert!(t.is_nan() && b.is_nan());
        } else {
            prop_assert_eq!(t.to_bits(), bits);
            prop_assert_eq!(b.to_bits(), bits);
        }
    }

    #[test]
    fn integers(v in any::<i64>(), w in any::<i16>(), o in any::<u32>()) {
        prop_assert_eq!(both(&v, &Type::INT8), (v, v));
        prop_assert_eq!(both(&w, &Type::INT2), (w, w));
        prop_assert_eq!(both(&o, &Type::OID), (o, o));
        // widening into an int8 column and reading back as the narrow type
        prop_assert_eq!(i16::from_binary(&Type::INT8, &binary(&w, &Type::INT8)).unwrap(), w);
    }

    #[test]
    fn numeric(neg in any::<bool>(), int in "[0-9]{0,40}", frac in "[0-9]{0,40}", exp in -60i32..60) {
        let s = format!("{}{}{}{}e{exp}", if neg { "-" } else { "" }, if int.is_empty() { "0" } else { &int }, if frac.is_empty() { "" } else { "." }, frac);
        let n: Numeric = s.parse().unwrap();
        // canonical text is a fixed point of parsing
        prop_assert_eq!(n.as_str().parse::<Numeric>().unwrap(), n.clone());
        prop_assert_eq!(both(&n, &Type::NUMERIC), (n.clone(), n.clone()));
        // and means the same number
        let f: f64 = s.parse().unwrap();
        let g = n.to_f64();
        prop_assert!(f == g || (f - g).abs() <= f.abs() * 1e-15, "{} vs {}", f, g);
    }

    #[test]
    fn interval(m in any::<i32>(), d in any::<i32>(), us in any::<i64>()) {
        let v = Interval::new(m, d, us);
        prop_assert_eq!(both(&v, &Type::INTERVAL), (v, v));
        prop_assert_eq!(v.to_string().parse::<Interval>().unwrap(), v);
    }

    #[test]
    fn timestamps(ts in timestamp(), off in -15 * 3600i32..=15 * 3600) {
        prop_assert_eq!(both(&ts, &Type::TIMESTAMP), (ts, ts));
        prop_assert_eq!(both(&ts.date(), &Type::DATE), (ts.date(), ts.date()));
        prop_assert_eq!(both(&ts.time(), &Type::TIME), (ts.time(), ts.time()));
        let utc = ts.and_utc();
        prop_assert_eq!(both(&utc, &Type::TIMESTAMPTZ), (utc, utc));
        let fixed: DateTime<FixedOffset> = utc.with_timezone(&FixedOffset::east_opt(off).unwrap());
        let back = DateTime::<FixedOffset>::from_text(&Type::TIMESTAMPTZ, &text(&fixed)).unwrap();
        prop_assert_eq!(back, fixed);
        prop_assert_eq!(back.offset(), fixed.offset());
    }

    #[test]
    fn text_arrays(v in proptest::collection::vec(proptest::option::of(".{0,8}"), 0..8)) {
        prop_assert_eq!(both(&v, &Type::TEXT_ARRAY), (v.clone(), v.clone()));
        let dynamic = Value::from_text(&Type::TEXT_ARRAY, &text(&v)).unwrap();
        prop_assert_eq!(text(&dynamic), text(&v));
    }

    #[test]
    fn bytea(v in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(both(&v, &Type::BYTEA), (v.clone(), v.clone()));
    }

    #[test]
    fn int_arrays(v in proptest::collection::vec(proptest::option::of(any::<i32>()), 0..16)) {
        prop_assert_eq!(both(&v, &Type::INT4_ARRAY), (v.clone(), v.clone()));
        // an int4[] parameter read as int8 elements
        let wide = Vec::<Option<i64>>::from_binary(&Type::INT4_ARRAY, &binary(&v, &Type::INT4_ARRAY)).unwrap();
        prop_assert_eq!(wide, v.iter().map(|x| x.map(i64::from)).collect::<Vec<_>>());
    }
}

#[test]
fn params_decode_across_types() {
    let int4 = 7i32.to_be_bytes().to_vec();
    let p = Params::new(
        vec![Type::INT4, Type::TEXT, Type::UNKNOWN, Type::INT8].into(),
        Formats::PerColumn(
            vec![
                pgwire::types::Format::Binary,
                pgwire::types::Format::Binary,
                pgwire::types::Format::Text,
                pgwire::types::Format::Binary,
            ]
            .into(),
        ),
        vec![
            Some(int4.into()),
            Some("2024-01-02".into()),
            Some("{1,NULL}".into()),
            Some(5_000_000_000i64.to_be_bytes().to_vec().into()),
        ],
    );
    assert_eq!(p.get::<i64>(0).unwrap(), 7);
    assert_eq!(p.get::<String>(0).unwrap(), "7");
    assert_eq!(p.get::<Value>(0).unwrap(), Value::Int4(7));
    assert_eq!(
        p.get::<NaiveDate>(1).unwrap(),
        NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()
    );
    assert_eq!(p.get::<Vec<Option<i16>>>(2).unwrap(), vec![Some(1), None]);
    let e = p.get::<i32>(3).unwrap_err();
    assert_eq!(e.code.code(), "22003");
    assert_eq!(e.message, "integer out of range");
    assert_eq!(e.where_.as_deref(), Some("parameter $4"));
    let e = p.get::<uuid::Uuid>(0).unwrap_err();
    assert_eq!(e.code.code(), "42804");
}

const ALL_TYPES: &[Type] = &[
    Type::BOOL,
    Type::INT2,
    Type::INT4,
    Type::INT8,
    Type::OID,
    Type::CHAR,
    Type::FLOAT4,
    Type::FLOAT8,
    Type::NUMERIC,
    Type::TEXT,
    Type::BYTEA,
    Type::DATE,
    Type::TIME,
    Type::TIMESTAMP,
    Type::TIMESTAMPTZ,
    Type::INTERVAL,
    Type::UUID,
    Type::JSON,
    Type::JSONB,
    Type::INT4_ARRAY,
    Type::TEXT_ARRAY,
    Type::NUMERIC_ARRAY,
    Type::TIMESTAMP_ARRAY,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Peer data never panics a decoder: arbitrary bytes, and strings made of the
    /// characters the text parsers care about.
    #[test]
    fn decoders_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..40),
        s in "[-+0-9:. eEPTYMDHSa-z{}\",\\\\\\[\\]=]{0,40}",
    ) {
        for ty in ALL_TYPES {
            let _ = Value::from_text(ty, &bytes);
            let _ = Value::from_binary(ty, &bytes);
            let _ = Value::from_text(ty, s.as_bytes());
            let _ = Value::from_binary(ty, s.as_bytes());
        }
        let _ = Numeric::from_binary_bytes(&bytes);
        let _ = s.parse::<Interval>();
    }
}
