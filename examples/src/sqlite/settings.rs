//! `SET`, `RESET` and `SHOW`, answered like PostgreSQL from the session's parameters.

use pgwire::error::{PgError, PgResult, SqlState};

use super::lex::{self, Kind, Token};

/// A configuration parameter PostgreSQL knows (the ones clients commonly set or show).
#[derive(Debug)]
pub struct Guc {
    /// Canonical name (as SHOW titles its column).
    pub name: &'static str,
    /// Default value.
    pub default: &'static str,
    /// SHOW ALL's description.
    pub description: &'static str,
}

macro_rules! gucs {
    ($(($n:literal, $d:literal, $desc:literal)),* $(,)?) => {
        /// Known parameters, sorted by name (case-insensitively).
        pub const GUCS: &[Guc] = &[$(Guc { name: $n, default: $d, description: $desc }),*];
    };
}

gucs![
    (
        "application_name",
        "",
        "Sets the application name to be reported in statistics and logs."
    ),
    ("bytea_output", "hex", "Sets the output format for bytea."),
    (
        "client_encoding",
        "UTF8",
        "Sets the client's character set encoding."
    ),
    (
        "client_min_messages",
        "notice",
        "Sets the message levels that are sent to the client."
    ),
    (
        "DateStyle",
        "ISO, MDY",
        "Sets the display format for date and time values."
    ),
    (
        "default_transaction_isolation",
        "read committed",
        "Sets the transaction isolation level of each new transaction."
    ),
    (
        "default_transaction_read_only",
        "off",
        "Sets the default read-only status of new transactions."
    ),
    (
        "extra_float_digits",
        "1",
        "Sets the number of digits displayed for floating-point values."
    ),
    (
        "idle_in_transaction_session_timeout",
        "0",
        "Sets the maximum allowed idle time between queries, when in a transaction."
    ),
    (
        "in_hot_standby",
        "off",
        "Shows whether hot standby is currently active."
    ),
    (
        "integer_datetimes",
        "on",
        "Shows whether datetimes are integer based."
    ),
    (
        "IntervalStyle",
        "postgres",
        "Sets the display format for interval values."
    ),
    (
        "is_superuser",
        "on",
        "Shows whether the current user is a superuser."
    ),
    (
        "lc_messages",
        "C",
        "Sets the language in which messages are displayed."
    ),
    (
        "lock_timeout",
        "0",
        "Sets the maximum allowed duration of any wait for a lock."
    ),
    (
        "max_connections",
        "100",
        "Sets the maximum number of concurrent connections."
    ),
    (
        "max_identifier_length",
        "63",
        "Shows the maximum identifier length."
    ),
    ("row_security", "on", "Enable row security."),
    (
        "search_path",
        "\"$user\", public",
        "Sets the schema search order for names that are not schema-qualified."
    ),
    (
        "server_encoding",
        "UTF8",
        "Shows the server (database) character set encoding."
    ),
    ("server_version", "15.0", "Shows the server version."),
    (
        "server_version_num",
        "150000",
        "Shows the server version as an integer."
    ),
    ("session_authorization", "", "Sets the session user name."),
    (
        "standard_conforming_strings",
        "on",
        "Causes '...' strings to treat backslashes literally."
    ),
    (
        "statement_timeout",
        "0",
        "Sets the maximum allowed duration of any statement."
    ),
    (
        "synchronous_commit",
        "on",
        "Sets the current transaction's synchronization level."
    ),
    (
        "TimeZone",
        "UTC",
        "Sets the time zone for displaying and interpreting time stamps."
    ),
    (
        "transaction_isolation",
        "read committed",
        "Sets the current transaction's isolation level."
    ),
    (
        "transaction_read_only",
        "off",
        "Sets the current transaction's read-only status."
    ),
    (
        "work_mem",
        "4MB",
        "Sets the maximum memory to be used for query workspaces."
    ),
];

