//! Splitting a simple-protocol query string into statements, with PostgreSQL's lexical
//! rules for quotes, dollar quotes and comments.

/// Splits `sql` at top-level semicolons. Each piece keeps its text (without the `;`);
/// pieces that are only whitespace and comments are kept as empty statements only when the
/// whole string is empty (PostgreSQL answers EmptyQueryResponse once for that).
pub(crate) fn statements(sql: &str) -> Vec<&str> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut depth = 0i32;
    while i < b.len() {
        match b[i] {
            b'\'' => i = skip_quoted(b, i + 1, b'\'', is_escape_string(b, i)),
            b'"' => i = skip_quoted(b, i + 1, b'"', false),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p + 1);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block_comment(b, i),
            b'$' => i = skip_dollar(b, i),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth -= 1;
                i += 1;
            }
            b';' if depth <= 0 => {
                out.push(&sql[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push(&sql[start..]);
    out.retain(|s| !is_blank(s));
    out
}

/// Whether `sql` holds nothing but whitespace and comments.
pub(crate) fn is_blank(sql: &str) -> bool {
    skip_space(sql.as_bytes(), 0) >= sql.len()
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"--") {
            i = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p + 1);
        } else if b[i..].starts_with(b"/*") {
            i = skip_block_comment(b, i);
        } else {
            return i;
        }
    }
}

fn is_escape_string(b: &[u8], quote: usize) -> bool {
    quote > 0
        && matches!(b[quote - 1], b'e' | b'E')
        && (quote < 2 || !(b[quote - 2].is_ascii_alphanumeric() || b[quote - 2] == b'_'))
}

fn skip_quoted(b: &[u8], mut i: usize, q: u8, backslash: bool) -> usize {
    while i < b.len() {
        if backslash && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

fn skip_dollar(b: &[u8], i: usize) -> usize {
    // `$n` parameters and identifiers containing `$` are not quotes.
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'$') {
        return i + 1;
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80) {
        j += 1;
    }
    if j >= b.len() || b[j] != b'$' || b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        return i + 1;
    }
    let tag = &b[i..=j];
    let body = j + 1;
    match b[body..].windows(tag.len()).position(|w| w == tag) {
        Some(p) => body + p + tag.len(),
        None => b.len(),
    }
}

/// The leading keywords of a statement as written, skipping whitespace and comments.
pub(crate) fn keywords(sql: &str) -> impl Iterator<Item = &str> + '_ {
    let b = sql.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        i = skip_space(b, i);
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_') {
            i += 1;
        }
        (i > start).then(|| &sql[start..i])
    })
}

/// What a statement does to the transaction block, from its leading keywords: how the
/// runtime tracks the transaction status, and how a handler with transactions of its own can
/// recognize the same statements.
///
/// ```
/// use pgwire::query::TxVerb;
/// assert_eq!(TxVerb::of("start transaction"), TxVerb::Begin);
/// assert_eq!(TxVerb::of("/* c */ END"), TxVerb::Commit);
/// assert_eq!(TxVerb::of("rollback to s"), TxVerb::RollbackTo);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxVerb {
    /// `BEGIN`, `START TRANSACTION`.
    Begin,
    /// `COMMIT`, `END`.
    Commit,
    /// `ROLLBACK`, `ABORT`.
    Rollback,
    /// `ROLLBACK TO [SAVEPOINT]`.
    RollbackTo,
    /// `COMMIT PREPARED`, `ROLLBACK PREPARED`: allowed in a failed transaction, no change.
    Prepared,
    /// Anything else.
    Other,
}

impl TxVerb {
    /// Classifies `sql` without allocating.
    pub fn of(sql: &str) -> TxVerb {
        let mut k = keywords(sql);
        let first = k.next().unwrap_or("");
        let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let verb = if is(first, "begin") || is(first, "start") {
            TxVerb::Begin
        } else if is(first, "commit") || is(first, "end") {
            TxVerb::Commit
        } else if is(first, "rollback") || is(first, "abort") {
            TxVerb::Rollback
        } else {
            return TxVerb::Other;
        };
        match (verb, k.next()) {
            (TxVerb::Rollback, Some(w)) if is(w, "to") => TxVerb::RollbackTo,
            (TxVerb::Commit | TxVerb::Rollback, Some(w)) if is(w, "prepared") => TxVerb::Prepared,
            (v, _) => v,
        }
    }

    /// Whether the statement may run in a failed transaction.
    pub fn allowed_when_failed(self) -> bool {
        !matches!(self, TxVerb::Begin | TxVerb::Other)
    }
}

