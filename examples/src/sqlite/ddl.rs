//! Column definitions in `CREATE TABLE` and `ALTER TABLE … ADD [COLUMN]`, rewritten (after
//! [`translate`](super::translate)) so that SQLite keeps PostgreSQL's types:
//!
//! - each typed column gets a CHECK that rejects what PostgreSQL's input function would:
//!   `'abc'` into an `int` column is 22P02, `70000` into a `smallint` 22003, `'notadate'`
//!   into a `date` 22007, 21 characters into a `varchar(20)` 22001. SQLite's type affinity
//!   would store them as they are, and every later read of the row would fail. The CHECK
//!   tests the storage class first (a few VDBE instructions) and calls `pgwire_valid()`
//!   only for a value that fails that test: the function accepts what the encoder can send
//!   as the column's type (`'t'` for a boolean) and raises PostgreSQL's error for the rest;
//! - types are declared so they are described as in PostgreSQL: `int`/`integer` as `INT4`,
//!   `real` as `FLOAT4`, `serial` as `INT4` (a bare `INTEGER` is 64-bit in SQLite's own
//!   schemas). The rowid must be declared exactly `INTEGER`: `serial PRIMARY KEY` (and
//!   `integer PRIMARY KEY`) become `INTEGER PRIMARY KEY [AUTOINCREMENT]` with an int4 range
//!   CHECK, which [`rowid_type`] reads back to describe the column as `integer`;
//!   `numeric(p, s)` with a scale is declared `NUMERIC_AS_REAL(p,s)`, for REAL affinity
//!   (SQLite would store `20.00` as the integer 20, and divide it as one).

use super::lex::{self, Kind, Token};
use pgwire::types::Type;

use super::types::{self, ColKind, PgTy};

/// Words that start a table constraint instead of a column definition.
const TABLE_CONSTRAINTS: &[&str] = &[
    "constraint",
    "primary",
    "unique",
    "check",
    "foreign",
    "exclude",
    "like",
];

/// Words that end a column's type name (the column constraints).
const COLUMN_CONSTRAINTS: &[&str] = &[
    "constraint",
    "primary",
    "not",
    "null",
    "unique",
    "check",
    "default",
    "references",
    "collate",
    "generated",
    "as",
];

/// `sql` (SQLite text of a CREATE TABLE or ALTER TABLE statement) with its column
/// definitions rewritten; unchanged when it defines no columns.
pub fn rewrite(sql: &str) -> String {
    let sig = lex::significant(sql);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for def in column_defs(sql, &sig) {
        edit_column(sql, def, &mut edits);
    }
    let mut out = String::with_capacity(sql.len() + edits.len() * 64);
    let mut at = 0;
    for (start, end, text) in edits {
        out.push_str(&sql[at..start]);
        out.push_str(&text);
        at = end;
    }
    out.push_str(&sql[at..]);
    out
}

