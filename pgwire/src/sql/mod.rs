//! PostgreSQL's lexical rules: a lexer and statement templates (shapes with value slots).
//!
//! std only, because the macro crate compiles these same files (through `#[path]`), so that
//! a template checked at compile time and a query matched at run time agree on one lexer
//! and one fingerprint.

pub mod lexer;
pub mod template;
