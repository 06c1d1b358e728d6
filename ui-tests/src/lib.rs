//! trybuild ui-tests of pgwire's macros live in `tests/`; this crate has no code of its own.
