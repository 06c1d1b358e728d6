//! What the example reads from SQL text with pgwire's PostgreSQL lexer: the statement's
//! kind, where its `$n` parameters stand and what types they take, and the column types of
//! the tables it names.

use gluesql::core::ast::DataType;
use pgwire::prelude::*;
pub(super) use pgwire::sql::lexer::Token;
use pgwire::sql::lexer::{TokenKind, tokenize};

use super::{Engine, convert::pg_type};

/// Where a `$n` stands in the SQL text.
#[derive(Debug, Clone)]
pub(super) struct Param {
    start: usize,
    end: usize,
    /// `n - 1`.
    pub index: usize,
    /// After `LIMIT` or `OFFSET`.
    in_limit: bool,
}

/// The tokens of `sql` (42601 for a lexical error).
pub(super) fn tokens(sql: &str) -> PgResult<Vec<Token>> {
    tokenize(sql).map_err(|e| PgError::new(SqlState::SYNTAX_ERROR, e.to_string()))
}

/// The command tag of a statement without rows: its first keyword, or two for `CREATE`,
/// `DROP` and `ALTER` (`CREATE TABLE`); `None` for an empty statement.
pub(super) fn command(tokens: &[Token]) -> Option<String> {
    let word = |i: usize| match tokens.get(i).map(|t| &t.kind) {
        Some(TokenKind::Ident(w)) => w.to_ascii_uppercase(),
        _ => String::new(),
    };
    if tokens.iter().all(|t| t.kind == TokenKind::Semicolon) {
        return None;
    }
    Some(match word(0) {
        w if matches!(w.as_str(), "CREATE" | "DROP" | "ALTER") => format!("{w} {}", word(1)),
        w => w,
    })
}

/// The `$n` parameters of a statement.
pub(super) fn params(tokens: &[Token]) -> PgResult<Vec<Param>> {
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if let TokenKind::Param(n) = t.kind {
            let index = (n as usize).checked_sub(1).ok_or_else(|| {
                PgError::new(SqlState::from_code("42P02"), "there is no parameter $0")
            })?;
            let prev = i.checked_sub(1).map(|p| &tokens[p].kind);
            let in_limit =
                matches!(prev, Some(TokenKind::Ident(w)) if w == "limit" || w == "offset");
            out.push(Param {
                start: t.start,
                end: t.end,
                index,
                in_limit,
            });
        }
    }
    Ok(out)
}

/// `sql` with each parameter replaced by `literal(param)`.
pub(super) fn substitute(
    sql: &str,
    params: &[Param],
    mut literal: impl FnMut(&Param) -> PgResult<String>,
) -> PgResult<String> {
    let mut out = String::with_capacity(sql.len() + 16 * params.len());
    let mut at = 0;
    for p in params {
        out.push_str(&sql[at..p.start]);
        out.push_str(&literal(p)?);
        at = p.end;
    }
    out.push_str(&sql[at..]);
    Ok(out)
}

/// An identifier as GlueSQL reads it (unquoted ones keep their case).
fn ident<'a>(sql: &'a str, t: &'a Token) -> Option<&'a str> {
    match &t.kind {
        TokenKind::Ident(_) => Some(t.text(sql)),
        TokenKind::QuotedIdent(s) => Some(s),
        _ => None,
    }
}

/// The type of column `name` in the first table the statement names that has one.
pub(super) fn column_type(
    glue: &Engine,
    sql: &str,
    tokens: &[Token],
    name: &str,
) -> Option<DataType> {
    (tokens.iter().filter_map(|t| ident(sql, t)))
        .filter_map(|table| glue.storage.items.get(table)?.schema.column_defs.as_ref())
        .flatten()
        .find(|c| c.name == name)
        .map(|c| c.data_type.clone())
}

