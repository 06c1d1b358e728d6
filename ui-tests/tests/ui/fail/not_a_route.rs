use pgwire::{routes, Router};

async fn plain() {}

fn main() {
    let _ = Router::new(()).routes(routes![plain]);
}
