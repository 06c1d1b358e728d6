//! PostgreSQL's lexical rules, and what an engine that takes SQL text builds on them.
//!
//! * [`lexer`] and [`template`] (statement shapes with value slots) are std only, because
//!   the macro crate compiles these same files (through `#[path]`), so that a template
//!   checked at compile time and a query matched at run time agree on one lexer and one
//!   fingerprint.
//! * [`literal`] writes values as SQL literals, [`params`] finds a statement's `$n`
//!   placeholders and substitutes bound parameters into the text (for engines that cannot
//!   bind them), and [`infer`] types `$n` parameters from the columns they meet.

pub mod infer;
pub mod lexer;
pub mod literal;
pub mod params;
pub mod template;
