//! The route table: routes by the fingerprint of their template's shape, and the binding
//! of a client's statement (its own `$n`, or inlined literals) to a route's parameters.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// The statement's `$n` are the template's `$n`: the client's parameters as they are.
    Direct,
    /// One source per template parameter.
    Mapped(Arc<[Source]>),
}

/// A statement matched to a route.
#[derive(Debug, Clone)]
pub(crate) struct Match {
    /// Index of the route.
    pub route: usize,
    /// How its parameters are filled.
    pub binding: Binding,
    /// The types of the client's own parameters (ParameterDescription).
    pub client_types: Vec<Type>,
}

/// Routes by shape fingerprint.
#[derive(Debug, Default)]
pub(crate) struct Table {
    by_fingerprint: FpMap<Vec<usize>>,
    shapes: Vec<Shape>,
}

/// Why a template could not be added.
#[derive(Debug)]
pub(crate) enum AddError {
    /// Same shape and same literals as the route with this index.
    Duplicate(usize),
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
        let fp = shape.fingerprint();
        let bucket = self.by_fingerprint.entry(fp).or_default();
        for &other in bucket.iter() {
            if let Some(o) = self.shapes.get(other) {
                if o.key == shape.key && pattern(o) == pattern(&shape) {
                    return Err(AddError::Duplicate(other));
                }
            }
        }
        let literals = literal_count(&shape);
        let pos = bucket
            .iter()
            .position(|&i| self.shapes.get(i).map_or(0, literal_count) < literals)
            .unwrap_or(bucket.len());
        bucket.insert(pos, index);
        debug_assert_eq!(self.shapes.len(), index);
        self.shapes.push(shape);
        Ok(())
    }

    /// Every template key (for "did you mean" hints).
    pub fn keys(&self) -> impl Iterator<Item = (usize, &str)> {
        self.shapes
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.key.as_str()))
    }

    /// The route matching `query`, with its binding; `param_types(i)` gives route `i`'s
    /// parameter types.
    pub fn find<'t>(
        &self,
        query: &Shape,
        param_types: impl Fn(usize) -> &'t [Type],
    ) -> Option<Match> {
        let bucket = self.by_fingerprint.get(&query.fingerprint())?;
        for &index in bucket {
            let Some(template) = self.shapes.get(index) else {
                continue;
            };
            if template.key != query.key || template.slots.len() != query.slots.len() {
                continue;
            }
            if let Some(m) = bind(template, query, param_types(index)) {
                return Some(Match {
                    route: index,
                    binding: m.0,
                    client_types: m.1,
                });
            }
        }
        None
    }
}

fn literal_bytes(v: &SlotValue) -> Option<Option<Bytes>> {
    match v {
        SlotValue::Text(s) => Some(Some(Bytes::copy_from_slice(s.as_bytes()))),
        SlotValue::Null => Some(None),
        SlotValue::Bool(b) => Some(Some(Bytes::from_static(if *b { b"t" } else { b"f" }))),
        SlotValue::Param(_) => None,
    }
}

/// Binds `query` to `template` (same key): the binding and the client parameter types.
fn bind(template: &Shape, query: &Shape, types: &[Type]) -> Option<(Binding, Vec<Type>)> {
    if !query.has_params() {
        // Literals only (simple protocol, client-side binding): the shared binder checks
        // template literals and casts.
        let bound = template::bind(template, query).ok()?;
        let sources: Arc<[Source]> = bound
            .into_iter()
            .map(|b| Source::Literal(b.value.map(Bytes::from)))
            .collect();
        return Some((Binding::Mapped(sources), Vec::new()));
    }
    let count = template::placeholders(template).ok()? as usize;
    let mut sources: Vec<Option<Source>> = vec![None; count];
    let mut client: Vec<Option<Type>> = Vec::new();
    for (t, q) in template.slots.iter().zip(&query.slots) {
        match (&t.value, &q.value) {
            (SlotValue::Param(n), qv) => {
                let n = (*n as usize).checked_sub(1)?;
                let source = match qv {
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
                    lit => Source::Literal(literal_bytes(lit)?),
                };
                match sources.get_mut(n)? {
                    Some(prev) if *prev != source => return None,
                    Some(_) => {}
                    entry @ None => *entry = Some(source),
                }
            }
            // A template literal cannot take a value that is only known at Bind.
            (_, SlotValue::Param(_)) => return None,
            (tv, qv) if tv != qv => return None,
            _ => {}
        }
    }
    // Every client parameter must feed some template parameter.
    let client_types: Vec<Type> = client.into_iter().collect::<Option<Vec<_>>>()?;
    let sources: Vec<Source> = sources.into_iter().collect::<Option<Vec<_>>>()?;
    let direct = sources.len() == client_types.len()
        && sources
            .iter()
            .enumerate()
            .all(|(i, s)| *s == Source::Client(i));
    if direct {
        Some((Binding::Direct, client_types))
    } else {
        Some((Binding::Mapped(sources.into()), client_types))
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
        t.find(&normalize(sql).unwrap(), |_| TYPES)
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
        t.add(1, normalize("select * from t where k = 'x'").unwrap())
            .unwrap();
        assert_eq!(find(&t, "select * from t where k = 'x'").unwrap().route, 1);
        assert_eq!(find(&t, "select * from t where k = 'y'").unwrap().route, 0);
    }
}
