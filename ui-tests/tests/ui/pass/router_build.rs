//! Building routers: routes!, fallback, built-ins, duplicates as errors.
use pgwire::prelude::*;

#[pg_query("SELECT id FROM t WHERE id = $1")]
async fn by_id(id: i64) -> u64 {
    id as u64
}

mod nested {
    use pgwire::pg_query;

    #[pg_query("select id from t where id = $1;")]
    pub async fn same_shape(id: i64) -> u64 {
        id as u64
    }

    #[pg_query("SELECT id FROM t WHERE id = 1")]
    pub async fn literal() -> u64 {
        1
    }
}

/// Compiled out with its route struct.
#[cfg(any())]
#[pg_query("SELECT never FROM t")]
async fn never() {}

struct Engine;

impl QueryHandler for Engine {
    type Statement = String;
    async fn prepare(&self, _: &mut Session, sql: &str, _: &[Option<Type>]) -> PgResult<Prepared<String>> {
        Ok(Prepared::new(sql.to_owned(), vec![], None))
    }
    async fn execute(&self, _: &mut Session, _: &Portal<String>) -> PgResult<Response> {
        Ok(Response::Command(Tag::new("OK")))
    }
}

fn main() {
    let router = Router::new(())
        .routes(routes![by_id, nested::literal])
        .builtins(false)
        .fallback(Engine);
    assert_eq!(router.match_sql("select id from t where id = 1"), Some("literal"));
    assert_eq!(router.match_sql("select id from t where id = 2"), Some("by_id"));
    let dup = Router::new(()).route(by_id {}).try_route(nested::same_shape {});
    let err = dup.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("duplicate route: `by_id`"), "{err}");
}
