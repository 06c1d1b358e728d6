//! `#[pg_query("…")]`: check the SQL template and the fn signature, then keep the fn and
//! add a braced `struct fn_name {}` implementing `Route`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::template::{self, PlaceholderError};

/// The expansion, and the fn's name (for `PGWIRE_MACRO_DEBUG`).
pub(crate) struct Output {
    pub name: String,
    pub tokens: TokenStream,
}

/// How the fn's return value becomes a response.
enum Ret {
    /// Through the `IntoResponse` trait on the written return type.
    Trait(syn::Type),
    /// `impl Stream<Item = Result<Row, E>>`, or that inside a `Result`.
    Stream { row: syn::Type, in_result: bool },
}

/// What the template says, computed with the runtime's own normalizer.
struct Template {
    /// The string literal's span, where template errors point.
    span: Span,
    sql: String,
    key: String,
    fingerprint: u64,
    placeholders: u32,
    tag: String,
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> Output {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let err = syn::Error::new(
                Span::call_site(),
                "#[pg_query(\"...\")] goes on an `async fn`",
            )
            .to_compile_error();
            return Output {
                name: String::new(),
                tokens: quote!(#err #item),
            };
        }
    };
    let name = func.sig.ident.to_string();
    let mut cx = Ctxt::default();

    // A method cannot be a route, and a struct cannot be emitted inside an impl block:
    // report and keep the fn alone.
    if let Some(recv) = func.sig.receiver() {
        let err = syn::Error::new_spanned(
            recv,
            "#[pg_query] cannot be used on a method: a route is a free `async fn`. Move it out \
             of the impl block and take shared state as an argument `State<T>`",
        )
        .to_compile_error();
        return Output {
            name,
            tokens: quote!(#err #func),
        };
    }

    let template = parse_template(&mut cx, args);
    check_signature(&mut cx, &func);
    let ret = return_kind(&mut cx, &func.sig.output);
    let args: Vec<(&syn::Type, String)> = func
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            syn::FnArg::Typed(pt) => Some((&*pt.ty, arg_name(&pt.pat, i))),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let split = template
        .as_ref()
        .and_then(|t| split_args(&mut cx, t, &func, &args));

    let stub = || stub(&func);
    let tokens = match (cx.check(), template, ret, split) {
        (Ok(()), Some(t), Some(ret), Some(n_extract)) => {
            generate(&func, &t, &ret, &args, n_extract)
        }
        (Err(e), ..) => {
            let err = e.to_compile_error();
            let stub = stub();
            quote!(#err #func #stub)
        }
        // Unreachable: every `None` above recorded an error.
        _ => {
            let stub = stub();
            quote!(#func #stub)
        }
    };
    Output { name, tokens }
}

fn parse_template(cx: &mut Ctxt, args: TokenStream) -> Option<Template> {
    let lit: syn::LitStr = match syn::parse2(args.clone()) {
        Ok(l) => l,
        Err(_) => {
            let msg =
                "expected the SQL template as a string: #[pg_query(\"SELECT ... WHERE id = $1\")]";
            if args.is_empty() {
                cx.syn_error(syn::Error::new(Span::call_site(), msg));
            } else {
                cx.error_spanned_by(args, msg);
            }
            return None;
        }
    };
    let sql = lit.value();
    let shape = match template::normalize(&sql) {
        Ok(s) => s,
        Err(e) => {
            let near: String = sql.get(e.pos..).unwrap_or("").chars().take(20).collect();
            cx.error_spanned_by(
                &lit,
                format!(
                    "the SQL template does not lex: {} at byte {} (near `{near}`)",
                    e.message, e.pos
                ),
            );
            return None;
        }
    };
    if shape.key.is_empty() {
        cx.error_spanned_by(&lit, "the SQL template is empty");
        return None;
    }
    if shape.key.split(' ').any(|t| t == ";") {
        cx.error_spanned_by(
            &lit,
            "the SQL template holds several statements; a route answers exactly one statement, \
             so split it into one #[pg_query] per statement",
        );
        return None;
    }
    let placeholders = match template::placeholders(&shape) {
        Ok(n) => n,
        Err(PlaceholderError::Zero) => {
            cx.error_spanned_by(
                &lit,
                "placeholder $0 is not allowed: placeholders are numbered from $1",
            );
            return None;
        }
        Err(PlaceholderError::Missing { missing, highest }) => {
            cx.error_spanned_by(
                &lit,
                format!(
                    "placeholder ${missing} is missing: the template uses up to ${highest}, and \
                     placeholders must be numbered $1, $2, ... without gaps; renumber them so \
                     that ${missing} is used"
                ),
            );
            return None;
        }
    };
    let tag = command_tag(&shape.key);
    Some(Template {
        span: lit.span(),
        fingerprint: shape.fingerprint(),
        key: shape.key,
        sql,
        placeholders,
        tag,
    })
}

/// The CommandComplete verb for a statement key: `INSERT`, `SELECT`, `CREATE TABLE`, ….
fn command_tag(key: &str) -> String {
    let words: Vec<&str> = key.split(' ').collect();
    let first = words.first().copied().unwrap_or("");
    match first {
        "create" | "drop" | "alter" => {
            let skip = [
                "or",
                "replace",
                "unique",
                "temp",
                "temporary",
                "unlogged",
                "if",
                "not",
                "exists",
                "materialized",
                "global",
                "local",
                "concurrently",
            ];
            let object = words[1..]
                .iter()
                .find(|w| !skip.contains(w))
                .copied()
                .unwrap_or("");
            let object = if key.contains(" materialized view") {
                "materialized view"
            } else {
                object
            };
            format!("{} {}", first, object).trim().to_ascii_uppercase()
        }
        "with" | "values" | "table" => "SELECT".to_owned(),
        other => other.to_ascii_uppercase(),
    }
}

fn check_signature(cx: &mut Ctxt, func: &syn::ItemFn) {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            "#[pg_query] needs an `async fn`: write `async fn` (a route's body may await)",
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a #[pg_query] fn cannot be generic: the router calls it with concrete types; \
             take concrete argument types instead",
        );
    }
    if let Some(wc) = &sig.generics.where_clause {
        cx.error_spanned_by(wc, "a #[pg_query] fn cannot have a where clause");
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "a #[pg_query] fn cannot be variadic");
    }
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(c, "a #[pg_query] fn cannot be `const`");
    }
    if let Some(u) = &sig.unsafety {
        cx.error_spanned_by(
            u,
            "a #[pg_query] fn cannot be `unsafe`: the router calls it",
        );
    }
    for input in &sig.inputs {
        if let syn::FnArg::Typed(pt) = input {
            if let syn::Type::Reference(r) = &*pt.ty {
                cx.error_spanned_by(
                    r,
                    "a #[pg_query] argument cannot be a reference: the router passes owned \
                     values (`String` rather than `&str`, `State<T>` for shared state)",
                );
            }
            if let syn::Type::ImplTrait(t) = &*pt.ty {
                cx.error_spanned_by(t, "a #[pg_query] argument cannot be `impl Trait`");
            }
        }
    }
}

