//! pgwire's value encoders against a real PostgreSQL 15.
//!
//! For each (Rust type, SQL expression) case, PostgreSQL evaluates the expression and sends
//! it once in text (simple query) and once in binary (extended query, tokio-postgres asks
//! for binary results). We decode PostgreSQL's text with `from_text` and its binary with
//! `from_binary`, re-encode each with `encode_text` and `encode_binary` for the column's
//! type, and require byte equality with what PostgreSQL sent. The same is done through the
//! dynamic `Value`. Then a list of non-canonical inputs checks that our text parsing reads
//! them as PostgreSQL does, and a list of bad inputs that our errors carry PostgreSQL's
//! SQLSTATE and message.

#[path = "../../tests/tests/support/pg.rs"]
mod pg;

use std::error::Error;

use bytes::BytesMut;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use pgwire::types::{FromPgValue, Interval, IsNull, Numeric, ToPgValue, Type, Value};
use postgres_types::{
    Date as PgDate, FromSql, IsNull as SqlIsNull, Timestamp as PgTimestamp, ToSql, to_sql_checked,
};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};
use uuid::Uuid;

/// Any binary value, as sent.
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// What PostgreSQL sent for one expression.
struct Fetched {
    ty: Type,
    text: Option<String>,
    binary: Option<Vec<u8>>,
}

async fn fetch(client: &Client, expr: &str) -> Result<Fetched, String> {
    let sql = format!("SELECT {expr}");
    let msgs = client
        .simple_query(&sql)
        .await
        .map_err(|e| format!("{sql}: {e}"))?;
    let text = msgs
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_owned)),
            _ => None,
        })
        .ok_or_else(|| format!("{sql}: no row"))?;
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(|e| format!("{sql}: {e}"))?;
    let row = rows.first().ok_or_else(|| format!("{sql}: no row"))?;
    let ty = row.columns()[0].type_().clone();
    let binary = row
        .try_get::<_, Option<Raw>>(0)
        .map_err(|e| format!("{sql}: {e}"))?
        .map(|r| r.0);
    Ok(Fetched { ty, text, binary })
}

fn show(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => format!("{s:?}"),
        Err(_) => format!("{b:02x?}"),
    }
}

fn encode<T: ToPgValue>(v: &T, ty: Option<&Type>) -> Result<Option<Vec<u8>>, String> {
    let mut b = BytesMut::new();
    let r = match ty {
        None => v.encode_text(&mut b),
        Some(ty) => v.encode_binary(ty, &mut b),
    };
    match r.map_err(|e| e.to_string())? {
        IsNull::Yes => Ok(None),
        IsNull::No => Ok(Some(b.to_vec())),
    }
}

/// Decodes PostgreSQL's text and binary as `T` and checks that both re-encode to exactly
/// what PostgreSQL sent, in both formats.
fn check<T: FromPgValue + ToPgValue>(f: &Fetched) -> Result<(), String> {
    let ty = &f.ty;
    let from_text = match &f.text {
        Some(t) => T::from_text(ty, t.as_bytes()),
        None => T::from_null(ty),
    }
    .map_err(|e| format!("from_text: {e}"))?;
    let from_binary = match &f.binary {
        Some(b) => T::from_binary(ty, b),
        None => T::from_null(ty),
    }
    .map_err(|e| format!("from_binary: {e}"))?;
    let want_text = f.text.as_ref().map(|t| t.as_bytes().to_vec());
    for (origin, v) in [("text", &from_text), ("binary", &from_binary)] {
        let t = encode(v, None)?;
        if t != want_text {
            return Err(format!(
                "decoded from {origin}, encode_text gave {} instead of {}",
                t.as_deref().map_or("NULL".into(), show),
                want_text.as_deref().map_or("NULL".into(), show)
            ));
        }
        let b = encode(v, Some(ty))?;
        if b != f.binary {
            return Err(format!(
                "decoded from {origin}, encode_binary gave {} instead of {}",
                b.as_deref().map_or("NULL".into(), show),
                f.binary.as_deref().map_or("NULL".into(), show)
            ));
        }
    }
    Ok(())
}

type Check = fn(&Fetched) -> Result<(), String>;

