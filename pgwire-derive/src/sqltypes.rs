//! SQL type names accepted by `#[pg(ty = "…")]`, resolved at compile time to a
//! `postgres_types::Type` constant and a type modifier.

/// A resolved type: the name of a `Type` associated constant, and the typmod (-1 for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqlType {
    pub konst: &'static str,
    pub typmod: i32,
}

/// Base names (lower case, single-spaced) and the `Type` constant they map to.
const NAMES: &[(&str, &str)] = &[
    ("bool", "BOOL"),
    ("boolean", "BOOL"),
    ("bytea", "BYTEA"),
    ("\"char\"", "CHAR"),
    ("name", "NAME"),
    ("int8", "INT8"),
    ("bigint", "INT8"),
    ("int2", "INT2"),
    ("smallint", "INT2"),
    ("int4", "INT4"),
    ("int", "INT4"),
    ("integer", "INT4"),
    ("text", "TEXT"),
    ("oid", "OID"),
    ("json", "JSON"),
    ("jsonb", "JSONB"),
    ("jsonpath", "JSONPATH"),
    ("xml", "XML"),
    ("float4", "FLOAT4"),
    ("real", "FLOAT4"),
    ("float8", "FLOAT8"),
    ("double precision", "FLOAT8"),
    ("money", "MONEY"),
    ("macaddr", "MACADDR"),
    ("inet", "INET"),
    ("cidr", "CIDR"),
    ("bpchar", "BPCHAR"),
    ("char", "BPCHAR"),
    ("character", "BPCHAR"),
    ("varchar", "VARCHAR"),
    ("character varying", "VARCHAR"),
    ("date", "DATE"),
    ("time", "TIME"),
    ("time without time zone", "TIME"),
    ("timetz", "TIMETZ"),
    ("time with time zone", "TIMETZ"),
    ("timestamp", "TIMESTAMP"),
    ("timestamp without time zone", "TIMESTAMP"),
    ("timestamptz", "TIMESTAMPTZ"),
    ("timestamp with time zone", "TIMESTAMPTZ"),
    ("interval", "INTERVAL"),
    ("bit", "BIT"),
    ("varbit", "VARBIT"),
    ("bit varying", "VARBIT"),
    ("numeric", "NUMERIC"),
    ("decimal", "NUMERIC"),
    ("uuid", "UUID"),
    ("tsvector", "TS_VECTOR"),
    ("tsquery", "TSQUERY"),
    ("point", "POINT"),
    ("box", "BOX"),
    ("path", "PATH"),
    ("polygon", "POLYGON"),
    ("circle", "CIRCLE"),
    ("line", "LINE"),
    ("lseg", "LSEG"),
    ("int4range", "INT4_RANGE"),
    ("int8range", "INT8_RANGE"),
    ("numrange", "NUM_RANGE"),
    ("tsrange", "TS_RANGE"),
    ("tstzrange", "TSTZ_RANGE"),
    ("daterange", "DATE_RANGE"),
];

/// Base constants that have an `_ARRAY` counterpart in `postgres_types::Type`.
const ARRAYS: &[&str] = &[
    "BOOL",
    "BYTEA",
    "CHAR",
    "NAME",
    "INT8",
    "INT2",
    "INT4",
    "TEXT",
    "OID",
    "JSON",
    "JSONB",
    "XML",
    "FLOAT4",
    "FLOAT8",
    "MONEY",
    "MACADDR",
    "INET",
    "CIDR",
    "BPCHAR",
    "VARCHAR",
    "DATE",
    "TIME",
    "TIMETZ",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "INTERVAL",
    "BIT",
    "VARBIT",
    "NUMERIC",
    "UUID",
];

