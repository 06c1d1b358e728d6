//! `#[pg(...)]` attributes of `#[derive(PgRow)]`, parsed into typed holders.
//!
//! Every problem is recorded in the [`Ctxt`] and parsing goes on, so one compile shows all
//! mistakes; a duplicate is reported at its second occurrence, an unknown key by name.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::sqltypes::{self, SqlType};

/// One attribute value, remembering where it was set.
pub(crate) struct Attr<T> {
    name: &'static str,
    value: Option<(Span, T)>,
}

impl<T> Attr<T> {
    fn none(name: &'static str) -> Self {
        Attr { name, value: None }
    }

    fn set(&mut self, cx: &mut Ctxt, at: impl ToTokens, value: T) {
        if self.value.is_some() {
            cx.error_spanned_by(at, format!("duplicate #[pg({})] attribute", self.name));
        } else {
            let span = at.to_token_stream().span();
            self.value = Some((span, value));
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref().map(|(_, v)| v)
    }

    pub(crate) fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(s, _)| *s)
    }
}

/// `rename_all` rules, as serde spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
    Camel,
    Pascal,
}

const RENAME_RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
    ("camelCase", RenameRule::Camel),
    ("PascalCase", RenameRule::Pascal),
];

impl RenameRule {
    pub(crate) fn apply(self, field: &str) -> String {
        use heck::{
            ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase,
            ToUpperCamelCase,
        };
        match self {
            RenameRule::Lower => field.to_ascii_lowercase(),
            RenameRule::Upper => field.to_ascii_uppercase(),
            RenameRule::Snake => field.to_snake_case(),
            RenameRule::ScreamingSnake => field.to_shouty_snake_case(),
            RenameRule::Kebab => field.to_kebab_case(),
            RenameRule::ScreamingKebab => field.to_shouty_kebab_case(),
            RenameRule::Camel => field.to_lower_camel_case(),
            RenameRule::Pascal => field.to_upper_camel_case(),
        }
    }
}

/// Struct-level attributes.
pub(crate) struct Container {
    pub rename_all: Attr<RenameRule>,
}

/// Field-level attributes.
pub(crate) struct Field {
    pub rename: Attr<String>,
    pub skip: Attr<()>,
    pub flatten: Attr<()>,
    pub ty: Attr<SqlType>,
    pub encode_with: Attr<syn::ExprPath>,
}

fn string_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<syn::LitStr> {
    let value = meta.value()?;
    match value.parse::<syn::Lit>()? {
        syn::Lit::Str(s) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "expected a string: #[pg({} = \"...\")]",
                meta.path.to_token_stream()
            ),
        )),
    }
}

fn unknown_key(meta: &syn::meta::ParseNestedMeta<'_>, known: &str) -> syn::Error {
    let key = meta.path.to_token_stream().to_string().replace(' ', "");
    meta.error(format!(
        "unknown attribute `{key}` in #[pg(...)]; expected {known}"
    ))
}

/// Parses every `#[pg(...)]` attribute among `attrs`, calling `each` per nested item.
fn for_each_pg(
    cx: &mut Ctxt,
    attrs: &[syn::Attribute],
    mut each: impl FnMut(&mut Ctxt, &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("pg")) {
        if let syn::Meta::Path(_) = attr.meta {
            cx.error_spanned_by(attr, "expected #[pg(...)] with at least one item");
            continue;
        }
        // Errors inside an item are recorded and parsing moves on to the next attribute.
        let mut inner = Ctxt::default();
        let r = attr.parse_nested_meta(|meta| {
            if let Err(e) = each(&mut inner, &meta) {
                inner.syn_error(e);
                // Skip the rest of this item's tokens (`= value`) so parsing can go on.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Token![=] = meta.input.parse()?;
                    let _: syn::Expr = meta.input.parse()?;
                }
            }
            Ok(())
        });
        if let Err(e) = inner.check() {
            cx.syn_error(e);
        }
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
}

