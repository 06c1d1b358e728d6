//! Which PostgreSQL type a SQLite column is announced as, and how its values are encoded.
//!
//! SQLite is dynamically typed: a column's *declared* type (`sqlite3_column_decltype`) is only
//! a hint, and any value may sit in any column. The declared type, written with SQLite's or
//! PostgreSQL's names, picks the PostgreSQL type; [`ColKind`] then says how each stored value
//! is turned into that type's text or binary form.

use pgwire::types::Type;

/// How values of a result column are encoded: one variant per supported PostgreSQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColKind {
    /// `int2`
    Int2,
    /// `int4`
    Int4,
    /// `int8`
    Int8,
    /// `float4`
    Float4,
    /// `float8`
    Float8,
    /// `numeric`
    Numeric,
    /// `bool`
    Bool,
    /// `text`, `varchar`, `bpchar`, `name` and anything untyped.
    Text,
    /// `bytea`
    Bytea,
    /// `json`
    Json,
    /// `jsonb`
    Jsonb,
    /// `uuid`
    Uuid,
    /// `timestamp`
    Timestamp,
    /// `timestamptz`
    Timestamptz,
    /// `date`
    Date,
    /// `time`
    Time,
    /// `void` (what `pg_sleep` returns).
    Void,
    /// `numeric(p, s)`: printed with `s` digits after the point, as PostgreSQL stores it.
    Decimal(u16),
}

impl ColKind {
    /// The kind that encodes values of `ty`.
    pub fn of(ty: &Type) -> ColKind {
        match *ty {
            Type::INT2 => ColKind::Int2,
            Type::INT4 => ColKind::Int4,
            Type::INT8 | Type::OID => ColKind::Int8,
            Type::FLOAT4 => ColKind::Float4,
            Type::FLOAT8 => ColKind::Float8,
            Type::NUMERIC => ColKind::Numeric,
            Type::BOOL => ColKind::Bool,
            Type::BYTEA => ColKind::Bytea,
            Type::JSON => ColKind::Json,
            Type::JSONB => ColKind::Jsonb,
            Type::UUID => ColKind::Uuid,
            Type::TIMESTAMP => ColKind::Timestamp,
            Type::TIMESTAMPTZ => ColKind::Timestamptz,
            Type::DATE => ColKind::Date,
            Type::TIME => ColKind::Time,
            Type::VOID => ColKind::Void,
            _ => ColKind::Text,
        }
    }

    /// The kind that encodes values of `ty` with its modifier (`numeric(10,2)`'s scale).
    pub fn of_typed(ty: &PgTy) -> ColKind {
        if ty.ty == Type::NUMERIC && ty.typmod >= 4 {
            return ColKind::Decimal(((ty.typmod - 4) & 0xffff) as u16);
        }
        ColKind::of(&ty.ty)
    }
}

/// A PostgreSQL type with its type modifier (`varchar(20)` is `varchar` with 24).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTy {
    /// The type.
    pub ty: Type,
    /// `atttypmod`, -1 when none.
    pub typmod: i32,
}

impl PgTy {
    fn new(ty: Type) -> PgTy {
        PgTy { ty, typmod: -1 }
    }
}

/// Normalizes a type name: lower case, single spaces, modifiers split off.
/// `"VARCHAR( 20 )"` → `("varchar", [20])`; `"int[]"` → `("int[]", [])`.
fn split_type_name(decl: &str) -> (String, Vec<i32>) {
    let (head, mods) = match decl.find('(') {
        Some(p) => {
            let close = decl[p..].find(')').map_or(decl.len(), |c| p + c);
            let mods = decl[p + 1..close]
                .split(',')
                .filter_map(|m| m.trim().parse().ok())
                .collect();
            let rest = decl.get(close + 1..).unwrap_or("");
            (format!("{} {}", &decl[..p], rest), mods)
        }
        None => (decl.to_owned(), Vec::new()),
    };
    let name = head
        .split_ascii_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    (name, mods)
}