/// What a statement does to a savepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SavepointOp {
    /// `SAVEPOINT name`.
    Set,
    /// `RELEASE [SAVEPOINT] name`.
    Release,
    /// `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name`.
    RollbackTo,
}

/// The savepoint statement `sql` is, with the savepoint's name as PostgreSQL folds it.
///
/// Runs after every statement that succeeds, so it looks at the first keyword (without
/// allocating) before lexing anything.
pub(crate) fn savepoint_op(sql: &str) -> Option<(SavepointOp, String)> {
    use crate::sql::lexer::{Lexer, RawKind};
    let first = keywords(sql).next()?;
    if !["savepoint", "release", "rollback", "abort"]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
    {
        return None;
    }
    let words: Vec<RawKind<'_>> = Lexer::new(sql)
        .take(6)
        .map_while(Result::ok)
        .map(|t| t.kind)
        .collect();
    let word = |i: usize| match words.get(i) {
        Some(RawKind::Ident(w)) => Some(w.to_ascii_lowercase()),
        _ => None,
    };
    let name = |i: usize| match words.get(i) {
        Some(RawKind::Ident(w)) => Some(w.to_ascii_lowercase()),
        Some(RawKind::QuotedIdent(w)) => Some(w.to_string()),
        _ => None,
    };
    let skip = |i: usize, w: &str| i + usize::from(word(i).as_deref() == Some(w));
    match word(0)?.as_str() {
        "savepoint" => Some((SavepointOp::Set, name(1)?)),
        "release" => Some((SavepointOp::Release, name(skip(1, "savepoint"))?)),
        "rollback" | "abort" => {
            let mut i = 1;
            if matches!(word(1).as_deref(), Some("work" | "transaction")) {
                i = 2;
            }
            (word(i).as_deref() == Some("to")).then_some(())?;
            Some((SavepointOp::RollbackTo, name(skip(i + 1, "savepoint"))?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savepoint_statements_and_names() {
        use SavepointOp::*;
        let op = |s: &str| savepoint_op(s);
        assert_eq!(op("SAVEPOINT sp1"), Some((Set, "sp1".into())));
        assert_eq!(op("release savepoint \"Sp\""), Some((Release, "Sp".into())));
        assert_eq!(op("RELEASE a"), Some((Release, "a".into())));
        assert_eq!(op("ROLLBACK TO b"), Some((RollbackTo, "b".into())));
        assert_eq!(
            op("rollback work to savepoint C"),
            Some((RollbackTo, "c".into()))
        );
        assert_eq!(op("ROLLBACK"), None);
        assert_eq!(op("select 1"), None);
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        assert_eq!(
            statements("select 1; select 2"),
            vec!["select 1", " select 2"]
        );
        assert_eq!(
            statements("select ';'; select 2;"),
            vec!["select ';'", " select 2"]
        );
        assert_eq!(statements("select $$a;b$$;"), vec!["select $$a;b$$"]);
        assert_eq!(
            statements("select $x$a;$$;b$x$"),
            vec!["select $x$a;$$;b$x$"]
        );
        assert_eq!(statements("select E'\\';'"), vec!["select E'\\';'"]);
        assert_eq!(statements("select 1 -- ;\n"), vec!["select 1 -- ;\n"]);
        assert_eq!(
            statements("/* ; /* ; */ */ select 1"),
            vec!["/* ; /* ; */ */ select 1"]
        );
        assert_eq!(
            statements("select \"a;\" from t"),
            vec!["select \"a;\" from t"]
        );
        assert_eq!(
            statements("select $1; select 2"),
            vec!["select $1", " select 2"]
        );
        assert!(statements("").is_empty());
        assert!(statements(" ; -- c\n;").is_empty());
    }

    #[test]
    fn reads_keywords() {
        let k: Vec<_> = keywords("  /* x */ ROLLBACK -- y\n TO sp").collect();
        assert_eq!(k, vec!["ROLLBACK", "TO", "sp"]);
        assert_eq!(TxVerb::of(" rollback /* */ to sp"), TxVerb::RollbackTo);
        assert_eq!(TxVerb::of("Start Transaction"), TxVerb::Begin);
        assert_eq!(TxVerb::of("END"), TxVerb::Commit);
        assert_eq!(TxVerb::of("commit prepared 'x'"), TxVerb::Prepared);
        assert_eq!(TxVerb::of("abort"), TxVerb::Rollback);
        assert_eq!(TxVerb::of("select 1"), TxVerb::Other);
    }

    #[test]
    fn never_panics_on_unterminated_input() {
        for s in ["'", "\"", "$a$", "/*", "--", "E'\\", "$", "$$", "(("] {
            let _ = statements(s);
            let _ = keywords(s).count();
        }
    }
}