/// (checker for the typed Rust value, also check through `Value`, SQL expression)
fn cases() -> Vec<(Check, bool, &'static str)> {
    macro_rules! cases {
        ($($t:ty, $value:expr, $sql:literal;)*) => {
            vec![$((check::<$t> as Check, $value, $sql)),*]
        };
    }
    cases! {
        // boolean
        bool, true, "true";
        bool, true, "'f'::bool";
        Option<bool>, true, "NULL::bool";
        // integers
        i16, true, "0::int2";
        i16, true, "'-32768'::int2";
        i16, true, "32767::int2";
        i32, true, "'-2147483648'::int4";
        i32, true, "2147483647::int4";
        i32, true, "42";
        Option<i32>, true, "NULL::int4";
        i64, true, "'-9223372036854775808'::int8";
        i64, true, "'9223372036854775807'::int8";
        i64, true, "0::int8";
        u32, true, "4294967295::oid";
        u32, true, "0::oid";
        i8, true, "'a'::\"char\"";
        i8, true, "'\\377'::\"char\"";
        // real
        f32, true, "'3.4028235e+38'::float4";
        f32, true, "'-0'::float4";
        f32, true, "'1e-45'::float4";
        f32, true, "'1.1754944e-38'::float4";
        f32, true, "'NaN'::float4";
        f32, true, "'-Infinity'::float4";
        f32, true, "'0.1'::float4";
        f32, true, "'1e6'::float4";
        f32, true, "'123456'::float4";
        f32, true, "'0.0001'::float4";
        f32, true, "'0.00001'::float4";
        // double precision
        f64, true, "'1e21'::float8";
        f64, true, "'1.5e-7'::float8";
        f64, true, "'0.1'::float8";
        f64, true, "0.1::float8 + 0.2::float8";
        f64, true, "'-0'::float8";
        f64, true, "'Infinity'::float8";
        f64, true, "'NaN'::float8";
        f64, true, "'1.7976931348623157e308'::float8";
        f64, true, "'5e-324'::float8";
        f64, true, "'2.2250738585072014e-308'::float8";
        f64, true, "'123456789012345'::float8";
        f64, true, "'1e15'::float8";
        f64, true, "'0.0001'::float8";
        f64, true, "'0.00001'::float8";
        f64, true, "pi()";
        f64, true, "'-1.5'::float8";
        // numeric
        Numeric, true, "'0'::numeric";
        Numeric, true, "'-0.00'::numeric";
        Numeric, true, "'1.50'::numeric";
        Numeric, true, "'12345.678'::numeric";
        Numeric, true, "'-123456789012345678901234567890.123456789'::numeric";
        Numeric, true, "'NaN'::numeric";
        Numeric, true, "'Infinity'::numeric";
        Numeric, true, "'-Infinity'::numeric";
        Numeric, true, "'1e-20'::numeric";
        Numeric, true, "'1e20'::numeric";
        Numeric, true, "'0.00001'::numeric";
        Numeric, true, "10000::numeric";
        Numeric, true, "'99999999.99999999'::numeric";
        Numeric, true, "1::numeric / 3";
        // character types
        String, true, "'hello'::text";
        String, true, "''::text";
        String, true, "'ünïcödé ✓'::text";
        String, true, "E'tab\\there\\nnewline'::text";
        String, true, "'x'::varchar(5)";
        String, true, "'ab'::char(4)";
        String, true, "'nm'::name";
        String, true, "'untyped'";
        // bytea
        Vec<u8>, true, "'\\x0102ff'::bytea";
        Vec<u8>, true, "''::bytea";
        Vec<u8>, true, "convert_to('päx', 'UTF8')";
        // date
        NaiveDate, true, "'2024-01-02'::date";
        NaiveDate, true, "'0044-03-15 BC'::date";
        NaiveDate, true, "'4713-11-24 BC'::date";
        NaiveDate, true, "'0001-01-01'::date";
        NaiveDate, true, "'2000-02-29'::date";
        NaiveDate, true, "'200000-01-01'::date";
        PgDate<NaiveDate>, false, "'infinity'::date";
        PgDate<NaiveDate>, false, "'-infinity'::date";
        // time
        NaiveTime, true, "'03:04:05'::time";
        NaiveTime, true, "'03:04:05.123456'::time";
        NaiveTime, true, "'23:59:59.999999'::time";
        NaiveTime, true, "'00:00:00'::time";
        NaiveTime, true, "'12:00:00.5'::time";
        // timestamp
        NaiveDateTime, true, "'2024-01-02 03:04:05.123'::timestamp";
        NaiveDateTime, true, "'0044-03-15 12:00:00 BC'::timestamp";
        NaiveDateTime, true, "'1999-12-31 23:59:59.999999'::timestamp";
        NaiveDateTime, true, "'2000-01-01 00:00:00'::timestamp";
        NaiveDateTime, true, "'200000-01-01 00:00:00.000001'::timestamp";
        NaiveDateTime, true, "'4713-11-24 00:00:00 BC'::timestamp";
        PgTimestamp<NaiveDateTime>, false, "'infinity'::timestamp";
        PgTimestamp<NaiveDateTime>, false, "'-infinity'::timestamp";
        PgTimestamp<NaiveDateTime>, false, "'2024-01-02 03:04:05'::timestamp";
        // timestamptz
        DateTime<Utc>, true, "'2024-01-02 03:04:05.123456+00'::timestamptz";
        DateTime<Utc>, true, "'2024-01-02 03:04:05+05:30'::timestamptz";
        DateTime<FixedOffset>, true, "'2024-01-02 03:04:05-08'::timestamptz";
        DateTime<Utc>, true, "'0044-03-15 12:00:00+00 BC'::timestamptz";
        DateTime<Utc>, true, "'1970-01-01 00:00:00+00'::timestamptz";
        PgTimestamp<DateTime<Utc>>, false, "'infinity'::timestamptz";
        PgTimestamp<DateTime<Utc>>, false, "'-infinity'::timestamptz";
        // interval
        Interval, true, "'1 year 2 mons 3 days 04:05:06.789'::interval";
        Interval, true, "'-1 second'::interval";
        Interval, true, "'0'::interval";
        Interval, true, "'-1 days +02:00:00'::interval";
        Interval, true, "'1 mon'::interval";
        Interval, true, "'-13 months 1 day'::interval";
        Interval, true, "'100 hours'::interval";
        Interval, true, "'0.5 seconds'::interval";
        Interval, true, "'-1 year -2 mons +3 days -04:05:06'::interval";
        Interval, true, "'178956970 years 7 mons 2147483647 days 2562047788:00:54.775807'::interval";
        Interval, true, "'-178956970 years -8 mons -2147483648 days -2562047788:00:54.775807'::interval";
        // uuid
        Uuid, true, "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid";
        Uuid, true, "'00000000-0000-0000-0000-000000000000'::uuid";
        // json, jsonb
        String, true, "'{\"b\":1,  \"a\":[1,2]}'::json";
        serde_json::Value, true, "'{\"b\": [1, 2], \"a\": 1, \"aa\": null}'::jsonb";
        serde_json::Value, true, "'{\"a\": {\"c\": 1.5, \"b\": true}, \"\": \"x\"}'::jsonb";
        serde_json::Value, true, "'\"str\\n\\u0001\\\"\"'::jsonb";
        serde_json::Value, true, "'[]'::jsonb";
        serde_json::Value, true, "'{}'::jsonb";
        serde_json::Value, true, "'12'::jsonb";
        serde_json::Value, true, "'-3.25'::jsonb";
        serde_json::Value, true, "'null'::jsonb";
        String, true, "'{\"b\":1,\"a\":2}'::jsonb";
        // arrays
        Vec<Option<i32>>, true, "ARRAY[1, 2, NULL]::int4[]";
        Vec<i32>, true, "'{}'::int4[]";
        Vec<i16>, true, "ARRAY[1::int2, -2::int2]";
        Vec<Option<i64>>, true, "ARRAY[NULL, 9223372036854775807]::int8[]";
        Vec<String>, true, "ARRAY['a', '', 'NULL', 'null', 'b c', 'x\"y', 'p\\q', '{}', 'a,b', 'é']";
        Vec<Option<String>>, true, "'{\"\",NULL}'::varchar[]";
        Vec<String>, true, "ARRAY['x'::name]";
        Vec<Option<f64>>, true, "ARRAY[1.5, NULL, 'NaN', '-0', '1e21']::float8[]";
        Vec<f32>, true, "ARRAY['3.4028235e+38'::float4]";
        Vec<bool>, true, "ARRAY[true, false]";
        Vec<Vec<u8>>, true, "ARRAY['\\x01'::bytea, '\\x'::bytea]";
        Vec<NaiveDate>, true, "ARRAY['2024-01-02'::date, '0044-03-15 BC']";
        Vec<NaiveTime>, true, "ARRAY['03:04:05.5'::time]";
        Vec<NaiveDateTime>, true, "ARRAY['2024-01-02 03:04:05.5'::timestamp]";
        Vec<DateTime<Utc>>, true, "ARRAY['2024-01-02 03:04:05.5+00'::timestamptz]";
        Vec<Numeric>, true, "ARRAY['1.50'::numeric, 'NaN', '-0.001']";
        Vec<Interval>, true, "ARRAY['1 day'::interval, '-00:00:01']";
        Vec<serde_json::Value>, true, "ARRAY['{\"a\": 1, \"b\": \"x y\"}'::jsonb]";
        Vec<String>, true, "ARRAY['{\"a\":1}'::json]";
        Vec<Uuid>, true, "ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid]";
        Vec<u32>, true, "ARRAY[1::oid, 4294967295::oid]";
        Vec<Option<bool>>, true, "ARRAY[NULL::bool]";
    }
}

