//! Macros for [pgwire](https://docs.rs/pgwire): `#[derive(PgRow)]` and `#[pg_query("…")]`.
//!
//! Use them through `pgwire` (`use pgwire::{PgRow, pg_query};`), which re-exports them and
//! provides the runtime they expand to. This crate only parses, checks and generates glue:
//! every behaviour lives in `pgwire`'s runtime, reached through `::pgwire::__private`.
//!
//! Set `PGWIRE_MACRO_DEBUG=1` while compiling to print every expansion to stderr
//! (`PGWIRE_MACRO_DEBUG=name` prints only items whose name contains `name`).

mod attr;
mod ctxt;
mod debug;
mod query;
mod row;
mod sqltypes;

// The SQL lexer and template normalizer, compiled from pgwire's own sources.
//
// The files are included by path rather than depended on: a proc-macro crate cannot depend
// on the runtime crate that re-exports it (that would be a cycle), and copying the code
// would let compile-time checking and run-time matching drift apart. Including the very
// same files means `#[pg_query]` computes exactly the shape key and fingerprint that
// `pgwire::Router` computes when it matches a client's statement (the router also checks,
// when a route is added, that the key the macro computed equals its own).
// `template.rs` refers to its sibling as `super::lexer`, hence both at the crate root.
#[allow(dead_code, unreachable_pub)]
#[path = "../../pgwire/src/sql/lexer.rs"]
mod lexer;
#[allow(dead_code, unreachable_pub)]
#[path = "../../pgwire/src/sql/template.rs"]
mod template;

use proc_macro::TokenStream;

/// Derives `pgwire::PgRow`: the row's columns (computed once) and its `DataRow` encoding in
/// the formats the client asked for.
///
/// Struct attributes (`#[pg(...)]`): `rename_all = "snake_case" | "camelCase" | …`.
/// Field attributes: `rename = "name"`, `skip`, `ty = "varchar(20)"`,
/// `encode_with = path::to_fn` (a `fn(&Field) -> impl ToPgValue + PgType`), `flatten`.
///
/// See `pgwire::PgRow` for examples.
#[proc_macro_derive(PgRow, attributes(pg))]
pub fn derive_pg_row(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    let name = input.ident.to_string();
    let out = row::expand(&input).unwrap_or_else(|e| e.to_compile_error());
    debug::maybe_print("derive(PgRow)", &name, &out);
    out.into()
}

/// Turns an `async fn` into a route of a `pgwire::Router` for one SQL template.
///
/// The template is checked at compile time with PostgreSQL's lexical rules; its `$1..$n`
/// placeholders bind, in order, to the fn's last `n` arguments; the arguments before them are
/// extractors (`State<T>`, `SessionInfo`, `Cancellation`). The fn is kept as it is, and a
/// braced `struct fn_name {}` implementing the route trait is added next to it: collect routes
/// with `pgwire::routes![fn_name, …]`.
///
/// See `pgwire::router` for the full story.
#[proc_macro_attribute]
pub fn pg_query(args: TokenStream, item: TokenStream) -> TokenStream {
    let out = query::expand(args.into(), item.into());
    debug::maybe_print("pg_query", &out.name, &out.tokens);
    out.tokens.into()
}
