//! Types for `$n` parameters the client left untyped (OID 0), inferred from the columns they
//! meet, as PostgreSQL would in the common places, for engines that cannot describe a
//! statement's parameters themselves.
//!
//! The engine tells a table's columns through a catalog callback; [`Scope`] holds the
//! tables a statement names, and also types result columns from the values an engine
//! returned ([`Scope::result_columns`]). The rules for parameters ([`Scope::param_types`]):
//!
//! * `col <op> $n` and `$n <op> col`, for a comparison (`=`, `<>`, `!=`, `<`, `>`, `<=`,
//!   `>=`) or arithmetic (`+`, `-`, `*`, `/`, `%`) operator, so also `SET col = $n`: the
//!   column's type;
//! * `INSERT INTO t [(cols)] VALUES (…, $n, …)`, the parameter being a whole value: the type
//!   of the column it goes into;
//! * `LIMIT $n`, `OFFSET $n`: `bigint`;
//! * anything else: `text`. Types the client declared always win.
//!
//! ```
//! use pgwire::sql::{infer::Scope, lexer::tokenize};
//! use pgwire::types::{Column, Type};
//!
//! let sql = "SELECT name FROM users WHERE id = $1 AND name <> $2 LIMIT $3";
//! let tokens = tokenize(sql).unwrap();
//! let scope = Scope::new(&tokens, |table| {
//!     (table == "users").then(|| vec![Column::new("id", Type::INT4), Column::new("name", Type::TEXT)])
//! });
//! assert_eq!(scope.param_types(&tokens, &[]), [Type::INT4, Type::TEXT, Type::INT8]);
//! assert_eq!(scope.column("id").map(|c| &c.ty), Some(&Type::INT4));
//! ```

use std::sync::Arc;

use super::lexer::{Token, TokenKind};
use crate::types::{Column, Type, Value};

/// The tables a statement names, with their columns.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    tables: Vec<(String, Vec<Column>)>,
}

const OPERATORS: &[&str] = &[
    "=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%",
];

/// An identifier as PostgreSQL reads it: folded to lower case unless quoted.
fn ident(t: Option<&Token>) -> Option<&str> {
    match &t?.kind {
        TokenKind::Ident(s) | TokenKind::QuotedIdent(s) => Some(s),
        _ => None,
    }
}

fn is_word(t: Option<&Token>, word: &str) -> bool {
    matches!(t.map(|t| &t.kind), Some(TokenKind::Ident(w)) if w == word)
}

impl Scope {
    /// The tables among the identifiers of `tokens` (the statement
    /// [tokenized](super::lexer::tokenize)): those for which `catalog` returns columns.
    /// `catalog` gets each name as PostgreSQL reads it (folded to lower case unless quoted).
    pub fn new(tokens: &[Token], mut catalog: impl FnMut(&str) -> Option<Vec<Column>>) -> Scope {
        let mut tables: Vec<(String, Vec<Column>)> = Vec::new();
        for name in tokens.iter().filter_map(|t| ident(Some(t))) {
            if tables.iter().all(|(t, _)| t != name) {
                if let Some(columns) = catalog(name) {
                    tables.push((name.to_owned(), columns));
                }
            }
        }
        Scope { tables }
    }

