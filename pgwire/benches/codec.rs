//! Codec benchmarks: decoding a Query and encoding 1,000 DataRows.

use std::hint::black_box;
use std::sync::Arc;

use bytes::BytesMut;
use criterion::{Criterion, criterion_group, criterion_main};
use pgwire::codec::{FrontendMessage, Query, decode_frontend};
use pgwire::types::{Column, DataRowEncoder, Formats, Type};

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

criterion_group!(benches, decode_query, encode_rows);
criterion_main!(benches);