/// The known parameter named `name` (any case).
pub fn find(name: &str) -> Option<&'static Guc> {
    GUCS.iter().find(|g| g.name.eq_ignore_ascii_case(name))
}

/// A parsed SET/RESET/SHOW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `SET name = value` (`None`: `DEFAULT`, i.e. reset).
    Set {
        /// Parameter name (canonical for known ones, lower case for custom `a.b`).
        name: String,
        /// The value, or `None` for DEFAULT.
        value: Option<String>,
    },
    /// `RESET name` (`None`: `RESET ALL`).
    Reset(Option<String>),
    /// `SHOW name`.
    Show(String),
    /// `SHOW ALL`.
    ShowAll,
    /// Accepted and ignored (`SET TRANSACTION …`, `SET CONSTRAINTS …`); the tag to send.
    Ignored(&'static str),
}

fn unrecognized(name: &str) -> PgError {
    PgError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("unrecognized configuration parameter \"{name}\""),
    )
}

fn invalid_value(name: &str, value: &str) -> PgError {
    PgError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("invalid value for parameter \"{name}\": \"{value}\""),
    )
}

/// Resolves a parameter name: a known one (canonical spelling) or a custom `prefix.name`.
fn resolve(name: &str) -> PgResult<String> {
    if let Some(g) = find(name) {
        return Ok(g.name.to_owned());
    }
    if name.contains('.') {
        return Ok(name.to_ascii_lowercase());
    }
    Err(unrecognized(name))
}

/// Milliseconds in a `statement_timeout`-style value (`5000`, `'5s'`, `1min`).
pub fn parse_duration_ms(v: &str) -> Option<u64> {
    let v = v.trim();
    let split = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(v.len());
    let (num, unit) = (v[..split].trim(), v[split..].trim());
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = (n * mult).round();
    (0.0..2_147_483_648.0).contains(&ms).then_some(ms as u64)
}

