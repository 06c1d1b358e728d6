//! A `Router` in front of another handler, in-process: routes first, then the built-in
//! session statements, then the fallback; literal SQL sent through the extended protocol;
//! cancellation of a running route.

use std::time::Duration;

use pgwire::prelude::*;
use tokio_postgres::{NoTls, SimpleQueryMessage};

#[derive(PgRow)]
struct Greeting {
    hello: String,
    n: i32,
}

#[pg_query("SELECT hello, n FROM greetings WHERE n = $1")]
async fn greet(n: i32) -> Greeting {
    Greeting {
        hello: format!("hello #{n}"),
        n,
    }
}

/// Overrides the built-in `SHOW`: routes come first.
#[pg_query("SHOW server_version")]
async fn custom_version() -> Greeting {
    Greeting {
        hello: "route wins".into(),
        n: 0,
    }
}

/// Waits until the client cancels, then reports it (the runtime has already answered 57014).
#[pg_query("SELECT hello, n FROM slow")]
async fn slow(cancel: Cancellation) -> Greeting {
    cancel.cancelled().await;
    Greeting {
        hello: "cancelled".into(),
        n: -1,
    }
}

/// The "real engine" behind the router: answers anything with one text column.
struct Engine;

impl QueryHandler for Engine {
    type Statement = String;

    async fn prepare(
        &self,
        _: &mut Session,
        sql: &str,
        _: &[Option<Type>],
    ) -> PgResult<Prepared<String>> {
        Ok(Prepared::new(
            sql.to_owned(),
            vec![],
            Some(vec![Column::new("engine", Type::TEXT)].into()),
        ))
    }

    async fn execute(&self, _: &mut Session, portal: &Portal<String>) -> PgResult<Response> {
        let mut enc = portal.encoder();
        enc.encode_field(&format!("engine saw: {}", portal.statement()))?;
        Ok(Response::rows(portal.columns(), vec![enc.finish()?]))
    }
}

async fn start(router: impl QueryHandler) -> u16 {
    let server = Server::builder(router)
        .listen("127.0.0.1:0")
        .bind()
        .await
        .expect("bind");
    let port = server.local_addr().expect("tcp").port();
    tokio::spawn(server.serve());
    port
}

async fn client(port: u16) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={port} user=erin dbname=db"),
        NoTls,
    )
    .await
    .expect("connect");
    tokio::spawn(conn);
    client
}

fn first_values(msgs: &[SimpleQueryMessage]) -> Vec<String> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn routes_then_builtins_then_fallback() {
    let port = start(
        Router::new(())
            .routes(routes![greet, custom_version])
            .fallback(Engine),
    )
    .await;
    let c = client(port).await;
    // A route, through the extended protocol with a client parameter...
    let row = c
        .query_one("SELECT hello, n FROM greetings WHERE n = $1", &[&7i32])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "hello #7");
    // ...and with the literal inlined in a Parse (no parameters at all).
    let row = c
        .query_one("select hello, n from greetings where n = 8", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(1), 8);
    // A route overrides the built-in SHOW; other built-ins still answer.
    let msgs = c
        .simple_query("SHOW server_version; SHOW TimeZone; BEGIN; COMMIT")
        .await
        .unwrap();
    assert_eq!(first_values(&msgs), ["route wins", "UTC"]);
    // Everything else reaches the engine, in both protocols.
    let msgs = c.simple_query("SELECT * FROM pg_class").await.unwrap();
    assert_eq!(first_values(&msgs), ["engine saw: SELECT * FROM pg_class"]);
    let row = c.query_one("VACUUM", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "engine saw: VACUUM");
}

#[tokio::test]
async fn builtins_can_be_left_to_the_fallback() {
    let port = start(
        Router::new(())
            .routes(routes![greet])
            .builtins(false)
            .fallback(Engine),
    )
    .await;
    let c = client(port).await;
    let msgs = c.simple_query("SHOW TimeZone").await.unwrap();
    assert_eq!(first_values(&msgs), ["engine saw: SHOW TimeZone"]);
}

#[tokio::test]
async fn a_route_without_fallback_rejects_with_a_hint() {
    let port = start(Router::new(()).routes(routes![greet])).await;
    let c = client(port).await;
    let e = c
        .simple_query("SELECT hello FROM greetings WHERE n = 1")
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "0A000");
    assert_eq!(
        db.hint(),
        Some("The closest route is `greet`: SELECT hello, n FROM greetings WHERE n = $1")
    );
    // $n in the simple protocol: there is nothing to bind it to.
    let e = c
        .simple_query("SELECT hello, n FROM greetings WHERE n = $1")
        .await
        .unwrap_err();
    assert_eq!(e.as_db_error().unwrap().code().code(), "42P02");
}

#[tokio::test]
async fn cancelling_a_running_route() {
    let port = start(Router::new(()).routes(routes![slow])).await;
    let c = client(port).await;
    let token = c.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token.cancel_query(NoTls).await
    });
    let e = tokio::time::timeout(
        Duration::from_secs(10),
        c.query("SELECT hello, n FROM slow", &[]),
    )
    .await
    .expect("the cancel ends the query")
    .unwrap_err();
    assert_eq!(e.as_db_error().unwrap().code().code(), "57014");
    canceller.await.unwrap().unwrap();
    // The session goes on.
    let row = c
        .query_one("SELECT hello, n FROM greetings WHERE n = $1", &[&1i32])
        .await;
    assert!(row.is_err(), "greet is not a route of this router");
}