/// The PostgreSQL type for a name as PostgreSQL users write it (`int`, `bigint`,
/// `double precision`, `timestamp with time zone`, `varchar(20)` …), or `None`. Names mean
/// what they mean in PostgreSQL (`integer` is int4); see [`from_decltype`] for columns.
pub fn pg_type_named(decl: &str) -> Option<PgTy> {
    let (name, mods) = split_type_name(decl);
    let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
    let ty = match name {
        "smallint" | "int2" | "smallserial" | "serial2" => Type::INT2,
        "int" | "integer" | "int4" | "serial" | "serial4" | "mediumint" => Type::INT4,
        "bigint" | "int8" | "bigserial" | "serial8" | "unsigned big int" => Type::INT8,
        "tinyint" => Type::INT2,
        "real" | "double" | "double precision" | "float" | "float8" => Type::FLOAT8,
        "float4" => Type::FLOAT4,
        // NUMERIC_AS_REAL(p,s): what ddl.rs declares numeric(p,s) columns as, for REAL
        // affinity.
        "numeric" | "decimal" | "numeric_as_real" => {
            let typmod = match mods.as_slice() {
                [p] => (p << 16) + 4,
                [p, s] => ((p << 16) | (s & 0xffff)) + 4,
                _ => -1,
            };
            return Some(PgTy {
                ty: Type::NUMERIC,
                typmod,
            });
        }
        "text" | "clob" | "string" => Type::TEXT,
        "varchar" | "character varying" | "char varying" | "nvarchar" | "varying character"
        | "native character" => {
            return Some(PgTy {
                ty: Type::VARCHAR,
                typmod: mods.first().map_or(-1, |n| n + 4),
            });
        }
        "char" | "character" | "bpchar" | "nchar" => {
            return Some(PgTy {
                ty: Type::BPCHAR,
                typmod: mods
                    .first()
                    .map_or(if name == "bpchar" { -1 } else { 5 }, |n| n + 4),
            });
        }
        "name" => Type::NAME,
        "blob" | "bytea" => Type::BYTEA,
        "boolean" | "bool" => Type::BOOL,
        "timestamp" | "datetime" | "timestamp without time zone" => Type::TIMESTAMP,
        "timestamptz" | "timestamp with time zone" => Type::TIMESTAMPTZ,
        "date" => Type::DATE,
        "time" | "time without time zone" => Type::TIME,
        "uuid" => Type::UUID,
        "json" => Type::JSON,
        "jsonb" => Type::JSONB,
        "oid" | "regclass" | "regtype" | "regproc" => Type::OID,
        "void" => Type::VOID,
        _ => return None,
    };
    Some(PgTy::new(ty))
}

/// The PostgreSQL type announced for a column declared as `decl` in SQLite (`None`: no
/// declared type, an expression).
///
/// Known names map directly (`INTEGER`/`BIGINT` → int8 as SQLite integers are 64-bit,
/// `REAL` → float8, `VARCHAR(n)` → varchar with typmod n+4 …); other names follow SQLite's
/// affinity rules (`…INT…` → int8, `…CHAR…`/`…TEXT…` → text, `…BLOB…` → bytea,
/// `…REAL…`/`…FLOA…`/`…DOUB…` → float8) and end up as text.
pub fn from_decltype(decl: &str) -> PgTy {
    let trimmed = decl.trim();
    if trimmed.eq_ignore_ascii_case("integer") || trimmed.eq_ignore_ascii_case("int") {
        return PgTy::new(Type::INT8);
    }
    if let Some(t) = pg_type_named(decl) {
        return t;
    }
    let up = decl.to_ascii_uppercase();
    if up.ends_with("[]") {
        return PgTy::new(Type::TEXT);
    }
    let ty = if up.contains("INT") {
        Type::INT8
    } else if up.contains("CHAR") || up.contains("CLOB") || up.contains("TEXT") {
        Type::TEXT
    } else if up.contains("BLOB") {
        Type::BYTEA
    } else if up.contains("REAL") || up.contains("FLOA") || up.contains("DOUB") {
        Type::FLOAT8
    } else {
        Type::TEXT
    };
    PgTy::new(ty)
}

/// The SQL function (see [`functions`](super::functions)) a cast to `ty` becomes, where
/// SQLite's CAST would not do what PostgreSQL does: `'x'::int` is an error, not 0.
pub fn cast_helper(ty: &Type) -> Option<&'static str> {
    Some(match *ty {
        Type::BOOL => "pgwire_bool",
        Type::BYTEA => "pgwire_bytea",
        Type::INT2 => "pgwire_int2",
        Type::INT4 => "pgwire_int4",
        Type::INT8 => "pgwire_int8",
        Type::FLOAT4 => "pgwire_float4",
        Type::FLOAT8 => "pgwire_float8",
        _ => return None,
    })
}

