//! `PGWIRE_MACRO_DEBUG`: print expansions to stderr while compiling.

use proc_macro2::TokenStream;

/// Prints `tokens` when `PGWIRE_MACRO_DEBUG` is `1`/`true`/`all`, or a substring of `name`.
pub(crate) fn maybe_print(kind: &str, name: &str, tokens: &TokenStream) {
    let Ok(filter) = std::env::var("PGWIRE_MACRO_DEBUG") else {
        return;
    };
    let all = matches!(filter.as_str(), "1" | "true" | "all");
    if filter.is_empty() || filter == "0" || !(all || name.contains(filter.as_str())) {
        return;
    }
    eprintln!(
        "// ---- pgwire {kind} expansion for `{name}` ----\n{tokens}\n// ---- end `{name}` ----"
    );
}