/// Parameter types, as PostgreSQL would infer them in the common places: the column across a
/// comparison, an arithmetic operator or `SET col =`, the target column in `INSERT … VALUES`, `bigint` after `LIMIT`
/// and `OFFSET`, else `text`. Types the client declared win.
pub(super) fn param_types(
    glue: &Engine,
    sql: &str,
    tokens: &[Token],
    params: &[Param],
    declared: &[Option<Type>],
) -> Vec<Type> {
    let n = params
        .iter()
        .map(|p| p.index + 1)
        .max()
        .unwrap_or(0)
        .max(declared.len());
    let mut types: Vec<Option<Type>> = declared.to_vec();
    types.resize(n, None);
    let column = |t: Option<&Token>| column_type(glue, sql, tokens, ident(sql, t?)?);
    let cmp = |t: Option<&Token>| {
        matches!(t.map(|t| &t.kind), Some(TokenKind::Operator(op))
            if ["=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"].contains(&op.as_str()))
    };
    let insert = insert_targets(glue, sql, tokens);
    let mut p = params.iter();
    for (i, t) in tokens.iter().enumerate() {
        if !matches!(t.kind, TokenKind::Param(_)) {
            continue;
        }
        let Some(param) = p.next() else { break };
        let at = |d: isize| tokens.get(i.checked_add_signed(d)?);
        let guess = (cmp(at(-1)).then(|| column(at(-2))).flatten())
            .or_else(|| cmp(at(1)).then(|| column(at(2))).flatten())
            .or_else(|| {
                insert
                    .iter()
                    .find(|(k, _)| *k == i)
                    .and_then(|(_, t)| t.clone())
            })
            .map(|t| pg_type(&t))
            .or_else(|| param.in_limit.then_some(Type::INT8));
        let slot = &mut types[param.index];
        if slot.is_none() {
            *slot = guess;
        }
    }
    types.into_iter().map(|t| t.unwrap_or(Type::TEXT)).collect()
}

/// For `INSERT INTO t [(cols)] VALUES (…), …`: each token that is a whole value, with the
/// type of the column it goes into.
fn insert_targets(glue: &Engine, sql: &str, tokens: &[Token]) -> Vec<(usize, Option<DataType>)> {
    let is = |i: usize, w: &str| matches!(tokens.get(i).map(|t| &t.kind), Some(TokenKind::Ident(x)) if x == w);
    let defs = match tokens.get(2).and_then(|t| ident(sql, t)) {
        Some(table) if is(0, "insert") && is(1, "into") => glue.storage.items.get(table),
        _ => None,
    };
    let Some(defs) = defs.and_then(|item| item.schema.column_defs.as_ref()) else {
        return Vec::new();
    };
    let Some(values) = (3..tokens.len()).find(|&i| is(i, "values")) else {
        return Vec::new();
    };
    let named: Vec<&str> = tokens[3..values]
        .iter()
        .filter_map(|t| ident(sql, t))
        .collect();
    let target = |k: usize| match named.is_empty() {
        true => defs.get(k),
        false => named
            .get(k)
            .and_then(|n| defs.iter().find(|c| c.name == *n)),
    };
    let (mut out, mut depth, mut k) = (Vec::new(), 0, 0);
    for (i, t) in tokens.iter().enumerate().skip(values + 1) {
        match t.kind {
            TokenKind::LParen => (depth, k) = (depth + 1, if depth == 0 { 0 } else { k }),
            TokenKind::RParen => depth -= 1,
            TokenKind::Comma if depth == 1 => k += 1,
            TokenKind::Param(_) if depth == 1 => {
                let whole = |d: isize, a: TokenKind, b: TokenKind| {
                    let kind = tokens.get(i.wrapping_add_signed(d)).map(|t| &t.kind);
                    kind == Some(&a) || kind == Some(&b)
                };
                if whole(-1, TokenKind::LParen, TokenKind::Comma)
                    && whole(1, TokenKind::RParen, TokenKind::Comma)
                {
                    out.push((i, target(k).map(|c| c.data_type.clone())));
                }
            }
            _ => {}
        }
    }
    out
}