/// Resolves a SQL type name such as `varchar(20)`, `numeric(10, 2)`, `int8[]` or
/// `timestamp with time zone`.
pub(crate) fn resolve(input: &str) -> Result<SqlType, String> {
    let lower = input.trim().to_ascii_lowercase();
    let (body, array) = match lower.strip_suffix("[]") {
        Some(b) => (b.trim_end(), true),
        None => (lower.as_str(), false),
    };
    let (base, mods) = match body.find('(') {
        Some(open) => {
            let close = body
                .rfind(')')
                .filter(|&c| c > open)
                .ok_or_else(|| format!("unbalanced parentheses in type `{input}`"))?;
            if !body[close + 1..].trim().is_empty() {
                return Err(format!(
                    "unexpected text after the type modifier in `{input}`"
                ));
            }
            let args = body[open + 1..close]
                .split(',')
                .map(|a| {
                    a.trim().parse::<i32>().map_err(|_| {
                        format!(
                            "type modifier `{}` in `{input}` is not an integer",
                            a.trim()
                        )
                    })
                })
                .collect::<Result<Vec<i32>, String>>()?;
            (body[..open].trim_end(), Some(args))
        }
        None => (body, None),
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(&(_, konst)) = NAMES.iter().find(|(n, _)| *n == base) else {
        return Err(unknown(&base));
    };
    let typmod = match (konst, mods.as_deref()) {
        (_, None) => -1,
        ("VARCHAR" | "BPCHAR", Some(&[n])) if n >= 1 => n + 4,
        ("NUMERIC", Some(&[p])) if (1..=1000).contains(&p) => (p << 16) + 4,
        ("NUMERIC", Some(&[p, s])) if (1..=1000).contains(&p) && (0..=p).contains(&s) => {
            ((p << 16) | s) + 4
        }
        ("TIME" | "TIMETZ" | "TIMESTAMP" | "TIMESTAMPTZ", Some(&[p])) if (0..=6).contains(&p) => p,
        ("BIT" | "VARBIT", Some(&[n])) if n >= 1 => n,
        (_, Some(m)) => {
            return Err(format!(
                "type `{base}` does not take the modifier ({})",
                m.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
            ));
        }
    };
    if array {
        if !ARRAYS.contains(&konst) {
            return Err(format!("pgwire knows no array type of `{base}`"));
        }
        let konst: &'static str = match konst {
            "BOOL" => "BOOL_ARRAY",
            "BYTEA" => "BYTEA_ARRAY",
            "CHAR" => "CHAR_ARRAY",
            "NAME" => "NAME_ARRAY",
            "INT8" => "INT8_ARRAY",
            "INT2" => "INT2_ARRAY",
            "INT4" => "INT4_ARRAY",
            "TEXT" => "TEXT_ARRAY",
            "OID" => "OID_ARRAY",
            "JSON" => "JSON_ARRAY",
            "JSONB" => "JSONB_ARRAY",
            "XML" => "XML_ARRAY",
            "FLOAT4" => "FLOAT4_ARRAY",
            "FLOAT8" => "FLOAT8_ARRAY",
            "MONEY" => "MONEY_ARRAY",
            "MACADDR" => "MACADDR_ARRAY",
            "INET" => "INET_ARRAY",
            "CIDR" => "CIDR_ARRAY",
            "BPCHAR" => "BPCHAR_ARRAY",
            "VARCHAR" => "VARCHAR_ARRAY",
            "DATE" => "DATE_ARRAY",
            "TIME" => "TIME_ARRAY",
            "TIMETZ" => "TIMETZ_ARRAY",
            "TIMESTAMP" => "TIMESTAMP_ARRAY",
            "TIMESTAMPTZ" => "TIMESTAMPTZ_ARRAY",
            "INTERVAL" => "INTERVAL_ARRAY",
            "BIT" => "BIT_ARRAY",
            "VARBIT" => "VARBIT_ARRAY",
            "NUMERIC" => "NUMERIC_ARRAY",
            _ => "UUID_ARRAY",
        };
        return Ok(SqlType { konst, typmod });
    }
    Ok(SqlType { konst, typmod })
}

fn unknown(base: &str) -> String {
    let mut best: Option<(&str, usize)> = None;
    for (name, _) in NAMES {
        let d = distance(base, name);
        if d <= 2 && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((name, d));
        }
    }
    match best {
        Some((name, _)) => format!("unknown SQL type `{base}`; did you mean `{name}`?"),
        None => format!(
            "unknown SQL type `{base}`; use a PostgreSQL type name such as `text`, `varchar(n)`, \
             `int8`, `numeric(p, s)`, `timestamptz` or `uuid`"
        ),
    }
}

/// Levenshtein distance (short strings only).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(cur + 1).min(row[j] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_modifiers() {
        assert_eq!(
            resolve("varchar(20)").unwrap(),
            SqlType {
                konst: "VARCHAR",
                typmod: 24
            }
        );
        assert_eq!(resolve("Character  Varying").unwrap().konst, "VARCHAR");
        assert_eq!(
            resolve("numeric(10, 2)").unwrap().typmod,
            (10 << 16 | 2) + 4
        );
        assert_eq!(resolve("int8[]").unwrap().konst, "INT8_ARRAY");
        assert_eq!(
            resolve("timestamp with time zone").unwrap().konst,
            "TIMESTAMPTZ"
        );
        assert!(
            resolve("varchr")
                .unwrap_err()
                .contains("did you mean `varchar`")
        );
        assert!(resolve("int8(3)").is_err());
    }
}
