//! The declarative layer's hot paths:
//! * router lookup (normalize a ~100-byte statement, probe the fingerprint map, bind its
//!   literals) with 10 and 1,000 routes: should be flat in the route count;
//! * `#[derive(PgRow)]` encoding of 1,000,000 rows of a 6-field struct against the same
//!   rows written by hand with `DataRowEncoder`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::future::BoxFuture;
use pgwire::router::{Route, RouteCtx, RouteInfo};
use pgwire::types::{DataRowEncoder, Formats, Type};
use pgwire::{PgResult, PgRow, Response, Router, Tag};
use std::hint::black_box;

/// A hand-made route with a generated template (the macro would need 1,000 fns).
struct Bench {
    info: RouteInfo,
}

impl Route<()> for Bench {
    fn info(&self) -> RouteInfo {
        self.info.clone()
    }
    fn call<'a>(&'a self, _ctx: RouteCtx<'a, ()>) -> BoxFuture<'a, PgResult<Response>> {
        Box::pin(async { Ok(Response::Command(Tag::new("SELECT"))) })
    }
}

fn router(n: usize) -> Router<()> {
    let mut r = Router::new(());
    for i in 0..n {
        let sql: &'static str = Box::leak(
            format!(
                "SELECT id, name, price_{i} FROM catalog_{i} WHERE id = $1 AND name = $2 ORDER BY id"
            )
            .into_boxed_str(),
        );
        r = r.route(Bench {
            info: RouteInfo {
                name: "bench",
                sql,
                key: "",
                fingerprint: 0,
                tag: "SELECT",
                param_names: &["id", "name"],
                param_types: vec![Type::INT8, Type::TEXT],
                columns: None,
                location: "bench",
            },
        });
    }
    r
}

fn lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("router_lookup");
    for n in [10usize, 1000] {
        let r = router(n);
        let i = n / 2;
        // ~100 bytes, literals inlined as psql sends them.
        let query = format!(
            "select id, name, price_{i} from catalog_{i} where id = 42 and name = 'O''Brien' order by id"
        );
        assert_eq!(r.match_sql(&query), Some("bench"));
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("{n}_routes_{}_bytes", query.len()), |b| {
            b.iter(|| r.match_sql(black_box(&query)))
        });
        // The router's own share: fingerprint, hash probe, key check, literal binding.
        let shape = pgwire::sql::template::normalize(&query).unwrap();
        g.bench_function(format!("{n}_routes_probe_and_bind"), |b| {
            b.iter_batched_ref(
                || shape.clone(),
                |s| r.match_shape(black_box(s)),
                criterion::BatchSize::SmallInput,
            )
        });
        if n == 10 {
            // The share of the lookup spent normalizing the statement (the shared lexer).
            g.bench_function(format!("normalize_only_{}_bytes", query.len()), |b| {
                b.iter(|| pgwire::sql::template::normalize(black_box(&query)).map(|s| s.key.len()))
            });
        }
    }
    g.finish();
}

#[derive(PgRow, Clone)]
struct Line {
    id: i64,
    title: String,
    author: String,
    year: Option<i32>,
    price: f64,
    in_stock: bool,
}

const ROWS: usize = 1_000_000;

fn lines() -> Vec<Line> {
    (0..ROWS as i64)
        .map(|i| Line {
            id: i,
            title: format!("title {i}"),
            author: "An Author".to_owned(),
            year: (i % 7 != 0).then_some(1900 + (i % 120) as i32),
            price: i as f64 / 100.0,
            in_stock: i % 2 == 0,
        })
        .collect()
}

/// Encodes every row, cutting a batch every 256 rows as the router's row stream does.
fn derived(rows: &[Line], formats: Formats) -> usize {
    let mut enc = DataRowEncoder::new(Line::columns(), formats);
    let mut bytes = 0;
    for (n, row) in rows.iter().enumerate() {
        row.encode_row(&mut enc).unwrap();
        enc.end_row().unwrap();
        if n % 256 == 255 {
            bytes += enc.take_rows().as_bytes().len();
        }
    }
    bytes + enc.take_rows().as_bytes().len()
}

fn by_hand(rows: &[Line], formats: Formats) -> usize {
    let mut enc = DataRowEncoder::new(Line::columns(), formats);
    let mut bytes = 0;
    for (n, row) in rows.iter().enumerate() {
        enc.encode_field(&row.id).unwrap();
        enc.encode_field(&row.title).unwrap();
        enc.encode_field(&row.author).unwrap();
        enc.encode_field(&row.year).unwrap();
        enc.encode_field(&row.price).unwrap();
        enc.encode_field(&row.in_stock).unwrap();
        enc.end_row().unwrap();
        if n % 256 == 255 {
            bytes += enc.take_rows().as_bytes().len();
        }
    }
    bytes + enc.take_rows().as_bytes().len()
}

fn encode(c: &mut Criterion) {
    let rows = lines();
    assert_eq!(
        derived(&rows, Formats::AllText),
        by_hand(&rows, Formats::AllText)
    );
    let mut g = c.benchmark_group("pgrow_encode_1m");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    for (name, formats) in [("text", Formats::AllText), ("binary", Formats::AllBinary)] {
        g.bench_function(format!("derive_{name}"), |b| {
            b.iter(|| derived(black_box(&rows), formats.clone()))
        });
        g.bench_function(format!("by_hand_{name}"), |b| {
            b.iter(|| by_hand(black_box(&rows), formats.clone()))
        });
    }
    g.finish();
}

criterion_group!(benches, lookup, encode);
criterion_main!(benches);