/// (type, non-canonical input): our parse must print what PostgreSQL prints for it.
const INPUTS: &[(&str, &str)] = &[
    ("int4", " 42 "),
    ("int4", "+7"),
    ("int8", "-0"),
    ("float8", "1e3"),
    ("float8", " -inf"),
    ("float8", ".5"),
    ("float4", "1.00000001"),
    ("bool", "yes"),
    ("bool", "  t"),
    ("bool", "OFF"),
    ("bool", "1"),
    ("numeric", "  1.5E+2 "),
    ("numeric", "-inf"),
    ("numeric", "007.10"),
    ("numeric", "1.5e-7"),
    ("bytea", "\\x01 02"),
    ("bytea", "abc\\\\\\001"),
    ("date", "2024-01-02 03:04:05"),
    ("date", "0044-03-15 bc"),
    ("time", "03:04"),
    ("time", "3:04:05.1234567"),
    ("timestamp", "2024-01-02T03:04:05"),
    ("timestamp", "2024-01-02"),
    ("timestamp", "2024-01-02 24:00:00"),
    ("timestamp", "2024-01-02 03:04:05+02"),
    ("timestamptz", "2024-01-02T03:04:05Z"),
    ("timestamptz", "2024-01-02 03:04:05-08"),
    ("timestamptz", "2024-01-02 03:04:05 +0530"),
    ("timestamptz", "2024-01-02"),
    ("interval", "1 day 2 hours"),
    ("interval", "P1DT2H"),
    ("interval", "P1Y2M3DT4H5M6.5S"),
    ("interval", "@ 1 hour ago"),
    ("interval", "1.5 years"),
    ("interval", "1.5 days"),
    ("interval", "1 02:03:04"),
    ("interval", "01:02:03"),
    ("interval", "2 weeks"),
    ("interval", "5"),
    ("interval", "-1 day +02:00:00"),
    ("uuid", "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"),
    ("uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11"),
    ("jsonb", " {\"b\":1, \"a\" : [true,null]} "),
    ("int4[]", "{1, 2 ,NULL}"),
    ("int4[]", "[1:2]={3,4}"),
    ("text[]", "{\"a b\",c , d\\ e,\"NULL\",nUlL}"),
    ("text[]", "{}"),
];

