use super::*;

fn parse(sql: &str) -> CopyStatement {
    CopyStatement::parse(sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

fn err(sql: &str) -> (String, String, Option<u32>) {
    let e = CopyStatement::parse(sql).expect_err(sql);
    (e.code.code().to_owned(), e.message.clone(), e.position)
}

#[test]
fn table_columns_and_direction() {
    let s = parse("copy t from stdin");
    assert_eq!(s.direction, CopyDirection::From);
    assert_eq!(s.table_name(), "t");
    assert!(s.column_names().is_empty());
    assert_eq!(s.options, CopyOptions::text());
    let s = parse("COPY Public.\"MyTab\" (A, \"b C\") TO STDOUT;");
    assert_eq!(s.direction, CopyDirection::To);
    match &s.source {
        CopySource::Table { name, columns } => {
            assert_eq!(name.schema.as_deref(), Some("public"));
            assert_eq!(name.name, "MyTab");
            assert_eq!(columns, &["a".to_owned(), "b C".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
    let s = parse("copy db.s.t to stdin");
    match &s.source {
        CopySource::Table { name, .. } => {
            assert_eq!(name.catalog.as_deref(), Some("db"));
            assert_eq!(name.schema.as_deref(), Some("s"));
        }
        other => panic!("{other:?}"),
    }
    let s = parse("copy (select a, (b) from t where c = ')') to stdout with csv");
    assert_eq!(
        s.source,
        CopySource::Query("select a, (b) from t where c = ')'".into())
    );
    assert_eq!(s.options.format, FileFormat::Csv);
    assert_eq!(s.table_name(), "");
    let s = parse("copy t from stdin (format csv) where a > 1 and b = 'x';");
    assert_eq!(s.where_clause.as_deref(), Some("a > 1 and b = 'x'"));
    assert!(is_copy("  -- hi\n COPY t to stdout"));
    assert!(!is_copy("select 1"));
    assert!(!is_copy("\"copy\""));
}

#[test]
fn generic_options() {
    let s = parse(
        "copy t from stdin with (format csv, delimiter ';', null 'NULL', header match, \
         quote '''', escape E'\\\\', force_not_null (a, \"B\"), force_null (c), \
         encoding 'utf-8', freeze)",
    );
    let o = s.options;
    assert_eq!(o.format, FileFormat::Csv);
    assert_eq!(o.delimiter, b';');
    assert_eq!(o.null, "NULL");
    assert_eq!(o.header, Header::Match);
    assert_eq!((o.quote, o.escape), (b'\'', b'\\'));
    assert_eq!(o.force_not_null, ["a", "B"]);
    assert_eq!(o.force_null, ["c"]);
    assert_eq!(o.encoding.as_deref(), Some("utf-8"));
    assert!(o.freeze);
    let o = parse("copy t to stdout (FORMAT CSV, HEADER on, FORCE_QUOTE *, freeze 0)").options;
    assert_eq!(o.header, Header::On);
    assert_eq!(o.force_quote, ForceQuote::All);
    assert!(!o.freeze);
    let o = parse("copy t to stdout (format csv, force_quote (a), header false)").options;
    assert_eq!(o.force_quote, ForceQuote::Columns(vec!["a".into()]));
    assert_eq!(o.header, Header::Off);
    // Numbers are strings where a string is wanted.
    let o = parse("copy t from stdin (format csv, quote 1, header 1)").options;
    assert_eq!(o.quote, b'1');
    assert_eq!(o.header, Header::On);
    // The escape defaults to the quote.
    let o = parse("copy t from stdin (format csv, quote '|')").options;
    assert_eq!((o.quote, o.escape), (b'|', b'|'));
    assert_eq!(
        parse("copy t from stdin (format binary)").options,
        CopyOptions::binary()
    );
    assert_eq!(
        parse("copy t from stdin (format text, header true)")
            .options
            .header,
        Header::On
    );
    assert_eq!(
        parse("copy t from stdin (format text, header match)")
            .options
            .header,
        Header::Match
    );
}

#[test]
fn old_syntax() {
    let o = parse(
        "copy t from stdin with csv header delimiter as ';' null as 'x' quote as '''' \
         escape as '\\' force not null a, b",
    )
    .options;
    assert_eq!(o.format, FileFormat::Csv);
    assert_eq!(o.header, Header::On);
    assert_eq!((o.delimiter, o.null.as_str()), (b';', "x"));
    assert_eq!((o.quote, o.escape), (b'\'', b'\\'));
    assert_eq!(o.force_not_null, ["a", "b"]);
    let o = parse("copy t to stdout csv force quote *").options;
    assert_eq!(o.force_quote, ForceQuote::All);
    let o = parse("copy t to stdout csv force quote a, b").options;
    assert_eq!(
        o.force_quote,
        ForceQuote::Columns(vec!["a".into(), "b".into()])
    );
    let o = parse("copy t from stdin csv force null a").options;
    assert_eq!(o.force_null, ["a"]);
    assert_eq!(
        parse("copy binary t from stdin").options.format,
        FileFormat::Binary
    );
    assert_eq!(
        parse("copy t to stdout binary").options.format,
        FileFormat::Binary
    );
    let o = parse("copy t from stdin using delimiters ','").options;
    assert_eq!(o.delimiter, b',');
    let o = parse("copy t from stdin delimiters '|' null '' freeze encoding 'UTF8'").options;
    assert_eq!((o.delimiter, o.null.as_str(), o.freeze), (b'|', "", true));
}

#[test]
fn errors_as_postgres() {
    let cases: &[(&str, &str, &str, Option<u32>)] = &[
        (
            "copy t from stdin (format xml)",
            "22023",
            "COPY format \"xml\" not recognized",
            Some(20),
        ),
        (
            "copy t from stdin (format 'CSV')",
            "22023",
            "COPY format \"CSV\" not recognized",
            Some(20),
        ),
        (
            "copy t from stdin (format text, format csv)",
            "42601",
            "conflicting or redundant options",
            Some(33),
        ),
        (
            "copy t from stdin (delimiter ',,')",
            "0A000",
            "COPY delimiter must be a single one-byte character",
            None,
        ),
        (
            "copy t from stdin (delimiter 'é')",
            "0A000",
            "COPY delimiter must be a single one-byte character",
            None,
        ),
        (
            "copy t from stdin (delimiter E'\\n')",
            "22023",
            "COPY delimiter cannot be newline or carriage return",
            None,
        ),
        (
            "copy t from stdin (delimiter '\\')",
            "22023",
            "COPY delimiter cannot be \"\\\"",
            None,
        ),
        (
            "copy t from stdin (format binary, delimiter ',')",
            "42601",
            "cannot specify DELIMITER in BINARY mode",
            None,
        ),
        (
            "copy t from stdin (format binary, null 'x')",
            "42601",
            "cannot specify NULL in BINARY mode",
            None,
        ),
        (
            "copy t from stdin (format binary, header)",
            "0A000",
            "cannot specify HEADER in BINARY mode",
            None,
        ),
        (
            "copy t from stdin (quote '\"')",
            "0A000",
            "COPY quote available only in CSV mode",
            None,
        ),
        (
            "copy t from stdin (escape '\"')",
            "0A000",
            "COPY escape available only in CSV mode",
            None,
        ),
        (
            "copy t from stdin (format csv, quote '\"\"')",
            "0A000",
            "COPY quote must be a single one-byte character",
            None,
        ),
        (
            "copy t from stdin (format csv, escape '')",
            "0A000",
            "COPY escape must be a single one-byte character",
            None,
        ),
        (
            "copy t from stdin (format csv, quote ',')",
            "22023",
            "COPY delimiter and quote must be different",
            None,
        ),
        (
            "copy t from stdin (format csv, force_quote (a))",
            "0A000",
            "COPY force quote only available using COPY TO",
            None,
        ),
        (
            "copy t to stdout (format csv, force_not_null (a))",
            "0A000",
            "COPY force not null only available using COPY FROM",
            None,
        ),
        (
            "copy t from stdin (force_null (a))",
            "0A000",
            "COPY force null available only in CSV mode",
            None,
        ),
        (
            "copy t from stdin (null E'\\r')",
            "22023",
            "COPY null representation cannot use newline or carriage return",
            None,
        ),
        (
            "copy t from stdin (null 'a\tb')",
            "0A000",
            "COPY delimiter must not appear in the NULL specification",
            None,
        ),
        (
            "copy t from stdin (format csv, null '\"')",
            "0A000",
            "CSV quote character must not appear in the NULL specification",
            None,
        ),
        (
            "copy t from stdin (foo 1)",
            "42601",
            "option \"foo\" not recognized",
            Some(20),
        ),
        (
            "copy t from stdin (encoding 'nope')",
            "22023",
            "argument to option \"encoding\" must be a valid encoding name",
            Some(20),
        ),
        (
            "copy t from stdin (header maybe)",
            "42601",
            "header requires a Boolean value or \"match\"",
            None,
        ),
        (
            "copy t from stdin (header 2)",
            "42601",
            "header requires a Boolean value or \"match\"",
            None,
        ),
        (
            "copy t to stdout (format csv, header 'Match')",
            "0A000",
            "cannot use \"Match\" with HEADER in COPY TO",
            None,
        ),
        (
            "copy t from stdin (freeze maybe)",
            "42601",
            "freeze requires a Boolean value",
            None,
        ),
        (
            "copy t from stdin (force_quote 1)",
            "22023",
            "argument to option \"force_quote\" must be a list of column names",
            Some(20),
        ),
        (
            "copy t from stdin (format csv, force_not_null *)",
            "22023",
            "argument to option \"force_not_null\" must be a list of column names",
            Some(32),
        ),
        (
            "copy t from stdin (format)",
            "42601",
            "format requires a parameter",
            None,
        ),
        (
            "copy t from stdin (null '\\N', null 'x')",
            "42601",
            "conflicting or redundant options",
            Some(31),
        ),
        (
            "copy t to stdout where a > 1",
            "42601",
            "WHERE clause not allowed with COPY TO",
            Some(18),
        ),
        (
            "copy (select 1) from stdin",
            "42601",
            "syntax error at or near \"from\"",
            Some(17),
        ),
        (
            "copy t from stdin with blah",
            "42601",
            "syntax error at or near \"blah\"",
            Some(24),
        ),
        (
            "copy t from",
            "42601",
            "syntax error at end of input",
            Some(12),
        ),
        (
            "copy from stdin",
            "42601",
            "syntax error at or near \"from\"",
            Some(6),
        ),
        (
            "copy t from stdin; select 1",
            "42601",
            "syntax error at or near \"select\"",
            Some(20),
        ),
        (
            "copy t from program stdin",
            "42601",
            "STDIN/STDOUT not allowed with PROGRAM",
            Some(21),
        ),
        (
            "copy t from '/tmp/x'",
            "0A000",
            "COPY from a file is not supported",
            Some(13),
        ),
        (
            "copy t to program 'cat'",
            "0A000",
            "COPY to a program is not supported",
            Some(19),
        ),
        (
            "copy t from stdin (null 'x",
            "42601",
            "unterminated quoted string at or near \"'x\"",
            Some(25),
        ),
    ];
    for (sql, code, msg, pos) in cases {
        assert_eq!(
            err(sql),
            ((*code).to_owned(), (*msg).to_owned(), *pos),
            "{sql}"
        );
    }
}

#[test]
fn select_columns_checks_the_lists() {
    use crate::types::Type;
    let table = [
        Column::new("a", Type::INT4),
        Column::new("b", Type::TEXT),
        Column::new("c", Type::FLOAT8),
    ];
    let names = |s: &CopyStatement| -> Vec<String> {
        s.select_columns(&table)
            .unwrap()
            .iter()
            .map(|c| c.name.clone())
            .collect()
    };
    assert_eq!(names(&parse("copy t from stdin")), ["a", "b", "c"]);
    assert_eq!(names(&parse("copy t (c, a) from stdin")), ["c", "a"]);
    let code = |sql: &str| {
        parse(sql)
            .select_columns(&table)
            .unwrap_err()
            .code
            .code()
            .to_owned()
    };
    assert_eq!(code("copy t (a, a) from stdin"), "42701");
    assert_eq!(code("copy t (zz) from stdin"), "42703");
    assert_eq!(
        code("copy t to stdout (format csv, force_quote (zz))"),
        "42703"
    );
    assert_eq!(
        code("copy t (a) from stdin (format csv, force_not_null (b))"),
        "42P10"
    );
    let e = parse("copy t (a) to stdout (format csv, force_quote (b))")
        .select_columns(&table)
        .unwrap_err();
    assert_eq!(e.message, "FORCE_QUOTE column \"b\" not referenced by COPY");
}
