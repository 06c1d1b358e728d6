//! COPY format benchmarks: decoding and encoding 1,000,000 rows of (int8, text, float8) in
//! text, CSV and binary. Throughput is reported in rows (elements); the benchmark names carry
//! the data size, so MB/s = rows/s × bytes per row.
//!
//! Decoding reads each value as an engine would (`get::<i64>`, `text`, `get::<f64>`) from
//! 64 KiB chunks; encoding writes typed values and takes a batch every 64 KiB.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pgwire::copy::{CHUNK_BYTES, CopyDecoder, CopyEncoder, CopyOptions, Decoded};
use pgwire::types::{Column, Type};

const ROWS: u64 = 1_000_000;

fn columns() -> Arc<[Column]> {
    vec![
        Column::new("id", Type::INT8),
        Column::new("name", Type::TEXT),
        Column::new("price", Type::FLOAT8),
    ]
    .into()
}

/// Row `i`: mostly plain text, every 16th value with characters to escape or quote.
fn name(i: u64, buf: &mut String) -> &str {
    use std::fmt::Write;
    buf.clear();
    if i % 16 == 0 {
        let _ = write!(buf, "tab\there, \"quoted\" {i}");
    } else {
        let _ = write!(buf, "product name {i}");
    }
    buf
}

fn encode(opts: &CopyOptions) -> usize {
    let mut enc = CopyEncoder::new(opts, columns()).unwrap();
    let mut s = String::new();
    let mut bytes = 0;
    for i in 0..ROWS {
        enc.encode_field(&(i as i64)).unwrap();
        enc.encode_field(name(i, &mut s)).unwrap();
        enc.encode_field(&(i as f64 * 1.25)).unwrap();
        enc.end_row().unwrap();
        if enc.pending_bytes() >= CHUNK_BYTES {
            bytes += black_box(enc.take_batch()).payload_len();
        }
    }
    bytes + enc.finish().unwrap().payload_len()
}

fn data(opts: &CopyOptions) -> Vec<bytes::Bytes> {
    let mut enc = CopyEncoder::new(opts, columns()).unwrap();
    let mut s = String::new();
    for i in 0..ROWS {
        enc.encode_field(&(i as i64)).unwrap();
        enc.encode_field(name(i, &mut s)).unwrap();
        enc.encode_field(&(i as f64 * 1.25)).unwrap();
        enc.end_row().unwrap();
    }
    let all = bytes::Bytes::from(enc.finish().unwrap().payload());
    (0..all.len())
        .step_by(64 * 1024)
        .map(|at| all.slice(at..(at + 64 * 1024).min(all.len())))
        .collect()
}

fn decode(opts: &CopyOptions, chunks: &[bytes::Bytes]) -> u64 {
    let mut dec = CopyDecoder::new(opts, "bench", columns()).unwrap();
    let mut chunks = chunks.iter();
    let mut sum = 0i64;
    loop {
        match dec.next_row().unwrap() {
            Decoded::Row(r) => {
                sum = sum.wrapping_add(r.get::<i64>(0).unwrap());
                black_box(r.text(1).unwrap());
                black_box(r.get::<f64>(2).unwrap());
            }
            Decoded::NeedInput => match chunks.next() {
                Some(c) => dec.push(c),
                None => dec.finish(),
            },
            Decoded::End => break,
        }
    }
    black_box(sum);
    dec.rows()
}

fn formats() -> [(&'static str, CopyOptions); 3] {
    [
        ("text", CopyOptions::text()),
        ("csv", CopyOptions::csv()),
        ("binary", CopyOptions::binary()),
    ]
}

fn copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("copy 1M rows (int8, text, float8)");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(ROWS));
    for (label, opts) in formats() {
        let chunks = data(&opts);
        let size: usize = chunks.iter().map(|c| c.len()).sum();
        let mb = size as f64 / 1e6;
        group.bench_function(format!("decode {label} ({mb:.1} MB)"), |b| {
            b.iter(|| assert_eq!(decode(&opts, &chunks), ROWS))
        });
        group.bench_function(format!("encode {label} ({mb:.1} MB)"), |b| {
            b.iter(|| assert_eq!(encode(&opts), size))
        });
    }
    group.finish();
}

criterion_group!(benches, copy);
criterion_main!(benches);
