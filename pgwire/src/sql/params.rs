//! A statement's `$n` placeholders, found with the [lexer](super::lexer) (so a `$1` inside a
//! string, a quoted identifier or a comment is left alone), and bound parameters written into
//! the text as [literals](super::literal), for engines that cannot bind parameters.
//!
//! ```
//! use pgwire::sql::{lexer::tokenize, params::Placeholders};
//! use pgwire::types::{Formats, Params, Type};
//!
//! let sql = "SELECT '$1', $1 -- $2\n FROM t WHERE a = $2";
//! let found = Placeholders::find(&tokenize(sql).unwrap()).unwrap();
//! assert_eq!(found.count(), 2);
//! let params = Params::new(
//!     vec![Type::TEXT, Type::INT4].into(),
//!     Formats::AllText,
//!     vec![Some("it's".into()), Some("-1".into())],
//! );
//! assert_eq!(
//!     found.bind(sql, &params, false).unwrap(),
//!     "SELECT '$1', 'it''s' -- $2\n FROM t WHERE a = (-1)"
//! );
//! ```

use bytes::BytesMut;

use super::lexer::{Token, TokenKind};
use super::literal::write_literal_with;
use crate::error::{PgError, PgResult, SqlState};
use crate::types::{Params, Value};

/// Where each `$n` of a statement stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placeholders {
    /// (start, end, n - 1) of each placeholder, in text order.
    spots: Vec<(usize, usize, usize)>,
    count: usize,
}

impl Placeholders {
    /// The placeholders among `tokens` (the statement [tokenized](super::lexer::tokenize)).
    /// `$0` is an error (42P02), as in PostgreSQL.
    pub fn find(tokens: &[Token]) -> PgResult<Placeholders> {
        let mut out = Placeholders::default();
        for t in tokens {
            if let TokenKind::Param(n) = t.kind {
                let index = (n as usize).checked_sub(1).ok_or_else(|| no_parameter(0))?;
                out.count = out.count.max(index + 1);
                out.spots.push((t.start, t.end, index));
            }
        }
        Ok(out)
    }

    /// How many parameters the statement takes: the highest `n` of its `$n`.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether the statement has no placeholder.
    pub fn is_empty(&self) -> bool {
        self.spots.is_empty()
    }

    /// `sql` with each `$n` replaced by what `literal(n - 1, out)` appends to the text.
    pub fn substitute(
        &self,
        sql: &str,
        mut literal: impl FnMut(usize, &mut String) -> PgResult<()>,
    ) -> PgResult<String> {
        let mut out = String::with_capacity(sql.len() + 8 * self.spots.len());
        let mut at = 0;
        for &(start, end, index) in &self.spots {
            out.push_str(sql.get(at..start).unwrap_or_default());
            literal(index, &mut out)?;
            at = end;
        }
        out.push_str(sql.get(at..).unwrap_or_default());
        Ok(out)
    }

    /// `sql` with each `$n` replaced by parameter `n` of `params` as a
    /// [literal](super::literal::write_literal), cast to the parameter's type when `casts`
    /// is set. A `$n` without a parameter is an error (42P02).
    pub fn bind(&self, sql: &str, params: &Params, casts: bool) -> PgResult<String> {
        let mut scratch = BytesMut::new();
        self.substitute(sql, |i, out| {
            if i >= params.len() {
                return Err(no_parameter(i + 1));
            }
            let v: Value = params.get(i)?;
            write_literal_with(out, &v, casts.then(|| params.ty(i)), &mut scratch)
        })
    }
}

fn no_parameter(n: usize) -> PgError {
    PgError::new(
        SqlState::UNDEFINED_PARAMETER,
        format!("there is no parameter ${n}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::tokenize;
    use crate::types::{Formats, Type};

    fn find(sql: &str) -> PgResult<Placeholders> {
        Placeholders::find(&tokenize(sql).unwrap())
    }

    #[test]
    fn finds_placeholders_outside_strings_and_comments() {
        let p = find("select $2, '$1', \"$1\", $$ $1 $$ /* $1 */ from t where x = $2").unwrap();
        assert_eq!(p.count(), 2);
        assert_eq!(p.spots.len(), 2);
        assert!(find("select 1").unwrap().is_empty());
        let e = find("select $0").unwrap_err();
        assert_eq!(e.code, SqlState::UNDEFINED_PARAMETER);
        assert_eq!(e.message, "there is no parameter $0");
    }

    #[test]
    fn binds_literals_with_and_without_casts() {
        let sql = "insert into t values ($1, $2, $3, $1)";
        let params = Params::new(
            vec![Type::INT8, Type::BYTEA, Type::DATE].into(),
            Formats::AllText,
            vec![Some("-3".into()), Some("\\x00ff".into()), None],
        );
        let p = find(sql).unwrap();
        assert_eq!(
            p.bind(sql, &params, false).unwrap(),
            "insert into t values ((-3), '\\x00ff', NULL, (-3))"
        );
        assert_eq!(
            p.bind(sql, &params, true).unwrap(),
            "insert into t values ((-3)::int8, '\\x00ff'::bytea, NULL::date, (-3)::int8)"
        );
        // A minus before a negative number stays arithmetic, not a comment.
        let sql = "select x-$1";
        assert_eq!(
            find(sql).unwrap().bind(sql, &params, false).unwrap(),
            "select x-(-3)"
        );
    }

    #[test]
    fn missing_and_bad_parameters_are_errors() {
        let sql = "select $1, $3";
        let params = Params::new(
            vec![Type::INT4, Type::INT4].into(),
            Formats::AllText,
            vec![Some("1".into()), Some("2".into())],
        );
        let e = find(sql).unwrap().bind(sql, &params, false).unwrap_err();
        assert_eq!(e.code, SqlState::UNDEFINED_PARAMETER);
        assert_eq!(e.message, "there is no parameter $3");
        let bad = Params::new(
            vec![Type::INT4].into(),
            Formats::AllText,
            vec![Some("x".into())],
        );
        let e = find("select $1").unwrap().bind("select $1", &bad, false);
        assert_eq!(e.unwrap_err().code, SqlState::INVALID_TEXT_REPRESENTATION);
    }

    #[test]
    fn custom_literals() {
        let sql = "select $1 + $2";
        let out = find(sql)
            .unwrap()
            .substitute(sql, |i, out| {
                out.push_str(&format!("p{i}"));
                Ok(())
            })
            .unwrap();
        assert_eq!(out, "select p0 + p1");
    }
}
