//! `#[derive(PgRow)]`: parse the struct into a model, check it, then generate the impl.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr;
use crate::ctxt::Ctxt;
use crate::sqltypes::SqlType;

/// What one field contributes to the row.
enum Kind {
    /// One column.
    Column {
        name: String,
        ty: Option<SqlType>,
        encode_with: Option<syn::ExprPath>,
    },
    /// The columns of a nested PgRow.
    Flatten,
}

struct FieldModel<'a> {
    member: syn::Member,
    ty: &'a syn::Type,
    kind: Kind,
}

pub(crate) fn expand(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let fields = match &input.data {
        syn::Data::Struct(s) => &s.fields,
        syn::Data::Enum(e) => {
            return Err(syn::Error::new_spanned(
                e.enum_token,
                "#[derive(PgRow)] needs a struct, not an enum: a row has one fixed list of \
                 columns. Derive PgRow on a struct (one per variant if needed), or store the \
                 enum in a field whose type implements `ToPgValue`",
            ));
        }
        syn::Data::Union(u) => {
            return Err(syn::Error::new_spanned(
                u.union_token,
                "#[derive(PgRow)] needs a struct, not a union: pgwire cannot know which field \
                 holds the value",
            ));
        }
    };
    let mut cx = Ctxt::default();
    let container = attr::Container::parse(&mut cx, &input.attrs);
    let tuple = matches!(fields, syn::Fields::Unnamed(_));
    if let (true, Some(span)) = (tuple, container.rename_all.span()) {
        cx.syn_error(syn::Error::new(
            span,
            "#[pg(rename_all)] has nothing to rename on a tuple struct: its columns are named \
             `?column?` unless a field has #[pg(rename = \"...\")]",
        ));
    }
    let mut model = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let attrs = attr::Field::parse(&mut cx, &field.attrs);
        if attrs.skip.get().is_some() {
            continue;
        }
        let member = match &field.ident {
            Some(id) => syn::Member::Named(id.clone()),
            None => syn::Member::Unnamed(syn::Index {
                index: i as u32,
                span: field.ty.span(),
            }),
        };
        let kind = if attrs.flatten.get().is_some() {
            Kind::Flatten
        } else {
            let name = match (attrs.rename.get(), &field.ident) {
                (Some(n), _) => n.clone(),
                (None, Some(id)) => {
                    let raw = id.to_string();
                    let raw = raw.strip_prefix("r#").unwrap_or(&raw).to_owned();
                    match container.rename_all.get() {
                        Some(rule) => rule.apply(&raw),
                        None => raw,
                    }
                }
                (None, None) => "?column?".to_owned(),
            };
            Kind::Column {
                name,
                ty: attrs.ty.get().cloned(),
                encode_with: attrs.encode_with.get().cloned(),
            }
        };
        model.push(FieldModel {
            member,
            ty: &field.ty,
            kind,
        });
    }
    cx.check()?;
    Ok(generate(input, &model))
}

/// `T` for `&T`, `&mut T`, `&&T`…: the type whose column type and encoding a field uses.
fn strip_refs(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Reference(r) => strip_refs(&r.elem),
        syn::Type::Paren(p) => strip_refs(&p.elem),
        other => other,
    }
}