/// The column definitions of the statement, as token slices.
fn column_defs<'t>(sql: &str, sig: &'t [Token]) -> Vec<&'t [Token]> {
    let word = |i: usize, w: &str| sig.get(i).is_some_and(|t| t.is_word(sql, w));
    let mut i = 1;
    if word(0, "alter") {
        // ALTER TABLE [IF EXISTS] name ADD [COLUMN] [IF NOT EXISTS] def
        let Some(add) = (2..sig.len()).find(|&k| word(k, "add")) else {
            return Vec::new();
        };
        let mut k = add + 1;
        if word(k, "column") {
            k += 1;
        }
        if word(k, "if") {
            k += 3;
        }
        if TABLE_CONSTRAINTS.iter().any(|w| word(k, w)) {
            return Vec::new();
        }
        let end = sig[k.min(sig.len())..]
            .iter()
            .position(|t| t.kind == Kind::Punct(b';'))
            .map_or(sig.len(), |p| k + p);
        return sig.get(k..end).into_iter().collect();
    }
    if !word(0, "create") {
        return Vec::new();
    }
    // CREATE [TEMP|TEMPORARY] TABLE [IF NOT EXISTS] name ( defs ) — not CREATE TABLE … AS.
    while i < sig.len() && sig[i].kind != Kind::Punct(b'(') {
        if word(i, "as") {
            return Vec::new();
        }
        i += 1;
    }
    let mut defs = Vec::new();
    let (mut depth, mut start) = (0i32, i + 1);
    for k in i..sig.len() {
        match sig[k].kind {
            Kind::Punct(b'(') => depth += 1,
            Kind::Punct(b')') if depth == 1 => {
                defs.push(&sig[start..k]);
                break;
            }
            Kind::Punct(b')') => depth -= 1,
            Kind::Punct(b',') if depth == 1 => {
                defs.push(&sig[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    defs.retain(|d| {
        d.first()
            .is_some_and(|t| !TABLE_CONSTRAINTS.iter().any(|w| t.is_word(sql, w)))
    });
    defs
}

/// The type name ending at token `end` of `def` (exclusive), from token 1.
fn type_end(sql: &str, def: &[Token]) -> usize {
    let mut end = 1;
    let mut depth = 0;
    while end < def.len() {
        let t = def[end];
        match t.kind {
            Kind::Punct(b'(') => depth += 1,
            Kind::Punct(b')') => depth -= 1,
            Kind::Word if depth == 0 && COLUMN_CONSTRAINTS.iter().any(|w| t.is_word(sql, w)) => {
                break;
            }
            _ => {}
        }
        end += 1;
    }
    end
}

/// Queues the edits for one column definition `name type [constraints]`.
fn edit_column(sql: &str, def: &[Token], edits: &mut Vec<(usize, usize, String)>) {
    let (Some(name), Some(last)) = (def.first(), def.last()) else {
        return;
    };
    let end = type_end(sql, def);
    if end == 1 {
        return; // no type: SQLite's "any"
    }
    let (ty_start, ty_end) = (def[1].start, def[end - 1].end);
    let decl = sql[ty_start..ty_end].to_ascii_lowercase();
    // `PRIMARY KEY` as a column constraint: its `KEY` token.
    let key = (end..def.len().saturating_sub(1))
        .find(|&k| def[k].is_word(sql, "primary") && def[k + 1].is_word(sql, "key"))
        .map(|k| def[k + 1]);
    let serial = |d: &str| d.contains("serial");
    // (declared type for SQLite, PostgreSQL type); the rowid must be declared `INTEGER`.
    let (declared, pg) = match (decl.as_str(), key.is_some()) {
        ("int" | "integer" | "int4" | "serial" | "serial4", true) => ("INTEGER", Type::INT4),
        ("smallserial" | "serial2", true) => ("INTEGER", Type::INT2),
        ("bigserial" | "serial8", true) => ("INTEGER", Type::INT8),
        ("int" | "integer" | "serial" | "serial4", false) => ("INT4", Type::INT4),
        ("smallserial" | "serial2", false) => ("INT2", Type::INT2),
        ("bigserial" | "serial8", false) => ("INT8", Type::INT8),
        ("real", _) => ("FLOAT4", Type::FLOAT4),
        _ => ("", Type::UNKNOWN),
    };
    let ty = if declared.is_empty() {
        types::from_decltype(&decl)
    } else {
        edits.push((ty_start, ty_end, declared.to_owned()));
        PgTy { ty: pg, typmod: -1 }
    };
    // numeric(p, s) with s > 0 gets REAL affinity: with NUMERIC affinity SQLite stores 20.00
    // as the integer 20, and `amount / 3` would divide integers.
    if ty.ty == Type::NUMERIC && ty.typmod >= 4 && (ty.typmod - 4) & 0xffff > 0 {
        let (p, s) = ((ty.typmod - 4) >> 16, (ty.typmod - 4) & 0xffff);
        edits.push((ty_start, ty_end, format!("NUMERIC_AS_REAL({p},{s})")));
    }
    if let (true, Some(key)) = (serial(&decl), key) {
        let auto = def.iter().any(|t| t.is_word(sql, "autoincrement"));
        if !auto {
            edits.push((key.end, key.end, " AUTOINCREMENT".to_owned()));
        }
    }
    // The rowid takes only integers already (SQLite checks it first): an int8 one needs no
    // CHECK; an int4 or int2 one gets its range check, which also tells its type.
    let rowid = declared == "INTEGER" || (decl == "integer" && key.is_some());
    if rowid && ty.ty == Type::INT8 {
        return;
    }
    if let Some(check) = check(name.text(sql), &ty) {
        edits.push((last.end, last.end, check));
    }
}

/// The table's rowid column, when it holds a narrower PostgreSQL type than SQLite's 64-bit
/// `INTEGER` says (`serial` or `integer PRIMARY KEY` are `integer`): its name (folded) and
/// type, read off its CHECK.
pub fn rowid_type(table_sql: &str) -> Option<(String, PgTy)> {
    let sig = lex::significant(table_sql);
    column_defs(table_sql, &sig).into_iter().find_map(|def| {
        let end = type_end(table_sql, def);
        let integer = end == 2 && def[1].is_word(table_sql, "integer");
        if !integer || !def.iter().any(|t| t.is_word(table_sql, "primary")) {
            return None;
        }
        let ty = checked_types(table_sql, def).next().flatten()?;
        Some((
            lex::ident_name(&def[0], table_sql)?,
            PgTy { ty, typmod: -1 },
        ))
    })
}

/// The types our CHECKs in `tokens` keep their columns to (`pgwire_valid(oid, …)`), one per
/// CHECK; `None` for an oid that names no type.
fn checked_types<'t>(sql: &'t str, tokens: &'t [Token]) -> impl Iterator<Item = Option<Type>> + 't {
    tokens
        .windows(3)
        .filter(move |w| w[0].is_word(sql, "pgwire_valid") && w[1].kind == Kind::Punct(b'('))
        .map(move |w| w[2].text(sql).parse().ok().and_then(Type::from_oid))
}

/// The CHECK constraint keeping column `col` to values of type `ty`.
fn check(col: &str, ty: &PgTy) -> Option<String> {
    let fast = match ColKind::of(&ty.ty) {
        ColKind::Int2 => format!("typeof({col}) = 'integer' AND {col} BETWEEN -32768 AND 32767"),
        ColKind::Int4 => {
            format!("typeof({col}) = 'integer' AND {col} BETWEEN -2147483648 AND 2147483647")
        }
        ColKind::Int8 => format!("typeof({col}) = 'integer'"),
        ColKind::Float4 | ColKind::Float8 | ColKind::Numeric => {
            format!("typeof({col}) IN ('real', 'integer')")
        }
        ColKind::Bool => format!("typeof({col}) = 'integer' AND {col} IN (0, 1)"),
        ColKind::Uuid => format!("typeof({col}) = 'blob' AND length({col}) = 16"),
        // Stored as text: every value is parsed.
        ColKind::Date | ColKind::Time | ColKind::Timestamp | ColKind::Timestamptz => "0".to_owned(),
        ColKind::Text if ty.typmod >= 4 => {
            format!(
                "typeof({col}) = 'text' AND length({col}) <= {}",
                ty.typmod - 4
            )
        }
        _ => return None,
    };
    Some(format!(
        " CHECK ({col} IS NULL OR {fast} OR pgwire_valid({}, {}, {col}))",
        ty.ty.oid(),
        ty.typmod
    ))
}

/// Whether a COPY FROM into the table created by `table_sql` may skip CHECK constraints:
/// every CHECK is one of ours, on a type whose values COPY's decoder already rejects and
/// range-checks as strictly (numbers, booleans, uuids; not dates or `varchar(n)`, which it
/// binds as text). Skipping them keeps COPY FROM as fast as without them.
pub fn copy_may_skip_checks(table_sql: &str) -> bool {
    let sig = lex::significant(table_sql);
    let checks = sig.iter().filter(|t| t.is_word(table_sql, "check")).count();
    let ours: Vec<Option<Type>> = checked_types(table_sql, &sig).collect();
    checks == ours.len()
        && ours.iter().all(|ty| {
            ty.as_ref().is_some_and(|ty| {
                matches!(
                    ColKind::of(ty),
                    ColKind::Int2
                        | ColKind::Int4
                        | ColKind::Int8
                        | ColKind::Float4
                        | ColKind::Float8
                        | ColKind::Numeric
                        | ColKind::Bool
                        | ColKind::Uuid
                )
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_checks_and_postgres_types() {
        assert_eq!(
            rewrite(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, n int NOT NULL, s varchar(5), x text, r real, CHECK (n > 0))"
            ),
            "CREATE TABLE t (id INTEGER PRIMARY KEY CHECK (id IS NULL OR typeof(id) = 'integer' AND id BETWEEN -2147483648 AND 2147483647 OR pgwire_valid(23, -1, id)), \
             n INT4 NOT NULL CHECK (n IS NULL OR typeof(n) = 'integer' AND n BETWEEN -2147483648 AND 2147483647 OR pgwire_valid(23, -1, n)), \
             s varchar(5) CHECK (s IS NULL OR typeof(s) = 'text' AND length(s) <= 5 OR pgwire_valid(1043, 9, s)), \
             x text, \
             r FLOAT4 CHECK (r IS NULL OR typeof(r) IN ('real', 'integer') OR pgwire_valid(700, -1, r)), CHECK (n > 0))"
        );
        assert_eq!(
            rewrite("ALTER TABLE t ADD COLUMN \"d\" date DEFAULT '2024-01-01'"),
            "ALTER TABLE t ADD COLUMN \"d\" date DEFAULT '2024-01-01' CHECK (\"d\" IS NULL OR 0 OR pgwire_valid(1082, -1, \"d\"))"
        );
        // serial: the rowid with AUTOINCREMENT; its type is read back from the CHECK.
        let serial = rewrite("CREATE TABLE t (id serial PRIMARY KEY, n bigserial, s smallserial)");
        assert_eq!(
            serial,
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id IS NULL OR typeof(id) = 'integer' AND id BETWEEN -2147483648 AND 2147483647 OR pgwire_valid(23, -1, id)), \
             n INT8 CHECK (n IS NULL OR typeof(n) = 'integer' OR pgwire_valid(20, -1, n)), \
             s INT2 CHECK (s IS NULL OR typeof(s) = 'integer' AND s BETWEEN -32768 AND 32767 OR pgwire_valid(21, -1, s)))"
        );
        let rowid = rowid_type(&serial).unwrap();
        assert_eq!((rowid.0.as_str(), rowid.1.ty), ("id", Type::INT4));
        let big = rewrite("CREATE TABLE t (\"Id\" BIGSERIAL PRIMARY KEY, v text)");
        assert_eq!(
            big,
            "CREATE TABLE t (\"Id\" INTEGER PRIMARY KEY AUTOINCREMENT, v text)"
        );
        assert_eq!(rowid_type(&big), None);
        assert_eq!(rowid_type("CREATE TABLE t (id INTEGER PRIMARY KEY)"), None);
        let table = |defs: &str| rewrite(&format!("CREATE TABLE t ({defs})"));
        assert!(copy_may_skip_checks(&table(
            "id int8, t text, f float8, o bool"
        )));
        assert!(copy_may_skip_checks(&table("a, b text")));
        assert!(!copy_may_skip_checks(&table("id int8, d date")));
        assert!(!copy_may_skip_checks(&table("v varchar(3)")));
        assert!(!copy_may_skip_checks(&table("n int CHECK (n > 0)")));
        assert!(!copy_may_skip_checks(&table(
            "n int, CONSTRAINT c CHECK (n > 0)"
        )));
        // Nothing to do.
        for sql in [
            "CREATE TABLE t AS SELECT 1 AS a",
            "CREATE TABLE t (a, b text)",
            "ALTER TABLE t RENAME TO u",
            "ALTER TABLE t ADD CONSTRAINT c UNIQUE (a)",
        ] {
            assert_eq!(rewrite(sql), sql);
        }
    }
}
