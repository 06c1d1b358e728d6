//! Codec benchmarks: decoding a Query, encoding 1,000 DataRows, and the text encoders of
//! the hot value types (1,000 values each).

use std::hint::black_box;
use std::sync::Arc;

use bytes::BytesMut;
use criterion::{Criterion, criterion_group, criterion_main};
use pgwire::codec::{FrontendMessage, Query, decode_frontend};
use pgwire::types::{Column, DataRowEncoder, Formats, Interval, Numeric, ToPgValue, Type};

fn decode_query(c: &mut Criterion) {
    let mut wire = BytesMut::new();
    FrontendMessage::Query(Query {
        sql: "SELECT id, name, price FROM products WHERE category = 'tools' ORDER BY id LIMIT 100"
            .into(),
    })
    .encode(&mut wire);
    let wire = wire.freeze();
    c.bench_function("decode Query (100 bytes)", |b| {
        b.iter(|| {
            let mut buf = BytesMut::from(&wire[..]);
            black_box(decode_frontend(&mut buf, 1 << 30).unwrap())
        })
    });
}

fn encode_rows(c: &mut Criterion) {
    let columns: Arc<[Column]> = vec![
        Column::new("id", Type::INT8),
        Column::new("name", Type::TEXT),
        Column::new("price", Type::FLOAT8),
    ]
    .into();
    for (label, formats) in [("text", Formats::AllText), ("binary", Formats::AllBinary)] {
        let mut enc = DataRowEncoder::new(columns.clone(), formats);
        c.bench_function(&format!("encode 1000 DataRows ({label})"), |b| {
            b.iter(|| {
                for i in 0..1000i64 {
                    enc.encode_field(&i).unwrap();
                    enc.encode_field("widget").unwrap();
                    enc.encode_field(&(i as f64 * 1.5)).unwrap();
                    enc.end_row().unwrap();
                }
                black_box(enc.take_rows())
            })
        });
    }
}

fn encode_values<T: ToPgValue>(c: &mut Criterion, label: &str, values: &[T]) {
    let mut buf = BytesMut::with_capacity(64 * 1024);
    c.bench_function(&format!("encode_text 1000 {label}"), |b| {
        b.iter(|| {
            buf.clear();
            for v in values {
                v.encode_text(&mut buf).unwrap();
            }
            black_box(buf.len())
        })
    });
    c.bench_function(&format!("encode_binary 1000 {label}"), |b| {
        let ty = match label {
            "int8" => Type::INT8,
            "float8" => Type::FLOAT8,
            "numeric" => Type::NUMERIC,
            "timestamp" => Type::TIMESTAMP,
            "interval" => Type::INTERVAL,
            _ => Type::TEXT_ARRAY,
        };
        b.iter(|| {
            buf.clear();
            for v in values {
                v.encode_binary(&ty, &mut buf).unwrap();
            }
            black_box(buf.len())
        })
    });
}

fn encode_value_types(c: &mut Criterion) {
    let ints: Vec<i64> = (0..1000).map(|i| i * 7919 - 3_000_000).collect();
    encode_values(c, "int8", &ints);
    let floats: Vec<f64> = (0..1000).map(|i| i as f64 * 1.37 + 0.1).collect();
    encode_values(c, "float8", &floats);
    let numerics: Vec<Numeric> = (0..1000)
        .map(|i| format!("{}.{:02}", i * 13, i % 100).parse().unwrap())
        .collect();
    encode_values(c, "numeric", &numerics);
    let base = chrono::NaiveDate::from_ymd_opt(2024, 1, 2)
        .unwrap()
        .and_hms_micro_opt(3, 4, 5, 123_456)
        .unwrap();
    let stamps: Vec<chrono::NaiveDateTime> = (0..1000)
        .map(|i| base + chrono::TimeDelta::seconds(i * 3607))
        .collect();
    encode_values(c, "timestamp", &stamps);
    let intervals: Vec<Interval> = (0..1000)
        .map(|i| Interval::new(i % 30, i % 40, i64::from(i) * 1_234_567))
        .collect();
    encode_values(c, "interval", &intervals);
    let arrays: Vec<Vec<&str>> = (0..1000).map(|_| vec!["a", "b c", "", "NULL"]).collect();
    encode_values(c, "text[]", &arrays);
}

criterion_group!(benches, decode_query, encode_rows, encode_value_types);
criterion_main!(benches);
