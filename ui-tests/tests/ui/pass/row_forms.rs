//! Every supported shape of #[derive(PgRow)].
use pgwire::types::{ToPgValue, Type};
use pgwire::PgRow;

#[derive(PgRow)]
#[pg(rename_all = "camelCase")]
struct Order {
    order_id: i64,
    #[pg(rename = "customer")]
    customer_name: String,
    note: Option<String>,
    #[pg(skip)]
    _cache: Vec<String>,
    #[pg(ty = "varchar(20)")]
    status: String,
    #[pg(encode_with = cents_to_float)]
    total_cents: i64,
    #[pg(flatten)]
    audit: Audit,
    paid: bool,
    weight: f64,
    quantity: i32,
    blob: Vec<u8>,
}

fn cents_to_float(c: &i64) -> f64 {
    *c as f64 / 100.0
}

#[derive(PgRow)]
struct Audit {
    created_by: String,
    version: i32,
}

#[derive(PgRow)]
struct Pair(i64, #[pg(rename = "label")] String);

#[derive(PgRow)]
struct Wrapper<T> {
    id: i64,
    value: T,
    maybe: Option<T>,
}

#[derive(PgRow)]
struct Borrowed<'a> {
    name: &'a str,
}

#[derive(PgRow)]
struct Unit;

fn names<R: pgwire::router::PgRow>() -> Vec<String> {
    R::columns().iter().map(|c| c.name.clone()).collect()
}

fn main() {
    assert_eq!(
        names::<Order>(),
        [
            "orderId", "customer", "note", "status", "totalCents", "created_by", "version",
            "paid", "weight", "quantity", "blob"
        ]
    );
    let cols = Order::columns();
    assert_eq!(cols[3].ty, Type::VARCHAR);
    assert_eq!(cols[3].type_modifier, 24);
    assert_eq!(cols[4].ty, Type::FLOAT8);
    assert_eq!(names::<Pair>(), ["?column?", "label"]);
    assert_eq!(Wrapper::<bool>::columns()[1].ty, Type::BOOL);
    assert_eq!(Wrapper::<String>::columns()[2].ty, Type::TEXT);
    assert_eq!(names::<Borrowed<'static>>(), ["name"]);
    assert!(Unit::columns().is_empty());
    fn is_value<T: ToPgValue>() {}
    is_value::<Option<String>>();
}
