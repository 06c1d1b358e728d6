//! The route table: routes by the fingerprint of their template's shape, and the binding
//! of a client's statement (its own `$n`, or inlined literals) to a route's parameters.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use bytes::Bytes;

use crate::sql::template::{self, Shape, SlotValue};
use crate::types::Type;

/// The fingerprint is already a good 64-bit hash: use it as is.
#[derive(Default)]
pub(crate) struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type FpMap<V> = HashMap<u64, V, BuildHasherDefault<FingerprintHasher>>;

/// Where the value of one template parameter comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The client's parameter with this 0-based index.
    Client(usize),
    /// A literal written in the statement, in text format (`None` is NULL).
    Literal(Option<Bytes>),
}

/// How a statement's values reach a route's parameters.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Binding {
    /// The statement's `$n` are the template's `$n`: the client's parameters as they are.
    Direct,
    /// One source per template parameter.
    Mapped(Box<[Source]>),
}

/// A statement matched to a route.
#[derive(Debug)]
pub(crate) struct Match {
    /// Index of the route.
    pub route: usize,
    /// How its parameters are filled.
    pub binding: Binding,
    /// The types of the client's own parameters (ParameterDescription).
    pub client_types: Vec<Type>,
}

/// One route's template, with what matching needs precomputed.
#[derive(Debug)]
struct Template {
    shape: Shape,
    /// Number of placeholders (`$1..$n`).
    params: usize,
    /// Whether some `$n` appears more than once.
    repeats: bool,
}

/// Routes by shape fingerprint.
#[derive(Debug, Default)]
pub(crate) struct Table {
    by_fingerprint: FpMap<Vec<usize>>,
    templates: Vec<Template>,
}

/// Why a template could not be added.
#[derive(Debug)]
pub(crate) enum AddError {
    /// Same shape and same literals as the route with this index.
    Duplicate(usize),
    /// The placeholders are not `$1..$n`.
    Placeholders(template::PlaceholderError),
}

fn literal_count(shape: &Shape) -> usize {
    shape
        .slots
        .iter()
        .filter(|s| !matches!(s.value, SlotValue::Param(_)))
        .count()
}

/// The parts of a template that decide which statements it matches, beyond its key.
fn pattern(shape: &Shape) -> Vec<&SlotValue> {
    shape.slots.iter().map(|s| &s.value).collect()
}

impl Table {
    /// Adds route `index` with template `shape`. Templates of one shape that spell more
    /// literals are tried first (they are more specific).
    pub fn add(&mut self, index: usize, shape: Shape) -> Result<(), AddError> {
        let params = template::placeholders(&shape).map_err(AddError::Placeholders)? as usize;
        let fp = shape.fingerprint();
        let bucket = self.by_fingerprint.entry(fp).or_default();
        for &other in bucket.iter() {
            if let Some(o) = self.templates.get(other) {
                if o.shape.key == shape.key && pattern(&o.shape) == pattern(&shape) {
                    return Err(AddError::Duplicate(other));
                }
            }
        }
        let literals = literal_count(&shape);
        let pos = bucket
            .iter()
            .position(|&i| self.templates.get(i).map_or(0, |t| literal_count(&t.shape)) < literals)
            .unwrap_or(bucket.len());
        bucket.insert(pos, index);
        let uses = shape
            .slots
            .iter()
            .filter(|s| matches!(s.value, SlotValue::Param(_)))
            .count();
        debug_assert_eq!(self.templates.len(), index);
        self.templates.push(Template {
            shape,
            params,
            repeats: uses > params,
        });
        Ok(())
    }

    /// Every template key (for "did you mean" hints).
    pub fn keys(&self) -> impl Iterator<Item = (usize, &str)> {
        self.templates
            .iter()
            .enumerate()
            .map(|(i, t)| (i, t.shape.key.as_str()))
    }

    /// The route matching `query`, with its binding; `param_types(i)` gives route `i`'s
    /// parameter types. On a match, the literal values bound to parameters are moved out of
    /// `query`'s slots (its key stays intact).
    pub fn find<'t>(
        &self,
        query: &mut Shape,
        param_types: impl Fn(usize) -> &'t [Type],
    ) -> Option<Match> {
        let bucket = self.by_fingerprint.get(&query.fingerprint())?;
        for &index in bucket {
            let Some(t) = self.templates.get(index) else {
                continue;
            };
            if t.shape.key != query.key
                || t.shape.slots.len() != query.slots.len()
                || !fits(t, query)
            {
                continue;
            }
            let (binding, client_types) = bind(t, query, param_types(index))?;
            return Some(Match {
                route: index,
                binding,
                client_types,
            });
        }
        None
    }
}

/// Whether `query` (same key as the template) fits it: equal literals where the template
/// spells one, no client parameter where the template needs a literal, one value per
/// repeated `$n`, and compatible casts.
fn fits(t: &Template, query: &Shape) -> bool {
    let mut casts_differ = false;
    for (ts, qs) in t.shape.slots.iter().zip(&query.slots) {
        match (&ts.value, &qs.value) {
            (SlotValue::Param(_), _) => {}
            // A template literal cannot take a value that is only known at Bind.
            (_, SlotValue::Param(_)) => return false,
            (tv, qv) if tv != qv => return false,
            _ => {}
        }
        if let (Some(a), Some(b)) = (&ts.cast, &qs.cast) {
            casts_differ |= a != b;
        }
    }
    if t.repeats {
        let slots: Vec<(&SlotValue, &SlotValue)> = t
            .shape
            .slots
            .iter()
            .zip(&query.slots)
            .map(|(a, b)| (&a.value, &b.value))
            .collect();
        for (i, (ta, qa)) in slots.iter().enumerate() {
            let conflict = slots
                .iter()
                .skip(i + 1)
                .any(|(tb, qb)| matches!(ta, SlotValue::Param(_)) && ta == tb && qa != qb);
            if conflict {
                return false;
            }
        }
    }
    // Casts written on both sides: let the shared binder judge aliases (`int` vs `int4`).
    !(casts_differ && !query.has_params() && template::bind(&t.shape, query).is_err())
}