fn arg_name(pat: &syn::Pat, i: usize) -> String {
    match pat {
        syn::Pat::Ident(p) => p.ident.to_string(),
        syn::Pat::Type(t) => arg_name(&t.pat, i),
        _ => format!("argument {}", i + 1),
    }
}

/// The last path segment of a type, e.g. `Option` for `std::option::Option<i64>`.
fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        syn::Type::Group(g) => last_segment(&g.elem),
        syn::Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// Types that are certainly SQL values, never extractors (for a clear count mismatch error).
fn looks_like_value(ty: &syn::Type) -> bool {
    const VALUES: &[&str] = &[
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "f32",
        "f64",
        "bool",
        "char",
        "String",
        "str",
        "Option",
        "Vec",
        "Bytes",
        "NaiveDate",
        "NaiveTime",
        "NaiveDateTime",
        "DateTime",
        "Uuid",
        "Decimal",
        "Value",
        "Json",
    ];
    matches!(
        ty,
        syn::Type::Reference(_) | syn::Type::Slice(_) | syn::Type::Array(_)
    ) || last_segment(ty).is_some_and(|s| VALUES.contains(&s.ident.to_string().as_str()))
}

/// Checks the argument count against the placeholders; returns how many leading arguments
/// are extractors.
fn split_args(
    cx: &mut Ctxt,
    t: &Template,
    func: &syn::ItemFn,
    args: &[(&syn::Type, String)],
) -> Option<usize> {
    let n = t.placeholders as usize;
    let name = &func.sig.ident;
    let used = match n {
        0 => "no placeholders".to_owned(),
        1 => "1 placeholder ($1)".to_owned(),
        n => format!("{n} placeholders ($1..${n})"),
    };
    let lit_err = |cx: &mut Ctxt, msg: String| {
        cx.syn_error(syn::Error::new(t.span, msg));
    };
    if args.len() < n {
        let missing: Vec<String> = (args.len() + 1..=n).map(|k| format!("${k}")).collect();
        lit_err(
            cx,
            format!(
                "the SQL template has {used} but `{name}` takes {} argument{}: add an argument \
                 for {} (the last arguments bind to $1..${n} in order), or remove the \
                 placeholder{} from the template",
                args.len(),
                if args.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if missing.len() == 1 { "" } else { "s" },
            ),
        );
        return None;
    }
    let k = args.len() - n;
    let stray: Vec<String> = args[..k]
        .iter()
        .filter(|(ty, _)| looks_like_value(ty))
        .map(|(ty, name)| format!("`{name}: {}`", quote!(#ty).to_string().replace(' ', "")))
        .collect();
    if !stray.is_empty() {
        let params: Vec<String> = args
            .iter()
            .filter(|(ty, _)| looks_like_value(ty))
            .map(|(ty, name)| format!("`{name}: {}`", quote!(#ty).to_string().replace(' ', "")))
            .collect();
        let want = params.len();
        let fix = if want > n {
            let add: Vec<String> = (n + 1..=want).map(|k| format!("${k}")).collect();
            format!("add {} to the template", add.join(", "))
        } else {
            "bind every placeholder".to_owned()
        };
        lit_err(
            cx,
            format!(
                "the SQL template has {used} but `{name}` takes {want} SQL parameter{}: {}. \
                 {fix}, or remove the extra argument{} (arguments before the SQL parameters \
                 must be extractors such as `State<T>`, `SessionInfo` or `Cancellation`)",
                if want == 1 { "" } else { "s" },
                params.join(", "),
                if stray.len() == 1 { "" } else { "s" },
            ),
        );
        return None;
    }
    Some(k)
}

/// Classifies the return type; `None` after recording an error.
fn return_kind(cx: &mut Ctxt, output: &syn::ReturnType) -> Option<Ret> {
    let ty = match output {
        syn::ReturnType::Default => return Some(Ret::Trait(syn::parse_quote!(()))),
        syn::ReturnType::Type(_, ty) => &**ty,
    };
    // `Result<impl Stream<…>, E>`
    if let Some(seg) = last_segment(ty) {
        if seg.ident == "Result" || seg.ident == "PgResult" {
            if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                if let Some(syn::GenericArgument::Type(syn::Type::ImplTrait(it))) = a.args.first() {
                    return stream_row(cx, it).map(|row| Ret::Stream {
                        row,
                        in_result: true,
                    });
                }
            }
        }
    }
    if let syn::Type::ImplTrait(it) = ty {
        return stream_row(cx, it).map(|row| Ret::Stream {
            row,
            in_result: false,
        });
    }
    Some(Ret::Trait(ty.clone()))
}

/// The row type of `impl Stream<Item = Result<Row, E>> + …`.
fn stream_row(cx: &mut Ctxt, it: &syn::TypeImplTrait) -> Option<syn::Type> {
    for bound in &it.bounds {
        let syn::TypeParamBound::Trait(tb) = bound else {
            continue;
        };
        let Some(seg) = tb.path.segments.last() else {
            continue;
        };
        if seg.ident != "Stream" {
            continue;
        }
        let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
            break;
        };
        for arg in &a.args {
            let syn::GenericArgument::AssocType(at) = arg else {
                continue;
            };
            if at.ident != "Item" {
                continue;
            }
            if let Some(seg) = last_segment(&at.ty) {
                if seg.ident == "Result" || seg.ident == "PgResult" {
                    if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                        if let Some(syn::GenericArgument::Type(row)) = a.args.first() {
                            return Some(row.clone());
                        }
                    }
                }
            }
            cx.error_spanned_by(
                &at.ty,
                "a streamed route yields `Result<Row, E>` items: write \
                 `impl Stream<Item = Result<Row, E>> + Send + 'static`",
            );
            return None;
        }
        break;
    }
    cx.error_spanned_by(
        it,
        "a #[pg_query] fn can return `impl Stream<Item = Result<Row, E>> + Send + 'static` \
         (rows streamed to the client); other `impl Trait` return types cannot be sent",
    );
    None
}

/// The fn's `#[cfg]` attributes, repeated on the struct and impl so they come and go with it.
fn cfg_attrs(func: &syn::ItemFn) -> Vec<&syn::Attribute> {
    func.attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect()
}

/// The struct and a do-nothing impl, emitted next to an error so that one mistake gives one
/// error (uses of the route in `routes![…]` still type-check).
fn stub(func: &syn::ItemFn) -> TokenStream {
    let p = quote!(::pgwire::__private);
    let name = &func.sig.ident;
    let vis = &func.vis;
    let cfgs = cfg_attrs(func);
    quote! {
        #(#cfgs)*
        #[allow(non_camel_case_types, dead_code)]
        #[doc(hidden)]
        #vis struct #name {}
        #(#cfgs)*
        const _: () = {
            #[automatically_derived]
            impl<__S: #p::Send + #p::Sync + 'static> #p::Route<__S> for #name {
                fn info(&self) -> #p::RouteInfo {
                    #p::unreachable!()
                }
                fn call<'__a>(&'__a self, _: #p::RouteCtx<'__a, __S>) -> #p::BoxFuture<'__a, #p::PgResult<#p::Response>> {
                    #p::unreachable!()
                }
            }
        };
    }
}

