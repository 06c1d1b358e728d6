//! PostgreSQL's NULL ordering: NULLs sort as larger than any value (last in `ASC`, first in
//! `DESC`), where SQLite sorts them as smaller. Every `ORDER BY` term without its own
//! `NULLS FIRST|LAST` gets PostgreSQL's default spelled out — in queries, subqueries,
//! window definitions and aggregate calls. SQLite still walks an index for
//! `ORDER BY col NULLS LAST` (and ignores it for NOT NULL columns and the rowid), so plans
//! keep their indexes.

use super::lex::{self, Kind, Token};

/// Words that end an `ORDER BY` list at its own depth.
const ENDS: &[&str] = &[
    "limit",
    "offset",
    "fetch",
    "for",
    "union",
    "intersect",
    "except",
    "rows",
    "range",
    "groups",
    "window",
    "returning",
];

/// One `ORDER BY` list being read.
struct List {
    depth: i32,
    /// The current term: where it ends so far, and what it said.
    last_end: usize,
    desc: bool,
    nulls: bool,
}

impl List {
    fn new(depth: i32) -> List {
        List {
            depth,
            last_end: 0,
            desc: false,
            nulls: false,
        }
    }

    /// The text to insert at the end of the current term.
    fn default_nulls(&self) -> Option<(usize, &'static str)> {
        (!self.nulls && self.last_end > 0).then_some((
            self.last_end,
            if self.desc {
                " NULLS FIRST"
            } else {
                " NULLS LAST"
            },
        ))
    }
}

/// `sql` (SQLite text) with PostgreSQL's NULL ordering made explicit; `None` when that
/// changes nothing.
pub fn rewrite(sql: &str) -> Option<String> {
    if !has_order_by(sql) {
        return None;
    }
    let sig = lex::significant(sql);
    let mut inserts: Vec<(usize, &'static str)> = Vec::new();
    let mut lists: Vec<List> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < sig.len() {
        let t = sig[i];
        // Does this token end the innermost list's current term (or the list)?
        if let Some(list) = lists.last_mut() {
            if depth == list.depth {
                let comma = t.kind == Kind::Punct(b',');
                let end = matches!(t.kind, Kind::Punct(b')' | b';'))
                    || ENDS.iter().any(|w| t.is_word(sql, w));
                if comma || end {
                    inserts.extend(list.default_nulls());
                    if end {
                        lists.pop();
                    } else {
                        *list = List::new(list.depth);
                    }
                } else {
                    if t.is_word(sql, "desc") {
                        list.desc = true;
                    } else if t.is_word(sql, "asc") {
                        list.desc = false;
                    } else if t.is_word(sql, "nulls") {
                        list.nulls = true;
                    }
                    list.last_end = t.end;
                }
            } else {
                // Inside parentheses within the term (a call, a subquery).
                list.last_end = t.end;
            }
        }
        if let Some(by) = sig.get(i + 1) {
            if t.is_word(sql, "order") && by.is_word(sql, "by") {
                lists.push(List::new(depth));
                i += 2;
                continue;
            }
        }
        depth_step(t, &mut depth);
        i += 1;
    }
    while let Some(list) = lists.pop() {
        inserts.extend(list.default_nulls());
    }
    if inserts.is_empty() {
        return None;
    }
    inserts.sort_by_key(|&(at, _)| at);
    let mut out = String::with_capacity(sql.len() + inserts.len() * 12);
    let mut at = 0;
    for (pos, text) in inserts {
        out.push_str(&sql[at..pos]);
        out.push_str(text);
        at = pos;
    }
    out.push_str(&sql[at..]);
    Some(out)
}

fn depth_step(t: Token, depth: &mut i32) {
    match t.kind {
        Kind::Punct(b'(') => *depth += 1,
        Kind::Punct(b')') => *depth -= 1,
        _ => {}
    }
}

/// A cheap test before lexing: the bytes `order` in any case.
fn has_order_by(sql: &str) -> bool {
    sql.as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"order"))
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn terms_get_postgres_null_ordering() {
        let cases = [
            ("select a from t", "select a from t"),
            (
                "select a from t order by a",
                "select a from t order by a NULLS LAST",
            ),
            (
                "select a from t order by a desc, b, c nulls first limit 3",
                "select a from t order by a desc NULLS FIRST, b NULLS LAST, c nulls first limit 3",
            ),
            (
                "select (select x from u order by x desc limit 1) from t order by f(a, b) asc;",
                "select (select x from u order by x desc NULLS FIRST limit 1) from t order by f(a, b) asc NULLS LAST;",
            ),
            (
                "select row_number() over (partition by a order by b rows unbounded preceding), \
                 group_concat(c, ',' order by c desc) from t",
                "select row_number() over (partition by a order by b NULLS LAST rows unbounded preceding), \
                 group_concat(c, ',' order by c desc NULLS FIRST) from t",
            ),
            (
                "select a from t union all select a from u order by 1",
                "select a from t union all select a from u order by 1 NULLS LAST",
            ),
            ("select 'order by x' from t", "select 'order by x' from t"),
            (
                "select a from (select a from t order by a) s",
                "select a from (select a from t order by a NULLS LAST) s",
            ),
        ];
        for (sql, want) in cases {
            assert_eq!(rewrite(sql).as_deref().unwrap_or(sql), want, "{sql}");
        }
    }
}