/// A duration as SHOW prints it (the largest exact unit).
fn show_duration(ms: u64) -> String {
    match ms {
        0 => "0".into(),
        ms if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms if ms % 60_000 == 0 => format!("{}min", ms / 60_000),
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

/// Checks and normalizes a value for `name`.
pub fn normalize(name: &str, value: &str) -> PgResult<String> {
    match name {
        "client_encoding" => {
            let v = value.to_ascii_lowercase().replace(['-', '_'], "");
            if v == "utf8" || v == "unicode" {
                Ok("UTF8".into())
            } else {
                Err(invalid_value(name, value).detail("This server only speaks UTF8."))
            }
        }
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
            parse_duration_ms(value)
                .map(show_duration)
                .ok_or_else(|| invalid_value(name, value))
        }
        "server_version"
        | "server_version_num"
        | "server_encoding"
        | "integer_datetimes"
        | "max_identifier_length"
        | "in_hot_standby"
        | "is_superuser"
        | "max_connections" => Err(PgError::new(
            SqlState::from_code("55P02"),
            format!("parameter \"{name}\" cannot be changed"),
        )),
        _ => Ok(value.to_owned()),
    }
}

/// Reads one value token: a word, string, number (with a leading `-`).
fn values(src: &str, toks: &[Token]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut neg = false;
    let mut expect_value = true;
    for t in toks {
        match t.kind {
            Kind::Punct(b',') if !expect_value => expect_value = true,
            Kind::Op if t.text(src) == "-" && expect_value => neg = true,
            Kind::Word
            | Kind::Number
            | Kind::QuotedIdent
            | Kind::Str
            | Kind::EscStr
            | Kind::DollarStr
                if expect_value =>
            {
                let v = match t.kind {
                    Kind::Word | Kind::Number => t.text(src).to_owned(),
                    Kind::QuotedIdent => format!("\"{}\"", lex::string_value(t, src)?),
                    _ => lex::string_value(t, src)?,
                };
                out.push(if neg { format!("-{v}") } else { v });
                neg = false;
                expect_value = false;
            }
            _ => return None,
        }
    }
    (!expect_value).then_some(out)
}

/// Parses SET, RESET and SHOW; `None` when `toks` is none of them.
pub fn parse(src: &str, toks: &[Token]) -> Option<PgResult<Command>> {
    let sig: Vec<Token> = toks
        .iter()
        .copied()
        .filter(|t| !t.is_trivia() && t.kind != Kind::Punct(b';'))
        .collect();
    let word = |i: usize| -> Option<String> {
        sig.get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.text(src).to_ascii_lowercase())
    };
    let syntax = || {
        PgError::new(
            SqlState::SYNTAX_ERROR,
            "syntax error in SET/SHOW/RESET statement",
        )
    };
    // A parameter name at `i` (`a` or `a.b`); returns it and the next index.
    let name_at = |i: usize| -> Option<(String, usize)> {
        let first = lex::ident_name(sig.get(i)?, src)?;
        if sig.get(i + 1).map(|t| t.kind) == Some(Kind::Punct(b'.')) {
            let second = lex::ident_name(sig.get(i + 2)?, src)?;
            return Some((format!("{first}.{second}"), i + 3));
        }
        Some((first, i + 1))
    };
    let cmd = word(0)?;
    Some(match cmd.as_str() {
        "show" => match (word(1).as_deref(), word(2).as_deref()) {
            (Some("all"), None) => Ok(Command::ShowAll),
            (Some("time"), Some("zone")) => Ok(Command::Show("TimeZone".into())),
            (Some("transaction"), Some("isolation")) => {
                Ok(Command::Show("transaction_isolation".into()))
            }
            (Some("session"), Some("authorization")) => {
                Ok(Command::Show("session_authorization".into()))
            }
            _ => match name_at(1) {
                Some((n, end)) if end == sig.len() => resolve(&n).map(Command::Show),
                _ => Err(syntax()),
            },
        },
        "reset" => match (word(1).as_deref(), word(2).as_deref()) {
            (Some("all"), None) => Ok(Command::Reset(None)),
            (Some("time"), Some("zone")) => Ok(Command::Reset(Some("TimeZone".into()))),
            (Some("session"), Some("authorization")) => {
                Ok(Command::Reset(Some("session_authorization".into())))
            }
            _ => match name_at(1) {
                Some((n, end)) if end == sig.len() => resolve(&n).map(|n| Command::Reset(Some(n))),
                _ => Err(syntax()),
            },
        },
        "set" => {
            let mut i = 1;
            if matches!(word(i).as_deref(), Some("session" | "local"))
                && word(i + 1).as_deref() != Some("characteristics")
                && word(i + 1).as_deref() != Some("authorization")
            {
                i += 1;
            }
            match word(i).as_deref() {
                Some("transaction") | Some("constraints") => {
                    return Some(Ok(Command::Ignored("SET")));
                }
                Some("session") if word(i + 1).as_deref() == Some("characteristics") => {
                    return Some(Ok(Command::Ignored("SET")));
                }
                Some("time") if word(i + 1).as_deref() == Some("zone") => {
                    let v = values(src, &sig[i + 2..]);
                    return Some(match v.as_deref() {
                        Some([one])
                            if one.eq_ignore_ascii_case("local")
                                || one.eq_ignore_ascii_case("default") =>
                        {
                            Ok(Command::Set {
                                name: "TimeZone".into(),
                                value: None,
                            })
                        }
                        Some([one]) => Ok(Command::Set {
                            name: "TimeZone".into(),
                            value: Some(one.clone()),
                        }),
                        _ => Err(syntax()),
                    });
                }
                Some("names") => {
                    return Some(match values(src, &sig[i + 1..]).as_deref() {
                        Some([one]) => normalize("client_encoding", one).map(|v| Command::Set {
                            name: "client_encoding".into(),
                            value: Some(v),
                        }),
                        _ => Err(syntax()),
                    });
                }
                Some("schema") => {
                    return Some(match values(src, &sig[i + 1..]).as_deref() {
                        Some([one]) => Ok(Command::Set {
                            name: "search_path".into(),
                            value: Some(one.clone()),
                        }),
                        _ => Err(syntax()),
                    });
                }
                _ => {}
            }
            let Some((name, next)) = name_at(i) else {
                return Some(Err(syntax()));
            };
            let to = sig.get(next).is_some_and(|t| {
                t.is_word(src, "to") || (t.kind == Kind::Op && t.text(src) == "=")
            });
            if !to {
                return Some(Err(syntax()));
            }
            let name = match resolve(&name) {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            let rest = &sig[next + 1..];
            if rest.len() == 1 && rest[0].is_word(src, "default") {
                return Some(Ok(Command::Set { name, value: None }));
            }
            match values(src, rest) {
                Some(v) if !v.is_empty() => {
                    normalize(&name, &v.join(", ")).map(|value| Command::Set {
                        name,
                        value: Some(value),
                    })
                }
                _ => Err(syntax()),
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PgResult<Command> {
        parse(s, &lex::tokenize(s)).expect("a settings statement")
    }

    fn set(name: &str, value: Option<&str>) -> Command {
        Command::Set {
            name: name.into(),
            value: value.map(Into::into),
        }
    }

    #[test]
    fn set_forms() {
        assert_eq!(
            p("SET search_path TO a, \"B\"").unwrap(),
            set("search_path", Some("a, \"B\""))
        );
        assert_eq!(
            p("set datestyle = 'ISO, DMY'").unwrap(),
            set("DateStyle", Some("ISO, DMY"))
        );
        assert_eq!(
            p("SET SESSION statement_timeout = 5000").unwrap(),
            set("statement_timeout", Some("5s"))
        );
        assert_eq!(
            p("set statement_timeout to '150ms'").unwrap(),
            set("statement_timeout", Some("150ms"))
        );
        assert_eq!(
            p("SET TIME ZONE 'UTC'").unwrap(),
            set("TimeZone", Some("UTC"))
        );
        assert_eq!(p("SET a.b = 1").unwrap(), set("a.b", Some("1")));
        assert_eq!(
            p("SET extra_float_digits = -1").unwrap(),
            set("extra_float_digits", Some("-1"))
        );
        assert_eq!(
            p("SET application_name TO DEFAULT").unwrap(),
            set("application_name", None)
        );
        assert_eq!(
            p("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").unwrap(),
            Command::Ignored("SET")
        );
        assert_eq!(p("set foo = 1").unwrap_err().code.code(), "42704");
        assert_eq!(
            p("set client_encoding = 'latin1'").unwrap_err().code.code(),
            "22023"
        );
        assert_eq!(p("set x").unwrap_err().code.code(), "42601");
        assert_eq!(
            p("set statement_timeout = 'soon'").unwrap_err().code.code(),
            "22023"
        );
    }

    #[test]
    fn show_and_reset() {
        assert_eq!(p("SHOW ALL").unwrap(), Command::ShowAll);
        assert_eq!(
            p("show datestyle").unwrap(),
            Command::Show("DateStyle".into())
        );
        assert_eq!(
            p("SHOW TIME ZONE").unwrap(),
            Command::Show("TimeZone".into())
        );
        assert_eq!(
            p("show transaction isolation level").unwrap(),
            Command::Show("transaction_isolation".into())
        );
        assert_eq!(p("show nope").unwrap_err().code.code(), "42704");
        assert_eq!(p("RESET ALL").unwrap(), Command::Reset(None));
        assert_eq!(
            p("reset search_path;").unwrap(),
            Command::Reset(Some("search_path".into()))
        );
        assert!(parse("select 1", &lex::tokenize("select 1")).is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("5000"), Some(5000));
        assert_eq!(parse_duration_ms("1min"), Some(60_000));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500));
        assert_eq!(parse_duration_ms("x"), None);
        assert_eq!(show_duration(90_000), "90s");
    }

    #[test]
    fn gucs_are_sorted() {
        let names: Vec<String> = GUCS.iter().map(|g| g.name.to_ascii_lowercase()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