/// Whether `ty` mentions one of the struct's type parameters.
fn mentions(ty: &syn::Type, params: &[syn::Ident]) -> bool {
    fn walk(ts: TokenStream, params: &[syn::Ident]) -> bool {
        ts.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(id) => params.contains(&id),
            proc_macro2::TokenTree::Group(g) => walk(g.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && walk(quote!(#ty), params)
}

fn generate(input: &syn::DeriveInput, model: &[FieldModel<'_>]) -> TokenStream {
    let name = &input.ident;
    let p = quote!(::pgwire::__private);
    let type_params: Vec<syn::Ident> = input
        .generics
        .type_params()
        .map(|t| t.ident.clone())
        .collect();
    let generic = !type_params.is_empty() || input.generics.const_params().next().is_some();

    let mut generics = input.generics.clone();
    {
        let wc = generics.make_where_clause();
        for f in model {
            if !mentions(f.ty, &type_params) {
                continue;
            }
            let ty = f.ty;
            match &f.kind {
                Kind::Flatten => wc.predicates.push(syn::parse_quote!(#ty: #p::PgRow)),
                Kind::Column {
                    encode_with: None,
                    ty: None,
                    ..
                } => {
                    let owned = strip_refs(ty);
                    wc.predicates.push(syn::parse_quote!(#owned: #p::PgField));
                }
                Kind::Column {
                    encode_with: None, ..
                } => wc.predicates.push(syn::parse_quote!(#ty: #p::ToPgValue)),
                Kind::Column { .. } => {}
            }
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let capacity = model.len();
    let columns = model.iter().map(|f| {
        let ty = f.ty;
        match &f.kind {
            Kind::Flatten => quote_spanned! {ty.span()=>
                __columns.extend(<#ty as #p::PgRow>::columns().iter().cloned());
            },
            Kind::Column {
                name,
                ty: sql_ty,
                encode_with,
            } => {
                let (pg_type, typmod) = match (sql_ty, encode_with) {
                    (Some(t), _) => {
                        let k = syn::Ident::new(t.konst, Span::call_site());
                        let m = t.typmod;
                        (quote!(#p::Type::#k), quote!(#m))
                    }
                    (None, Some(path)) => (
                        quote_spanned!(path.span()=> #p::encode_with_type::<#ty, _>(#path)),
                        quote!(-1),
                    ),
                    (None, None) => {
                        let owned = strip_refs(ty);
                        (
                            quote_spanned!(ty.span()=> <#owned as #p::PgField>::column_type()),
                            quote!(-1),
                        )
                    }
                };
                quote! {
                    __columns.push(#p::Column::new(#name, #pg_type).with_type_modifier(#typmod));
                }
            }
        }
    });
    let encodes = model.iter().map(|f| {
        let ty = f.ty;
        let member = &f.member;
        match &f.kind {
            Kind::Flatten => quote_spanned! {ty.span()=>
                <#ty as #p::PgRow>::encode_row(&self.#member, __enc)?;
            },
            Kind::Column {
                encode_with: Some(path),
                ..
            } => quote_spanned! {path.span()=>
                #p::encode_with::<#ty, _>(__enc, &self.#member, #path)?;
            },
            Kind::Column { ty: Some(_), .. } => quote_spanned! {ty.span()=>
                #p::encode_field::<#ty>(__enc, &self.#member)?;
            },
            Kind::Column { .. } => {
                let owned = strip_refs(ty);
                quote_spanned! {ty.span()=>
                    <#owned as #p::PgField>::encode_column(&self.#member, __enc)?;
                }
            }
        }
    });
    let build = quote! {
        let mut __columns: #p::Vec<#p::Column> = #p::Vec::with_capacity(#capacity);
        #(#columns)*
        #p::Arc::from(__columns)
    };
    let columns_body = if generic {
        // A `static` in a generic impl would be shared by every instantiation, so generic
        // rows build their columns on each call; the Router calls this once per route.
        build
    } else {
        quote! {
            static __COLUMNS: #p::OnceLock<#p::Arc<[#p::Column]>> = #p::OnceLock::new();
            #p::Arc::clone(__COLUMNS.get_or_init(|| { #build }))
        }
    };
    let enc = format_ident!("__enc");
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #p::PgRow for #name #ty_generics #where_clause {
                fn columns() -> #p::Arc<[#p::Column]> {
                    #columns_body
                }

                #[inline]
                fn encode_row(&self, #enc: &mut #p::DataRowEncoder) -> #p::PgResult<()> {
                    #(#encodes)*
                    #p::Ok(())
                }
            }
        };
    }
}
