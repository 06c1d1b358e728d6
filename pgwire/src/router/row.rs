//! [`PgRow`]: a Rust type that is one result row.

use std::sync::Arc;

use crate::error::PgResult;
use crate::types::{Column, DataRowEncoder};

/// A Rust type whose values are result rows: it knows its columns and writes its fields into
/// a [`DataRowEncoder`] in the formats the client asked for.
///
/// Derive it:
///
/// ```
/// use pgwire::PgRow;
///
/// #[derive(PgRow)]
/// #[pg(rename_all = "camelCase")]
/// struct Order {
///     id: i64,
///     #[pg(rename = "customer")]
///     customer_name: String,
///     #[pg(ty = "varchar(200)")]
///     order_note: Option<String>,
///     #[pg(skip)]
///     cached: Vec<u8>,
/// }
///
/// let columns = <Order as pgwire::router::PgRow>::columns();
/// let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
/// assert_eq!(names, ["id", "customer", "orderNote"]);
/// assert_eq!(columns[2].type_modifier, 204);
/// ```
///
/// Field attributes: `rename = "col"`, `skip`, `ty = "sql type"` (column type and typmod,
/// e.g. `varchar(20)`, `numeric(10, 2)`, `int8[]`), `encode_with = path` (a
/// `fn(&Field) -> R` where `R: ToPgValue + PgType`), and `flatten` (the columns of a nested
/// `PgRow`). Struct attribute: `rename_all = "snake_case" | "camelCase" | "PascalCase" |
/// "lowercase" | "UPPERCASE" | "SCREAMING_SNAKE_CASE" | "kebab-case" |
/// "SCREAMING-KEBAB-CASE"`. Tuple structs name their columns `?column?` (as PostgreSQL names
/// an unnamed expression) unless a field has `rename`. `Option<T>` fields are NULL when
/// `None`.
///
/// For a non-generic struct the columns are built once, on first use; a generic struct
/// builds them on each call to [`columns`](Self::columns), which the router does once per
/// route.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a row type",
    label = "does not implement `PgRow`",
    note = "derive it: `#[derive(pgwire::PgRow)]` on a struct whose fields implement `ToPgValue`"
)]
pub trait PgRow {
    /// The row's columns, in order (what RowDescription announces).
    fn columns() -> Arc<[Column]>;

    /// Appends this row's fields to the encoder's current row (without ending the row).
    fn encode_row(&self, enc: &mut DataRowEncoder) -> PgResult<()>;
}