/// The SQLite type a PostgreSQL cast target becomes in `CAST(x AS …)`: one whose affinity
/// gives the right storage class (`date` would get NUMERIC affinity and turn `'2024-01-02'`
/// into 2024, so it is cast to TEXT).
pub fn sqlite_cast_target(ty: &Type) -> &'static str {
    match *ty {
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => "INTEGER",
        Type::FLOAT4 | Type::FLOAT8 => "REAL",
        Type::NUMERIC => "NUMERIC",
        Type::BYTEA => "BLOB",
        _ => "TEXT",
    }
}

/// `format_type(oid, typmod)`: the name PostgreSQL shows for a type (`integer`,
/// `character varying(20)`, `timestamp with time zone` …).
pub fn format_type(oid: u32, typmod: i32) -> String {
    let Some(ty) = Type::from_oid(oid) else {
        return "???".to_owned();
    };
    let with_len = |base: &str| {
        if typmod >= 4 {
            format!("{base}({})", typmod - 4)
        } else {
            base.to_owned()
        }
    };
    match ty {
        Type::INT2 => "smallint".into(),
        Type::INT4 => "integer".into(),
        Type::INT8 => "bigint".into(),
        Type::FLOAT4 => "real".into(),
        Type::FLOAT8 => "double precision".into(),
        Type::BOOL => "boolean".into(),
        Type::VARCHAR => with_len("character varying"),
        Type::BPCHAR => with_len("character"),
        Type::TIMESTAMP => "timestamp without time zone".into(),
        Type::TIMESTAMPTZ => "timestamp with time zone".into(),
        Type::TIME => "time without time zone".into(),
        Type::TIMETZ => "time with time zone".into(),
        Type::NUMERIC if typmod >= 4 => {
            let m = typmod - 4;
            format!("numeric({},{})", (m >> 16) & 0xffff, m & 0xffff)
        }
        Type::CHAR => "\"char\"".into(),
        other => other.name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decltypes_map_like_the_issue_says() {
        let t = |d: &str| from_decltype(d);
        assert_eq!(t("INTEGER").ty, Type::INT8);
        assert_eq!(t("bigint").ty, Type::INT8);
        assert_eq!(t("INT4").ty, Type::INT4);
        assert_eq!(t("smallint").ty, Type::INT2);
        assert_eq!(t("REAL").ty, Type::FLOAT8);
        assert_eq!(t("DOUBLE PRECISION").ty, Type::FLOAT8);
        assert_eq!(t("float4").ty, Type::FLOAT4);
        assert_eq!(
            t("VARCHAR(20)"),
            PgTy {
                ty: Type::VARCHAR,
                typmod: 24
            }
        );
        assert_eq!(t("character(3)").typmod, 7);
        assert_eq!(t("BYTEA").ty, Type::BYTEA);
        assert_eq!(t("BLOB").ty, Type::BYTEA);
        assert_eq!(t("boolean").ty, Type::BOOL);
        assert_eq!(t("TIMESTAMPTZ").ty, Type::TIMESTAMPTZ);
        assert_eq!(t("timestamp with time zone").ty, Type::TIMESTAMPTZ);
        assert_eq!(t("NUMERIC(10, 2)").typmod, (10 << 16 | 2) + 4);
        assert_eq!(t("uuid").ty, Type::UUID);
        assert_eq!(t("jsonb").ty, Type::JSONB);
        assert_eq!(t("UNSIGNED BIG INT").ty, Type::INT8);
        assert_eq!(t("NVARCHAR(10)").ty, Type::VARCHAR);
        assert_eq!(t("whatever").ty, Type::TEXT);
        assert_eq!(t("POINTINT").ty, Type::INT8);
    }

    #[test]
    fn format_type_matches_postgres() {
        assert_eq!(format_type(23, -1), "integer");
        assert_eq!(format_type(1043, 14), "character varying(10)");
        assert_eq!(format_type(1184, -1), "timestamp with time zone");
        assert_eq!(format_type(25, -1), "text");
        assert_eq!(format_type(1700, (10 << 16 | 2) + 4), "numeric(10,2)");
    }
}
