//! `server`: answers every statement with the same two rows, encoded once at start-up.
//! The smallest useful pgwire server, and the one the benchmarks measure.

use std::sync::Arc;

use clap::Parser;
use pgwire::prelude::*;
use pgwire::types::Formats;

#[derive(Parser)]
#[command(about = "A pgwire server that answers every query with the same fixed rows")]
struct Args {
    #[command(flatten)]
    listen: pgwire_examples::ListenArgs,
    #[command(flatten)]
    auth: pgwire_examples::AuthArgs,
}

/// The fixed result, pre-encoded in text and in binary.
struct Fixed {
    columns: Arc<[Column]>,
    text: DataRow,
    binary: DataRow,
}

impl Fixed {
    fn new() -> PgResult<Fixed> {
        let columns: Arc<[Column]> = vec![
            Column::new("id", Type::INT4),
            Column::new("name", Type::TEXT),
        ]
        .into();
        let encode = |formats| -> PgResult<DataRow> {
            let mut enc = DataRowEncoder::new(columns.clone(), formats);
            for (id, name) in [(1i32, "Tom"), (2, "Jerry")] {
                enc.encode_field(&id)?;
                enc.encode_field(name)?;
                enc.end_row()?;
            }
            Ok(enc.take_rows())
        };
        Ok(Fixed {
            text: encode(Formats::AllText)?,
            binary: encode(Formats::AllBinary)?,
            columns,
        })
    }
}

impl QueryHandler for Fixed {
    type Statement = ();

    async fn prepare(
        &self,
        _session: &mut Session,
        _sql: &str,
        _types: &[Option<Type>],
    ) -> PgResult<Prepared<()>> {
        Ok(Prepared::new((), vec![], Some(self.columns.clone())))
    }

    async fn execute(&self, _session: &mut Session, portal: &Portal<()>) -> PgResult<Response> {
        let rows = match portal.result_formats {
            Formats::AllText => self.text.clone(),
            Formats::AllBinary => self.binary.clone(),
            _ => {
                let mut enc = portal.encoder();
                for (id, name) in [(1i32, "Tom"), (2, "Jerry")] {
                    enc.encode_field(&id)?;
                    enc.encode_field(name)?;
                    enc.end_row()?;
                }
                enc.take_rows()
            }
        };
        Ok(Response::rows(self.columns.clone(), vec![rows]))
    }

    async fn simple_query(&self, _session: &mut Session, _sql: &str) -> PgResult<Response> {
        Ok(Response::rows(
            self.columns.clone(),
            vec![self.text.clone()],
        ))
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let fixed = Fixed::new().map_err(std::io::Error::other)?;
    let builder = args.auth.apply(args.listen.builder(fixed))?;
    pgwire_examples::run(builder).await
}