    /// Column `name` of the first table in the statement that has one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.tables
            .iter()
            .flat_map(|(_, cols)| cols)
            .find(|c| c.name == name)
    }

    /// Result columns for rows an engine returned without types: each column takes the type
    /// of its first non-NULL value, else that of the table column of its name, else `text`.
    pub fn result_columns(&self, labels: &[String], rows: &[Vec<Value>]) -> Arc<[Column]> {
        let column = |(i, label): (usize, &String)| {
            let ty = (rows.iter())
                .find_map(|r| r.get(i).filter(|v| !v.is_null()).map(Value::pg_type))
                .or_else(|| self.column(label).map(|c| c.ty.clone()));
            Column::new(label.as_str(), ty.unwrap_or(Type::TEXT))
        };
        labels.iter().enumerate().map(column).collect()
    }

    /// The type of each parameter: `declared[i]` where the client declared it, else the
    /// type inferred by the rules of the [module](self), else `text`. As many as the highest
    /// `$n` or the declared types, whichever is more.
    pub fn param_types(&self, tokens: &[Token], declared: &[Option<Type>]) -> Vec<Type> {
        let mut types: Vec<Option<Type>> = declared.to_vec();
        let inserts = self.insert_targets(tokens);
        for (i, t) in tokens.iter().enumerate() {
            let TokenKind::Param(n) = t.kind else {
                continue;
            };
            let Some(index) = (n as usize).checked_sub(1) else {
                continue;
            };
            if types.len() <= index {
                types.resize(index + 1, None);
            }
            if types[index].is_some() {
                continue;
            }
            let at = |d: isize| tokens.get(i.checked_add_signed(d)?);
            let operator = |t: Option<&Token>| matches!(t.map(|t| &t.kind), Some(TokenKind::Operator(op)) if OPERATORS.contains(&op.as_str()));
            let beside = |op: isize, col: isize| {
                operator(at(op))
                    .then(|| self.column(ident(at(col))?))
                    .flatten()
            };
            types[index] = beside(-1, -2)
                .or_else(|| beside(1, 2))
                .or_else(|| inserts.iter().find(|(k, _)| *k == i).map(|(_, c)| *c))
                .map(|c| c.ty.clone())
                .or_else(|| {
                    (is_word(at(-1), "limit") || is_word(at(-1), "offset")).then_some(Type::INT8)
                });
        }
        types.into_iter().map(|t| t.unwrap_or(Type::TEXT)).collect()
    }

    /// For `INSERT INTO t [(cols)] VALUES (…), …`: each `$n` token that is a whole value, with
    /// the column it goes into.
    fn insert_targets(&self, tokens: &[Token]) -> Vec<(usize, &Column)> {
        let mut out = Vec::new();
        if !is_word(tokens.first(), "insert") || !is_word(tokens.get(1), "into") {
            return out;
        }
        let table = ident(tokens.get(2));
        let Some((_, defs)) = self.tables.iter().find(|(t, _)| Some(t.as_str()) == table) else {
            return out;
        };
        let Some(values) = (3..tokens.len()).find(|&i| is_word(tokens.get(i), "values")) else {
            return out;
        };
        let named: Vec<&str> = tokens[3..values]
            .iter()
            .filter_map(|t| ident(Some(t)))
            .collect();
        let target = |k: usize| match named.is_empty() {
            true => defs.get(k),
            false => named
                .get(k)
                .and_then(|n| defs.iter().find(|c| c.name == *n)),
        };
        let kind = |i: Option<usize>| i.and_then(|i| tokens.get(i)).map(|t| &t.kind);
        let (mut depth, mut k) = (0, 0);
        for (i, t) in tokens.iter().enumerate().skip(values + 1) {
            match t.kind {
                TokenKind::LParen => {
                    if depth == 0 {
                        k = 0;
                    }
                    depth += 1;
                }
                TokenKind::RParen => depth -= 1,
                TokenKind::Comma if depth == 1 => k += 1,
                TokenKind::Param(_) if depth == 1 => {
                    let before = kind(i.checked_sub(1));
                    let after = kind(Some(i + 1));
                    let whole = matches!(before, Some(TokenKind::LParen | TokenKind::Comma))
                        && matches!(after, Some(TokenKind::RParen | TokenKind::Comma));
                    if let (true, Some(c)) = (whole, target(k)) {
                        out.push((i, c));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::tokenize;

    fn types(sql: &str, declared: &[Option<Type>]) -> Vec<Type> {
        let tokens = tokenize(sql).unwrap();
        let scope = Scope::new(&tokens, |t| match t {
            "t" => Some(vec![
                Column::new("id", Type::INT8),
                Column::new("name", Type::TEXT),
                Column::new("at", Type::DATE),
            ]),
            "Q" => Some(vec![Column::new("f", Type::FLOAT8)]),
            _ => None,
        });
        scope.param_types(&tokens, declared)
    }

    #[test]
    fn infers_from_columns_operators_and_limits() {
        assert_eq!(
            types(
                "select * from t where id > $1 and $2 = name limit $3 offset $4",
                &[]
            ),
            [Type::INT8, Type::TEXT, Type::INT8, Type::INT8]
        );
        assert_eq!(
            types("update t set at = $1 where id - $2 < 3", &[]),
            [Type::DATE, Type::INT8]
        );
        assert_eq!(types("select f * $1 from \"Q\"", &[]), [Type::FLOAT8]);
        // Unknown places and unknown tables: text.
        assert_eq!(
            types("select $1, x = $2 from u", &[]),
            [Type::TEXT, Type::TEXT]
        );
    }

    #[test]
    fn infers_insert_targets() {
        assert_eq!(
            types(
                "insert into t values ($1, $2, $3), ($4, upper($5), $6)",
                &[]
            ),
            [
                Type::INT8,
                Type::TEXT,
                Type::DATE,
                Type::INT8,
                Type::TEXT,
                Type::DATE
            ]
        );
        assert_eq!(
            types("insert into t (at, id) values ($1, $2)", &[]),
            [Type::DATE, Type::INT8]
        );
        // A parameter inside an expression is not a whole value.
        assert_eq!(types("insert into t values ($1 || 'x')", &[]), [Type::TEXT]);
    }

    #[test]
    fn result_columns_from_values_then_the_catalog() {
        let tokens = tokenize("select * from t").unwrap();
        let scope = Scope::new(&tokens, |_| Some(vec![Column::new("at", Type::DATE)]));
        let labels = ["n".to_owned(), "at".to_owned(), "x".to_owned()];
        let rows = [
            vec![Value::Null, Value::Null, Value::Null],
            vec![Value::Int8(1), Value::Null, Value::Null],
        ];
        let cols = scope.result_columns(&labels, &rows);
        let types: Vec<_> = cols.iter().map(|c| c.ty.clone()).collect();
        assert_eq!(types, [Type::INT8, Type::DATE, Type::TEXT]);
    }

    #[test]
    fn declared_types_win_and_fill_gaps() {
        assert_eq!(
            types("select * from t where id = $2", &[Some(Type::INT4)]),
            [Type::INT4, Type::INT8]
        );
        assert_eq!(
            types(
                "select * from t where id = $1",
                &[Some(Type::NUMERIC), None]
            ),
            [Type::NUMERIC, Type::TEXT]
        );
        assert_eq!(types("select $0", &[]), Vec::<Type>::new());
    }
}