fn generate(
    func: &syn::ItemFn,
    t: &Template,
    ret: &Ret,
    args: &[(&syn::Type, String)],
    n_extract: usize,
) -> TokenStream {
    let p = quote!(::pgwire::__private);
    let name = &func.sig.ident;
    let vis = &func.vis;
    let name_str = name.to_string();
    let Template {
        sql,
        key,
        fingerprint,
        tag,
        ..
    } = t;

    let (extractors, params) = args.split_at(n_extract);
    let extract_idents: Vec<_> = (0..extractors.len())
        .map(|i| format_ident!("__x{i}"))
        .collect();
    let param_idents: Vec<_> = (0..params.len()).map(|i| format_ident!("__p{i}")).collect();
    let extract_tys: Vec<&syn::Type> = extractors.iter().map(|(ty, _)| *ty).collect();
    let extract_stmts = extractors.iter().zip(&extract_idents).map(|((ty, _), id)| {
        quote_spanned! {ty.span()=>
            let #id = <#ty as #p::FromContext<__S>>::from_context(&__ctx)?;
        }
    });
    let param_stmts = params
        .iter()
        .zip(&param_idents)
        .enumerate()
        .map(|(i, ((ty, pname), id))| {
            quote_spanned! {ty.span()=>
                let #id = <#ty as #p::PgParam>::decode_param(&__ctx, #i, #pname)?;
            }
        });
    let param_types = params.iter().map(|(ty, _)| {
        quote_spanned! {ty.span()=> <#ty as #p::PgParam>::param_type() }
    });
    let param_names = params.iter().map(|(_, n)| n);

    let (columns, convert) = match ret {
        Ret::Trait(ty) => (
            quote_spanned! {ty.span()=> <#ty as #p::IntoResponse>::columns() },
            quote_spanned! {ty.span()=> <#ty as #p::IntoResponse>::into_response(__out, &__ctx) },
        ),
        Ret::Stream { row, in_result } => {
            let columns = quote_spanned! {row.span()=> #p::Some(<#row as #p::PgRow>::columns()) };
            let convert = if *in_result {
                quote_spanned! {row.span()=> #p::result_stream_response::<#row, _, _, _, _>(__out, &__ctx) }
            } else {
                quote_spanned! {row.span()=> #p::stream_response::<#row, _, _, _>(__out, &__ctx) }
            };
            (columns, convert)
        }
    };
    let fp = proc_macro2::Literal::u64_suffixed(*fingerprint);
    let cfgs = cfg_attrs(func);
    let doc = format!(" The route of [`{name_str}()`]: `{sql}`.");
    quote! {
        #func

        #(#cfgs)*
        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        #(#cfgs)*
        #[doc(hidden)]
        #[allow(unused_qualifications, clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl<__S: #p::Send + #p::Sync + 'static> #p::Route<__S> for #name
            where
                #(#extract_tys: #p::FromContext<__S>,)*
            {
                fn info(&self) -> #p::RouteInfo {
                    #p::RouteInfo {
                        name: #name_str,
                        sql: #sql,
                        key: #key,
                        fingerprint: #fp,
                        tag: #tag,
                        param_names: &[#(#param_names),*],
                        param_types: #p::vec![#(#param_types),*],
                        columns: #columns,
                        location: #p::concat!(#p::file!(), ":", #p::line!()),
                    }
                }

                fn call<'__a>(
                    &'__a self,
                    __ctx: #p::RouteCtx<'__a, __S>,
                ) -> #p::BoxFuture<'__a, #p::PgResult<#p::Response>> {
                    #p::Box::pin(async move {
                        let __ctx = __ctx;
                        #(#extract_stmts)*
                        #(#param_stmts)*
                        let __out = #name(#(#extract_idents,)* #(#param_idents),*).await;
                        #convert
                    })
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::command_tag;

    #[test]
    fn tags() {
        assert_eq!(command_tag("insert into t values ( ? )"), "INSERT");
        assert_eq!(
            command_tag("create unique index i on t ( a )"),
            "CREATE INDEX"
        );
        assert_eq!(
            command_tag("create or replace view v as select ?"),
            "CREATE VIEW"
        );
        assert_eq!(
            command_tag("with x as ( select ? ) select * from x"),
            "SELECT"
        );
    }
}