/// (type, bad input): our error must carry PostgreSQL's SQLSTATE and message.
const BAD: &[(&str, &str)] = &[
    ("int4", "abc"),
    ("int4", "99999999999"),
    ("int2", "40000"),
    ("int8", "99999999999999999999"),
    ("int4", "1.5"),
    ("float8", "1e999"),
    ("float8", "x"),
    ("float4", "1e39"),
    ("bool", "maybe"),
    ("numeric", "abc"),
    ("date", "2024-13-01"),
    ("date", "x"),
    ("timestamp", "2024-01-02 25:00:00"),
    ("timestamptz", "nope"),
    ("interval", "x"),
    ("interval", "1 fortnight"),
    ("uuid", "nope"),
    ("bytea", "\\x0g"),
    ("bytea", "\\x012"),
    ("int4[]", "{1,2"),
    ("int4[]", "{1,x}"),
];

#[tokio::test(flavor = "current_thread")]
async fn types_match_postgres() {
    if !pg::pg_available() {
        eprintln!("skipping types_vs_postgres: PostgreSQL 15 binaries not found");
        return;
    }
    let server = pg::PgServer::start(pg::PgOptions::default()).expect("start PostgreSQL");
    let (client, conn) = tokio_postgres::connect(&server.url("postgres"), NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
        .batch_execute(
            "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; \
             SET IntervalStyle = 'postgres'; SET extra_float_digits = 1",
        )
        .await
        .unwrap();

    let mut failures = random_values(&client).await;
    let cases = cases();
    assert!(cases.len() >= 80, "{} cases", cases.len());
    for (check_typed, check_value, expr) in &cases {
        let f = match fetch(&client, expr).await {
            Ok(f) => f,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if let Err(e) = check_typed(&f) {
            failures.push(format!("{expr} ({}): {e}", f.ty));
        }
        if *check_value {
            if let Err(e) = check::<Value>(&f) {
                failures.push(format!("{expr} ({}) as Value: {e}", f.ty));
            }
        }
    }

    for (ty, input) in INPUTS {
        let expr = format!("'{}'::{ty}", input.replace('\'', "''"));
        let f = match fetch(&client, &expr).await {
            Ok(f) => f,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let text = f.text.unwrap_or_default();
        match Value::from_text(&f.ty, input.as_bytes()) {
            Ok(v) => {
                let got = encode(&v, None).unwrap_or_default().unwrap_or_default();
                if got != text.as_bytes() {
                    failures.push(format!(
                        "input {expr}: we print {} where PostgreSQL prints {text:?}",
                        show(&got)
                    ));
                }
            }
            Err(e) => failures.push(format!("input {expr}: we reject it: {e}")),
        }
    }

    for (ty, input) in BAD {
        let expr = format!("'{}'::{ty}", input.replace('\'', "''"));
        let sql = format!("SELECT {expr}");
        let pg_err = match client.simple_query(&sql).await {
            Ok(_) => {
                failures.push(format!("bad input {expr}: PostgreSQL accepted it"));
                continue;
            }
            Err(e) => e.as_db_error().cloned().expect("a database error"),
        };
        let f_ty = {
            let stmt = client.prepare(&format!("SELECT NULL::{ty}")).await.unwrap();
            stmt.columns()[0].type_().clone()
        };
        match Value::from_text(&f_ty, input.as_bytes()) {
            Ok(v) => failures.push(format!("bad input {expr}: we accept it as {v:?}")),
            Err(e) => {
                if e.code.code() != pg_err.code().code() || e.message != pg_err.message() {
                    failures.push(format!(
                        "bad input {expr}: we say {} {:?}, PostgreSQL says {} {:?}",
                        e.code,
                        e.message,
                        pg_err.code().code(),
                        pg_err.message()
                    ));
                }
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} checks differ from PostgreSQL:\n{}",
        failures.len(),
        cases.len() * 2 + INPUTS.len() + BAD.len() + RANDOM_CHECKS,
        failures.join("\n")
    );
}

/// Sends a value through pgwire's own binary encoder (for the parameter's type).
#[derive(Debug)]
struct Ours<T>(T);

impl<T: ToPgValue + std::fmt::Debug> ToSql for Ours<T> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<SqlIsNull, Box<dyn Error + Sync + Send>> {
        match self.0.encode_binary(ty, out)? {
            IsNull::Yes => Ok(SqlIsNull::Yes),
            IsNull::No => Ok(SqlIsNull::No),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

/// splitmix64: a fixed-seed generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64 + 1) as i64
    }
}

/// A random JSON document: objects with awkward keys (lengths, escapes, non-ASCII,
/// duplicates after sorting), numbers, strings, nesting.
fn random_json(rng: &mut Rng, depth: u32) -> serde_json::Value {
    use serde_json::Value as J;
    const KEYS: &[&str] = &[
        "a", "b", "aa", "ab", "B", "é", "", "key", "k\"q", "tab\t", "\u{1}", "zz", "✓",
    ];
    const FLOATS: &[f64] = &[1.5, -0.25, 0.1, 1e21, 1e-7, 123456.789, -3.0e-10];
    match rng.below(if depth == 0 { 5 } else { 7 }) {
        0 => J::Null,
        1 => J::Bool(rng.below(2) == 0),
        2 => J::from((rng.next() as i64) >> rng.below(64)),
        3 => J::from(FLOATS[rng.below(FLOATS.len() as u64) as usize]),
        4 => {
            J::String(KEYS[rng.below(KEYS.len() as u64) as usize].repeat(rng.below(3) as usize + 1))
        }
        5 => J::Array(
            (0..rng.below(4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => J::Object(
            (0..rng.below(5))
                .map(|_| {
                    let k = KEYS[rng.below(KEYS.len() as u64) as usize].to_owned();
                    (k, random_json(rng, depth - 1))
                })
                .collect(),
        ),
    }
}

/// Values per random batch (`PGWIRE_TYPES_N` overrides; `PGWIRE_TYPES_SEED` picks another
/// seed, for longer hunts than the default run).
fn batch_size() -> usize {
    std::env::var("PGWIRE_TYPES_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}
/// Number of random batches (for the report).
const RANDOM_CHECKS: usize = 12;

/// Sends `values` as one array parameter (our binary array and element encoders), has
/// PostgreSQL print each element as text, and compares with our text output. Returns the
/// differences.
async fn compare_batch<T: ToPgValue + std::fmt::Debug + Sync>(
    client: &Client,
    sql_type: &str,
    values: Vec<T>,
) -> Vec<String> {
    let sql = format!(
        "SELECT x::text FROM unnest($1::{sql_type}[]) WITH ORDINALITY AS u(x, i) ORDER BY i"
    );
    let rows = match client.query(&sql, &[&Ours(&values)]).await {
        Ok(r) => r,
        Err(e) => return vec![format!("random {sql_type}: {e} ({values:?})")],
    };
    let mut out = Vec::new();
    if rows.len() != values.len() {
        out.push(format!(
            "random {sql_type}: {} rows for {} values",
            rows.len(),
            values.len()
        ));
    }
    for (row, v) in rows.iter().zip(&values) {
        let pg: Option<String> = row.get(0);
        let ours = encode(v, None)
            .unwrap_or_else(|e| Some(e.into_bytes()))
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        if ours != pg {
            out.push(format!(
                "random {sql_type} {v:?}: we print {ours:?}, PostgreSQL prints {pg:?}"
            ));
        }
    }
    out.truncate(20);
    out
}

/// Random values of each type, encoded by us in binary, printed by PostgreSQL in text,
/// compared with our text output.
async fn random_values(client: &Client) -> Vec<String> {
    let mut rng = Rng(std::env::var("PGWIRE_TYPES_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_1234_ABCD_0001));
    #[allow(non_snake_case)]
    let N = batch_size();
    let mut failures = Vec::new();

    let floats: Vec<f64> = (0..N)
        .map(|i| match i % 4 {
            // any bit pattern (NaN payloads print as NaN)
            0 => f64::from_bits(rng.next()),
            // "human" magnitudes around the notation switch points
            1 => (rng.range(-999_999, 999_999) as f64) * 10f64.powi(rng.range(-25, 25) as i32),
            2 => rng.range(i64::MIN / 2, i64::MAX / 2) as f64 / 1024.0,
            _ => 1.0 / rng.range(1, 1_000_000) as f64,
        })
        .collect();
    failures.extend(compare_batch(client, "float8", floats).await);

    let floats4: Vec<f32> = (0..N)
        .map(|i| match i % 3 {
            0 => f32::from_bits(rng.next() as u32),
            1 => (rng.range(-99_999, 99_999) as f32) * 10f32.powi(rng.range(-12, 12) as i32),
            _ => rng.range(-20_000_000, 20_000_000) as f32 / 8.0,
        })
        .collect();
    failures.extend(compare_batch(client, "float4", floats4).await);

    let ints: Vec<i64> = (0..N).map(|i| (rng.next() as i64) >> (i % 64)).collect();
    failures.extend(compare_batch(client, "int8", ints).await);

    let numerics: Vec<Numeric> = (0..N)
        .map(|_| {
            let int_digits = rng.below(30) as usize;
            let frac_digits = rng.below(30) as usize;
            let mut s = String::new();
            if rng.below(2) == 0 {
                s.push('-');
            }
            for _ in 0..int_digits.max(1) {
                s.push(char::from(b'0' + rng.below(10) as u8));
            }
            if frac_digits > 0 {
                s.push('.');
                for _ in 0..frac_digits {
                    // runs of zeros exercise group stripping
                    let d = if rng.below(3) == 0 { 0 } else { rng.below(10) };
                    s.push(char::from(b'0' + d as u8));
                }
            }
            s.parse().unwrap()
        })
        .collect();
    failures.extend(compare_batch(client, "numeric", numerics).await);

    let intervals: Vec<Interval> = (0..N)
        .map(|i| {
            let scale = [1, 13, 1000, i64::from(i32::MAX)][i % 4];
            Interval::new(
                rng.range(-scale, scale) as i32,
                rng.range(-scale, scale) as i32,
                match i % 3 {
                    0 => rng.range(-100_000_000_000, 100_000_000_000),
                    1 => rng.range(-2_000_000, 2_000_000),
                    _ => (rng.next() as i64) >> rng.below(64),
                },
            )
        })
        .collect();
    failures.extend(compare_batch(client, "interval", intervals).await);

    // Timestamps across chrono's and PostgreSQL's common range (4713 BC .. 262142 AD).
    let lo = NaiveDate::from_ymd_opt(-4712, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let hi = NaiveDate::from_ymd_opt(262_142, 12, 31)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let span = (hi - lo).num_microseconds().unwrap();
    let stamps: Vec<NaiveDateTime> = (0..N)
        .map(|i| {
            let us = if i % 2 == 0 {
                rng.range(0, span)
            } else {
                // near 2000-01-01 and with short fractions
                (NaiveDate::from_ymd_opt(2000, 1, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
                    - lo)
                    .num_microseconds()
                    .unwrap()
                    + rng.range(-10_000_000_000_000, 10_000_000_000_000) / 1000 * 1000
            };
            lo + chrono::TimeDelta::microseconds(us)
        })
        .collect();
    failures.extend(compare_batch(client, "timestamp", stamps.clone()).await);
    let utc: Vec<DateTime<Utc>> = stamps.iter().map(|t| t.and_utc()).collect();
    failures.extend(compare_batch(client, "timestamptz", utc).await);
    let dates: Vec<NaiveDate> = stamps.iter().map(|t| t.date()).collect();
    failures.extend(compare_batch(client, "date", dates).await);
    let times: Vec<NaiveTime> = stamps.iter().map(|t| t.time()).collect();
    failures.extend(compare_batch(client, "time", times).await);

    let byteas: Vec<Vec<u8>> = (0..N)
        .map(|_| (0..rng.below(12)).map(|_| rng.next() as u8).collect())
        .collect();
    failures.extend(compare_batch(client, "bytea", byteas).await);

    let docs: Vec<serde_json::Value> = (0..N).map(|_| random_json(&mut rng, 3)).collect();
    failures.extend(compare_batch(client, "jsonb", docs).await);

    // Strings as array elements: quoting and escaping of every awkward character.
    const ALPHABET: &[char] = &[
        'a', 'Z', ' ', '\t', '\n', '"', '\\', '{', '}', ',', 'é', 'N', 'U', 'L', '\'', '✓',
    ];
    let strings: Vec<Option<String>> = (0..N)
        .map(|i| {
            if i % 50 == 7 {
                return None;
            }
            if i % 50 == 8 {
                return Some(["NULL", "null", "NuLl"][i % 3].to_owned());
            }
            let len = rng.below(6) as usize;
            Some(
                (0..len)
                    .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize])
                    .collect(),
            )
        })
        .collect();
    // One array of all the strings, printed whole by PostgreSQL.
    let rows = client
        .query("SELECT $1::text[]::text", &[&Ours(&strings)])
        .await;
    match rows {
        Ok(rows) => {
            let pg: String = rows[0].get(0);
            let ours = encode(&strings, None).unwrap().unwrap();
            if ours != pg.as_bytes() {
                failures.push(format!(
                    "random text[]: we print {} where PostgreSQL prints {pg:?}",
                    show(&ours)
                ));
            }
            // and our parser reads PostgreSQL's text back to the same strings
            match Vec::<Option<String>>::from_text(&Type::TEXT_ARRAY, pg.as_bytes()) {
                Ok(back) if back == strings => {}
                other => failures.push(format!("random text[]: parsed back as {other:?}")),
            }
        }
        Err(e) => failures.push(format!("random text[]: {e}")),
    }
    failures
}