impl Container {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Container {
        let mut rename_all = Attr::none("rename_all");
        for_each_pg(cx, attrs, |cx, meta| {
            if meta.path.is_ident("rename_all") {
                let s = string_value(meta)?;
                match RENAME_RULES.iter().find(|(n, _)| *n == s.value()) {
                    Some(&(_, rule)) => rename_all.set(cx, &meta.path, rule),
                    None => cx.error_spanned_by(
                        &s,
                        format!(
                            "unknown rename rule `{}`; expected one of {}",
                            s.value(),
                            RENAME_RULES
                                .iter()
                                .map(|(n, _)| format!("\"{n}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                }
                Ok(())
            } else if ["rename", "skip", "flatten", "ty", "encode_with"]
                .iter()
                .any(|k| meta.path.is_ident(k))
            {
                Err(meta.error(format!(
                    "#[pg({})] goes on a field, not on the struct",
                    meta.path.to_token_stream()
                )))
            } else {
                Err(unknown_key(meta, "`rename_all`"))
            }
        });
        Container { rename_all }
    }
}

impl Field {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Field {
        let mut f = Field {
            rename: Attr::none("rename"),
            skip: Attr::none("skip"),
            flatten: Attr::none("flatten"),
            ty: Attr::none("ty"),
            encode_with: Attr::none("encode_with"),
        };
        for_each_pg(cx, attrs, |cx, meta| {
            let path = &meta.path;
            if path.is_ident("rename") {
                let s = string_value(meta)?;
                if s.value().is_empty() {
                    cx.error_spanned_by(&s, "a column name cannot be empty");
                }
                f.rename.set(cx, path, s.value());
            } else if path.is_ident("skip") {
                f.skip.set(cx, path, ());
            } else if path.is_ident("flatten") {
                f.flatten.set(cx, path, ());
            } else if path.is_ident("ty") {
                let s = string_value(meta)?;
                match sqltypes::resolve(&s.value()) {
                    Ok(t) => f.ty.set(cx, path, t),
                    Err(msg) => cx.error_spanned_by(&s, msg),
                }
            } else if path.is_ident("encode_with") {
                let value = meta.value()?;
                let p: syn::ExprPath = match value.parse::<syn::Expr>()? {
                    syn::Expr::Path(p) => p,
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => s.parse()?,
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "expected a path to a function: #[pg(encode_with = my_module::encode)]",
                        ));
                    }
                };
                f.encode_with.set(cx, path, p);
            } else if path.is_ident("rename_all") {
                return Err(meta.error(
                    "#[pg(rename_all = ...)] goes on the struct; use #[pg(rename = \"...\")] on a field",
                ));
            } else {
                return Err(unknown_key(
                    meta,
                    "`rename`, `skip`, `flatten`, `ty` or `encode_with`",
                ));
            }
            Ok(())
        });
        f.check(cx);
        f
    }

    /// Rules that involve several attributes.
    fn check(&self, cx: &mut Ctxt) {
        let others = |exclude: &str| -> Vec<(&'static str, Span)> {
            [
                ("rename", self.rename.span()),
                ("skip", self.skip.span()),
                ("flatten", self.flatten.span()),
                ("ty", self.ty.span()),
                ("encode_with", self.encode_with.span()),
            ]
            .into_iter()
            .filter(|(n, _)| *n != exclude)
            .filter_map(|(n, s)| s.map(|s| (n, s)))
            .collect()
        };
        if self.skip.get().is_some() {
            for (name, span) in others("skip") {
                cx.syn_error(syn::Error::new(
                    span,
                    format!("#[pg({name})] has no effect on a #[pg(skip)] field"),
                ));
            }
        } else if self.flatten.get().is_some() {
            for (name, span) in others("flatten") {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "#[pg({name})] cannot be combined with #[pg(flatten)]: a flattened field \
                         contributes the columns of its own PgRow"
                    ),
                ));
            }
        }
    }
}