/// Builds the binding of a query that [`fits`] the template.
fn bind(t: &Template, query: &mut Shape, types: &[Type]) -> Option<(Binding, Vec<Type>)> {
    let mut sources: Vec<Option<Source>> = (0..t.params).map(|_| None).collect();
    let mut client: Vec<Option<Type>> = Vec::new();
    for (ts, qs) in t.shape.slots.iter().zip(query.slots.iter_mut()) {
        let SlotValue::Param(n) = ts.value else {
            continue;
        };
        let n = (n as usize).checked_sub(1)?;
        let entry = sources.get_mut(n)?;
        if entry.is_some() {
            continue; // a repeated $n: `fits` checked the values are equal
        }
        *entry = Some(match &mut qs.value {
            SlotValue::Param(m) => {
                let m = (*m as usize).checked_sub(1)?;
                if client.len() <= m {
                    client.resize(m + 1, None);
                }
                let slot = client.get_mut(m)?;
                if slot.is_none() {
                    *slot = Some(types.get(n)?.clone());
                }
                Source::Client(m)
            }
            SlotValue::Text(s) => Source::Literal(Some(Bytes::from(std::mem::take(s)))),
            SlotValue::Null => Source::Literal(None),
            SlotValue::Bool(b) => {
                Source::Literal(Some(Bytes::from_static(if *b { b"t" } else { b"f" })))
            }
        });
    }
    // Every client parameter must feed some template parameter.
    let client_types: Vec<Type> = client.into_iter().collect::<Option<Vec<_>>>()?;
    let sources: Vec<Source> = sources.into_iter().collect::<Option<Vec<_>>>()?;
    let direct = !client_types.is_empty()
        && sources.len() == client_types.len()
        && sources
            .iter()
            .enumerate()
            .all(|(i, s)| *s == Source::Client(i));
    if direct || (sources.is_empty() && client_types.is_empty()) {
        Some((Binding::Direct, client_types))
    } else {
        Some((Binding::Mapped(sources.into_boxed_slice()), client_types))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::template::normalize;

    fn table(templates: &[&str]) -> Table {
        let mut t = Table::default();
        for (i, sql) in templates.iter().enumerate() {
            t.add(i, normalize(sql).unwrap()).unwrap();
        }
        t
    }

    const TYPES: &[Type] = &[Type::INT8, Type::TEXT];

    fn find(t: &Table, sql: &str) -> Option<Match> {
        t.find(&mut normalize(sql).unwrap(), |_| TYPES)
    }

    #[test]
    fn direct_and_literal_bindings() {
        let t = table(&[
            "SELECT * FROM t WHERE id = $1 AND name = $2",
            "SELECT * FROM t WHERE kind = 'a' AND n = $1",
        ]);
        let m = find(&t, "select * from t where id = $1 and name = $2;").unwrap();
        assert_eq!((m.route, &m.binding), (0, &Binding::Direct));
        assert_eq!(m.client_types, TYPES);
        let m = find(&t, "select * from t where id = 42 and name = 'O''Brien'").unwrap();
        let Binding::Mapped(s) = m.binding else {
            panic!()
        };
        assert_eq!(s[0], Source::Literal(Some(Bytes::from_static(b"42"))));
        assert_eq!(s[1], Source::Literal(Some(Bytes::from_static(b"O'Brien"))));
        // Mixed: a literal for $1, the client's $1 for $2.
        let m = find(&t, "select * from t where id = 7 and name = $1").unwrap();
        assert_eq!(m.client_types, [Type::TEXT]);
        let Binding::Mapped(s) = m.binding else {
            panic!()
        };
        assert_eq!(s[1], Source::Client(0));
        // Template literal must match.
        assert_eq!(
            find(&t, "select * from t where kind = 'a' and n = 1")
                .unwrap()
                .route,
            1
        );
        assert!(find(&t, "select * from t where kind = 'b' and n = 1").is_none());
        assert!(find(&t, "select * from t where kind = $1 and n = $2").is_none());
    }

    #[test]
    fn duplicates_and_specificity() {
        let mut t = table(&["SELECT * FROM t WHERE k = $1"]);
        let dup = t.add(1, normalize("select * from t where k = $1;").unwrap());
        assert!(matches!(dup, Err(AddError::Duplicate(0))));
        // A repeated $n needs one value.
        let mut r = table(&["SELECT * FROM t WHERE a = $1 OR b = $1"]);
        assert!(find(&r, "select * from t where a = 1 or b = 1").is_some());
        assert!(find(&r, "select * from t where a = 1 or b = 2").is_none());
        r.add(1, normalize("select * from u where d = $1::date").unwrap())
            .unwrap();
        assert!(find(&r, "select * from u where d = '2024-01-01'::date").is_some());
        assert!(find(&r, "select * from u where d = '2024-01-01'::int4").is_none());
        t.add(1, normalize("select * from t where k = 'x'").unwrap())
            .unwrap();
        assert_eq!(find(&t, "select * from t where k = 'x'").unwrap().route, 1);
        assert_eq!(find(&t, "select * from t where k = 'y'").unwrap().route, 0);
    }
}
