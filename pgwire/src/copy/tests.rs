//! Decoder and encoder tests. Every input is decoded whole, split in two at every byte
//! position, and fed one byte at a time: the rows (or the error) must be the same.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;

use super::*;
use crate::error::SqlState;
use crate::types::{Column, Type};

type Rows = Vec<(u64, Vec<Option<Vec<u8>>>)>;

/// (code, message, context, hint)
type Fail = (String, String, Option<String>, Option<String>);

fn cols(spec: &[(&str, Type)]) -> Arc<[Column]> {
    spec.iter()
        .map(|(n, t)| Column::new(*n, t.clone()))
        .collect()
}

fn t3() -> Arc<[Column]> {
    cols(&[("a", Type::INT4), ("b", Type::TEXT), ("c", Type::FLOAT8)])
}

fn fail(e: PgError) -> Fail {
    (
        e.code.code().to_owned(),
        e.message.clone(),
        e.where_.clone(),
        e.hint.clone(),
    )
}

fn run(dec: &mut CopyDecoder, chunks: &[&[u8]]) -> Result<Rows, Fail> {
    let mut out = Vec::new();
    let mut it = chunks.iter();
    loop {
        match dec.next_row().map_err(fail)? {
            Decoded::Row(r) => {
                out.push((r.line(), r.iter().map(|f| f.map(<[u8]>::to_vec)).collect()))
            }
            Decoded::NeedInput => match it.next() {
                Some(c) => dec.push(c),
                None => dec.finish(),
            },
            Decoded::End => return Ok(out),
        }
    }
}

fn decode_with(opts: &CopyOptions, columns: Arc<[Column]>, input: &[u8]) -> Result<Rows, Fail> {
    let new = || CopyDecoder::new(opts, "t", columns.clone()).unwrap();
    let whole = run(&mut new(), &[input]);
    for cut in 0..=input.len() {
        let (a, b) = input.split_at(cut);
        assert_eq!(
            run(&mut new(), &[a, b]),
            whole,
            "split at {cut} of {input:?}"
        );
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(run(&mut new(), &bytes), whole, "byte by byte: {input:?}");
    // Empty chunks change nothing.
    let mut with_empty: Vec<&[u8]> = vec![b""];
    for c in input.chunks(3) {
        with_empty.push(c);
        with_empty.push(b"");
    }
    assert_eq!(
        run(&mut new(), &with_empty),
        whole,
        "with empty chunks: {input:?}"
    );
    whole
}

fn text(input: &[u8]) -> Result<Rows, Fail> {
    decode_with(&CopyOptions::text(), t3(), input)
}

fn csv(input: &[u8]) -> Result<Rows, Fail> {
    decode_with(&CopyOptions::csv(), t3(), input)
}

fn v(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

fn row(line: u64, fields: &[Option<&str>]) -> (u64, Vec<Option<Vec<u8>>>) {
    (line, fields.iter().map(|f| f.and_then(v)).collect())
}

fn err(code: &str, msg: &str, ctx: Option<&str>) -> Result<Rows, Fail> {
    Err((code.into(), msg.into(), ctx.map(Into::into), None))
}

fn err_hint(code: &str, msg: &str, ctx: &str, hint: &str) -> Result<Rows, Fail> {
    Err((code.into(), msg.into(), Some(ctx.into()), Some(hint.into())))
}

#[test]
fn text_rows_escapes_and_nulls() {
    assert_eq!(
        text(b"1\tx\t1.5\n2\t\\N\t\\N\n"),
        Ok(vec![
            row(1, &[Some("1"), Some("x"), Some("1.5")]),
            row(2, &[Some("2"), None, None])
        ])
    );
    // Escapes, an escaped newline inside a field, a last line without newline.
    assert_eq!(
        text(b"1\ta\\tb\\\\c\\nd\\x41\\101\\q\t2\n3\tx\\\ny\t4"),
        Ok(vec![
            row(1, &[Some("1"), Some("a\tb\\c\ndAAq"), Some("2")]),
            row(2, &[Some("3"), Some("x\ny"), Some("4")])
        ])
    );
    // Multi-byte characters split across chunks.
    assert_eq!(
        text("1\tœuvre ☃ 𝄞\t2\n".as_bytes()),
        Ok(vec![row(1, &[Some("1"), Some("œuvre ☃ 𝄞"), Some("2")])])
    );
    assert_eq!(text(b""), Ok(vec![]));
    // Another delimiter and NULL string.
    let opts = CopyOptions {
        delimiter: b'|',
        null: "NULL".into(),
        ..CopyOptions::text()
    };
    assert_eq!(
        decode_with(&opts, t3(), b"1|a\\|b|NULL\nNULL|\\N|\n"),
        Ok(vec![
            row(1, &[Some("1"), Some("a|b"), None]),
            row(2, &[None, Some("N"), Some("")])
        ])
    );
}

#[test]
fn text_line_endings_and_end_marker() {
    let two = Ok(vec![
        row(1, &[Some("1"), Some("x"), Some("1")]),
        row(2, &[Some("2"), Some("y"), Some("2")]),
    ]);
    assert_eq!(text(b"1\tx\t1\n2\ty\t2\n"), two);
    assert_eq!(text(b"1\tx\t1\r\n2\ty\t2\r\n"), two);
    assert_eq!(text(b"1\tx\t1\r2\ty\t2\r"), two);
    assert_eq!(text(b"1\tx\t1\n2\ty\t2\n\\.\n"), two);
    assert_eq!(text(b"1\tx\t1\r\n2\ty\t2\r\n\\.\r\n"), two);
    assert_eq!(text(b"1\tx\t1\r2\ty\t2\r\\.\r"), two);
    // Whatever follows the marker is ignored.
    assert_eq!(text(b"1\tx\t1\n2\ty\t2\n\\.\ngarbage\tx\n"), two);
    // In text format `\.` ends the data even after data on its line.
    assert_eq!(text(b"1\tx\t1\n2\ty\t2\\.\n"), two);
    assert_eq!(text(b"\\.\n"), Ok(vec![]));
    assert_eq!(
        text(b"1\tx\t1.5\n2\tb\\."),
        err(
            "22P04",
            "end-of-copy marker corrupt",
            Some("COPY t, line 2")
        )
    );
    assert_eq!(
        text(b"1\tx\t1.5\n\\.x\n"),
        err(
            "22P04",
            "end-of-copy marker corrupt",
            Some("COPY t, line 2")
        )
    );
    assert_eq!(
        text(b"1\tx\t1.5\r\n\\.\n"),
        err(
            "22P04",
            "end-of-copy marker does not match previous newline style",
            Some("COPY t, line 2")
        )
    );
    assert_eq!(
        text(b"1\tx\t1.5\r\n\\.\r"),
        err(
            "22P04",
            "end-of-copy marker corrupt",
            Some("COPY t, line 2")
        )
    );
    assert_eq!(
        text(b"1\tx\t1.5\r\n2\tb\t2\n"),
        err_hint(
            "22P04",
            "literal newline found in data",
            "COPY t, line 2",
            "Use \"\\n\" to represent newline."
        )
    );
    assert_eq!(
        text(b"1\tx\t1.5\n2\tb\r\t2\n"),
        err_hint(
            "22P04",
            "literal carriage return found in data",
            "COPY t, line 2",
            "Use \"\\r\" to represent carriage return."
        )
    );
    assert_eq!(
        text(b"1\tx\t1.5\r2\tx\t1.5\n"),
        err_hint(
            "22P04",
            "literal newline found in data",
            "COPY t, line 2",
            "Use \"\\n\" to represent newline."
        )
    );
}

#[test]
fn text_field_count_and_encoding_errors() {
    assert_eq!(
        text(b"1\tx\t1.5\n2\tb\n"),
        err(
            "22P04",
            "missing data for column \"c\"",
            Some("COPY t, line 2: \"2\tb\"")
        )
    );
    assert_eq!(
        text(b"1\tx\t1.5\t5\n"),
        err(
            "22P04",
            "extra data after last expected column",
            Some("COPY t, line 1: \"1\tx\t1.5\t5\"")
        )
    );
    // A backslash escaping the final newline keeps it in the (last) line.
    assert_eq!(
        text(b"1\tabc\\\n"),
        err(
            "22P04",
            "missing data for column \"c\"",
            Some("COPY t, line 1: \"1\tabc\\\n\"")
        )
    );
    let long = format!("2\t{}\t1\t3\n", "a".repeat(200));
    assert_eq!(
        text(format!("1\tx\t1\n{long}").as_bytes()),
        err(
            "22P04",
            "extra data after last expected column",
            Some(&format!("COPY t, line 2: \"2\t{}...\"", "a".repeat(98)))
        )
    );
    assert_eq!(
        text(b"1\t\\xff\t1.5\n"),
        err(
            "22021",
            "invalid byte sequence for encoding \"UTF8\": 0xff",
            Some("COPY t, line 1: \"1\t\\xff\t1.5\"")
        )
    );
    assert_eq!(
        text(b"1\t\\0\t1.5\n"),
        err(
            "22021",
            "invalid byte sequence for encoding \"UTF8\": 0x00",
            Some("COPY t, line 1: \"1\t\\0\t1.5\"")
        )
    );
    assert_eq!(
        text(b"1\tx\t1\n1\t\xff\t1.5\n"),
        err(
            "22021",
            "invalid byte sequence for encoding \"UTF8\": 0xff",
            Some("COPY t, line 2")
        )
    );
    assert_eq!(
        text(b"1\ta\0b\t1.5\n"),
        err(
            "22021",
            "invalid byte sequence for encoding \"UTF8\": 0x00",
            Some("COPY t, line 1")
        )
    );
}

#[test]
fn text_header() {
    let opts = CopyOptions {
        header: Header::On,
        ..CopyOptions::text()
    };
    assert_eq!(
        decode_with(&opts, t3(), b"whatever\n1\tx\t1\n2\ty\n"),
        err(
            "22P04",
            "missing data for column \"c\"",
            Some("COPY t, line 3: \"2\ty\"")
        )
    );
    let opts = CopyOptions {
        header: Header::Match,
        ..CopyOptions::text()
    };
    let one = cols(&[("b", Type::TEXT)]);
    assert_eq!(
        decode_with(&opts, one.clone(), b"b\nx\n"),
        Ok(vec![row(2, &[Some("x")])])
    );
    assert_eq!(
        decode_with(&opts, t3(), b""),
        err(
            "22P04",
            "wrong number of fields in header line: got 1, expected 3",
            Some("COPY t, line 1: \"\"")
        )
    );
    assert_eq!(
        decode_with(&opts, one, b"\\N\n"),
        err(
            "22P04",
            "column name mismatch in header line field 1: got null value (\"\\N\"), expected \"b\"",
            Some("COPY t, line 1: \"\\N\"")
        )
    );
}

#[test]
fn csv_rows_and_quotes() {
    assert_eq!(
        csv(b"1,\"a,b\",\"\"\n,\"q\"\"q\",\n"),
        Ok(vec![
            row(1, &[Some("1"), Some("a,b"), Some("")]),
            row(2, &[None, Some("q\"q"), None])
        ])
    );
    // Quoted newlines count as lines, as in PostgreSQL, which looks for `\r` until the
    // newline style is known: a quoted `\n` on the first line is not counted, `\r` is.
    assert_eq!(
        csv(b"1,\"a\nb\",1\n2,\"c\nd\ne\",2\n3,x,3\n"),
        Ok(vec![
            row(1, &[Some("1"), Some("a\nb"), Some("1")]),
            row(4, &[Some("2"), Some("c\nd\ne"), Some("2")]),
            row(5, &[Some("3"), Some("x"), Some("3")])
        ])
    );
    assert_eq!(
        csv(b"1,\"a\r\nb\",1\r\n2,\"\r\n\",2\r\n"),
        Ok(vec![
            row(2, &[Some("1"), Some("a\r\nb"), Some("1")]),
            row(4, &[Some("2"), Some("\r\n"), Some("2")])
        ])
    );
    assert_eq!(
        csv(b"1,\"x\"y,1\n1,\" x \"  ,1"),
        Ok(vec![
            row(1, &[Some("1"), Some("xy"), Some("1")]),
            row(2, &[Some("1"), Some(" x   "), Some("1")])
        ])
    );
    // Backslashes are data; `\.` alone at the start of a line ends the data.
    assert_eq!(
        csv(b"1,a\\.b\\N,1\n\\.\n2,x,2\n"),
        Ok(vec![row(1, &[Some("1"), Some("a\\.b\\N"), Some("1")])])
    );
    let one = cols(&[("a", Type::TEXT)]);
    assert_eq!(
        decode_with(&CopyOptions::csv(), one.clone(), b"x\n\\.x\n\"\\.\"\n\\."),
        Ok(vec![
            row(1, &[Some("x")]),
            row(2, &[Some("\\.x")]),
            row(3, &[Some("\\.")]),
            row(4, &[Some("\\.")])
        ])
    );
    assert_eq!(
        decode_with(&CopyOptions::csv(), one, b"x\r\n\\.\r\n"),
        Ok(vec![row(1, &[Some("x")])])
    );
}

#[test]
fn csv_errors() {
    assert_eq!(
        csv(b"1,\"abc\n"),
        err(
            "22P04",
            "unterminated CSV quoted field",
            Some("COPY t, line 1: \"1,\"abc\n\"")
        )
    );
    assert_eq!(
        csv(b"1,x\"y,1\n"),
        err(
            "22P04",
            "unterminated CSV quoted field",
            Some("COPY t, line 1: \"1,x\"y,1\n\"")
        )
    );
    assert_eq!(
        csv(b"1,x,1\r\n\\.\n"),
        err_hint(
            "22P04",
            "unquoted newline found in data",
            "COPY t, line 2",
            "Use quoted CSV field to represent newline."
        )
    );
    assert_eq!(
        csv(b"1,x,1\n2,y\r,1\n"),
        err_hint(
            "22P04",
            "unquoted carriage return found in data",
            "COPY t, line 2",
            "Use quoted CSV field to represent carriage return."
        )
    );
    assert_eq!(
        csv(b"1,x\r,1\r\n"),
        err(
            "22P04",
            "missing data for column \"c\"",
            Some("COPY t, line 1: \"1,x\"")
        )
    );
    assert_eq!(
        csv(b"1,x,1,\n"),
        err(
            "22P04",
            "extra data after last expected column",
            Some("COPY t, line 1: \"1,x,1,\"")
        )
    );
}

#[test]
fn csv_options() {
    let opts = CopyOptions {
        quote: b'\'',
        escape: b'\\',
        delimiter: b';',
        null: "NULL".into(),
        ..CopyOptions::csv()
    };
    assert_eq!(
        decode_with(&opts, t3(), b"'1';'a\\'b\\\\';NULL\nNULL;'NULL';''\n"),
        Ok(vec![
            row(1, &[Some("1"), Some("a'b\\"), None]),
            row(2, &[None, Some("NULL"), Some("")])
        ])
    );
    let opts = CopyOptions {
        force_not_null: vec!["a".into()],
        force_null: vec!["b".into(), "c".into()],
        ..CopyOptions::csv()
    };
    assert_eq!(
        decode_with(&opts, t3(), b",\"\",x\n\"\",,\"\"\n"),
        Ok(vec![
            row(1, &[Some(""), None, Some("x")]),
            row(2, &[Some(""), None, None])
        ])
    );
    let opts = CopyOptions {
        null: "x".into(),
        force_not_null: vec!["a".into()],
        ..CopyOptions::csv()
    };
    assert_eq!(
        decode_with(&opts, t3(), b"x,x,\"x\"\n"),
        Ok(vec![row(1, &[Some("x"), None, Some("x")])])
    );
    let bad = CopyOptions {
        force_null: vec!["zz".into()],
        ..CopyOptions::csv()
    };
    let e = CopyDecoder::new(&bad, "t", t3()).unwrap_err();
    assert_eq!(e.code.code(), "42P10");
    assert_eq!(e.message, "FORCE_NULL column \"zz\" not referenced by COPY");
}

#[test]
fn csv_header() {
    let opts = CopyOptions {
        header: Header::Match,
        ..CopyOptions::csv()
    };
    assert_eq!(
        decode_with(&opts, t3(), b"a,\"b\",c\n1,2,3\n"),
        Ok(vec![row(2, &[Some("1"), Some("2"), Some("3")])])
    );
    assert_eq!(
        decode_with(&opts, t3(), b"a,b,d\n"),
        err(
            "22P04",
            "column name mismatch in header line field 3: got \"d\", expected \"c\"",
            Some("COPY t, line 1: \"a,b,d\"")
        )
    );
    assert_eq!(
        decode_with(&opts, t3(), b"a,b,\n"),
        err(
            "22P04",
            "column name mismatch in header line field 3: got null value (\"\"), expected \"c\"",
            Some("COPY t, line 1: \"a,b,\"")
        )
    );
    assert_eq!(
        decode_with(&opts, t3(), b"a,b\n"),
        err(
            "22P04",
            "wrong number of fields in header line: got 2, expected 3",
            Some("COPY t, line 1: \"a,b\"")
        )
    );
    let opts = CopyOptions {
        header: Header::On,
        ..CopyOptions::csv()
    };
    assert_eq!(
        decode_with(&opts, t3(), b"anything at all\n1,x,1\n2,y\n"),
        err(
            "22P04",
            "missing data for column \"c\"",
            Some("COPY t, line 3: \"2,y\"")
        )
    );
    assert_eq!(decode_with(&opts, t3(), b"h\n\\.\n"), Ok(vec![]));
}

fn binary_data(tuples: &[&[Option<&[u8]>]]) -> Vec<u8> {
    let mut d = binary::HEADER.to_vec();
    for t in tuples {
        d.extend_from_slice(&(t.len() as i16).to_be_bytes());
        for f in t.iter() {
            match f {
                None => d.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(b) => {
                    d.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    d.extend_from_slice(b);
                }
            }
        }
    }
    d
}

#[test]
fn binary_rows_and_errors() {
    let c2 = cols(&[("a", Type::INT4), ("b", Type::TEXT)]);
    let b = |input: &[u8]| decode_with(&CopyOptions::binary(), c2.clone(), input);
    let mut data = binary_data(&[
        &[Some(&7i32.to_be_bytes()), Some(b"hi")],
        &[None, Some(b"")],
    ]);
    let rows = Ok(vec![
        (1, vec![Some(7i32.to_be_bytes().to_vec()), v("hi")]),
        (2, vec![None, v("")]),
    ]);
    assert_eq!(b(&data), rows);
    data.extend_from_slice(b"\xff\xff");
    assert_eq!(b(&data), rows);
    // A stray byte at the end is ignored, as PostgreSQL does.
    let mut stray = data[..data.len() - 2].to_vec();
    stray.push(0);
    assert_eq!(b(&stray), rows);
    let mut after = data.clone();
    after.push(b'x');
    assert_eq!(
        b(&after),
        err(
            "22P04",
            "received copy data after EOF marker",
            Some("COPY t, line 3")
        )
    );
    assert_eq!(
        b(b""),
        err("22P04", "COPY file signature not recognized", None)
    );
    let mut d = binary::HEADER.to_vec();
    d.extend_from_slice(b"\0\x03");
    assert_eq!(
        b(&d),
        err(
            "22P04",
            "row field count is 3, expected 2",
            Some("COPY t, line 1")
        )
    );
    let mut d = binary::HEADER.to_vec();
    d.extend_from_slice(b"\0\x02\xff\xff\xff\xff\0\0\0\x05ab");
    assert_eq!(
        b(&d),
        err(
            "22P04",
            "unexpected EOF in COPY data",
            Some("COPY t, line 1, column b")
        )
    );
    let mut d = binary::HEADER.to_vec();
    d.extend_from_slice(b"\0\x02\xff\xff\xff\xfe");
    assert_eq!(
        b(&d),
        err(
            "22P04",
            "invalid field size",
            Some("COPY t, line 1, column a")
        )
    );
}

#[test]
fn typed_values_carry_postgres_context() {
    let mut dec = CopyDecoder::new(&CopyOptions::text(), "t", t3()).unwrap();
    dec.push(b"1\tx\t1.5\nz\t\\N\tzz\n");
    dec.finish();
    let Decoded::Row(r) = dec.next_row().unwrap() else {
        panic!()
    };
    assert_eq!(r.get::<i32>(0).unwrap(), 1);
    assert_eq!(r.get::<String>(1).unwrap(), "x");
    assert_eq!(r.text(1).unwrap(), Some("x"));
    assert_eq!(r.get::<f64>(2).unwrap(), 1.5);
    let Decoded::Row(r) = dec.next_row().unwrap() else {
        panic!()
    };
    let e = r.get::<i32>(0).unwrap_err();
    assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
    assert_eq!(e.message, "invalid input syntax for type integer: \"z\"");
    assert_eq!(e.where_.as_deref(), Some("COPY t, line 2, column a: \"z\""));
    let e = r.get::<String>(1).unwrap_err();
    assert_eq!(
        e.where_.as_deref(),
        Some("COPY t, line 2, column b: null input")
    );
    assert_eq!(r.get::<Option<String>>(1).unwrap(), None);
    assert_eq!(r.context(), "COPY t, line 2");
    assert!(matches!(dec.next_row(), Ok(Decoded::End)));

    let c2 = cols(&[("a", Type::INT4), ("b", Type::TEXT)]);
    let mut dec = CopyDecoder::new(&CopyOptions::binary(), "t", c2).unwrap();
    dec.push(&binary_data(&[&[Some(&[0, 1]), Some("é".as_bytes())]]));
    let Decoded::Row(r) = dec.next_row().unwrap() else {
        panic!()
    };
    assert_eq!(r.get::<String>(1).unwrap(), "é");
    let e = r.get::<i32>(0).unwrap_err();
    assert_eq!(e.code, SqlState::INVALID_BINARY_REPRESENTATION);
    assert_eq!(e.where_.as_deref(), Some("COPY t, line 1, column a"));
}

#[test]
fn a_failed_decoder_stays_failed() {
    let mut dec = CopyDecoder::new(&CopyOptions::text(), "t", t3()).unwrap();
    dec.push(b"1\n");
    dec.finish();
    let first = dec.next_row().unwrap_err();
    assert_eq!(dec.next_row().unwrap_err(), first);
}

#[test]
fn long_lines_are_refused_without_buffering_forever() {
    let mut dec = CopyDecoder::new(&CopyOptions::text(), "t", t3())
        .unwrap()
        .max_row_bytes(1000);
    let chunk = [b'a'; 300];
    let mut pushed = 0;
    let e = loop {
        match dec.next_row() {
            Ok(Decoded::NeedInput) => {
                dec.push(&chunk);
                pushed += 1;
            }
            Ok(other) => panic!("{other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(e.code, SqlState::PROGRAM_LIMIT_EXCEEDED);
    assert!(pushed <= 5, "{pushed}");
}

/// Encodes rows and decodes them back, in every format, with awkward values.
#[test]
fn encoder_and_decoder_round_trip() {
    let c = cols(&[("n", Type::INT8), ("s", Type::TEXT), ("f", Type::FLOAT8)]);
    let values: Vec<(i64, Option<String>, Option<f64>)> = vec![
        (1, Some("plain".into()), Some(1.5)),
        (2, None, None),
        (3, Some(String::new()), Some(-0.25)),
        (
            4,
            Some("tab\tnl\ncr\rbs\\ quote\" comma, semi; \\. \\N".into()),
            Some(1e-7),
        ),
        (5, Some("\\.".into()), Some(f64::INFINITY)),
        (6, Some("ünïcödé ☃ 𝄞 \u{1}\u{7f}".into()), Some(0.0)),
    ];
    let variants = [
        CopyOptions::text(),
        CopyOptions::csv(),
        CopyOptions::binary(),
        CopyOptions {
            delimiter: b';',
            null: "NULL".into(),
            header: Header::On,
            ..CopyOptions::csv()
        },
        CopyOptions {
            quote: b'\'',
            escape: b'\\',
            force_quote: ForceQuote::All,
            ..CopyOptions::csv()
        },
        CopyOptions {
            delimiter: b',',
            null: "-".into(),
            header: Header::On,
            ..CopyOptions::text()
        },
    ];
    for opts in variants {
        let mut enc = CopyEncoder::new(&opts, c.clone()).unwrap();
        for r in &values {
            r.encode_row(&mut enc).unwrap();
            enc.end_row().unwrap();
        }
        let data = enc.finish().unwrap().payload();
        let mut read = opts.clone();
        read.force_quote = ForceQuote::None;
        let mut dec = CopyDecoder::new(&read, "t", c.clone()).unwrap();
        let mut back = Vec::new();
        for chunk in data.chunks(7) {
            dec.push(chunk);
            while let Decoded::Row(r) = dec.next_row().unwrap() {
                back.push((
                    r.get::<i64>(0).unwrap(),
                    r.get::<Option<String>>(1).unwrap(),
                    r.get::<Option<f64>>(2).unwrap(),
                ));
            }
        }
        dec.finish();
        while let Decoded::Row(r) = dec.next_row().unwrap() {
            back.push((r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap()));
        }
        assert_eq!(back, values, "{opts:?}");
    }
}

fn stream_of(
    chunks: Vec<PgResult<&'static [u8]>>,
) -> impl futures::Stream<Item = PgResult<Bytes>> + Unpin {
    futures::stream::iter(chunks.into_iter().map(|c| c.map(Bytes::from_static)))
}

#[tokio::test]
async fn reader_pulls_rows_and_reports_stream_errors_with_the_line() {
    let dec = CopyDecoder::new(&CopyOptions::text(), "t", t3()).unwrap();
    let mut reader = CopyReader::new(
        stream_of(vec![
            Ok(b"1\tx\t1\n2\ty"),
            Ok(b"\t2\n3\tz"),
            Err(copy_failed("boom")),
        ]),
        dec,
    );
    assert_eq!(
        reader
            .next_row()
            .await
            .unwrap()
            .unwrap()
            .get::<i32>(0)
            .unwrap(),
        1
    );
    assert_eq!(reader.next_row().await.unwrap().unwrap().line(), 2);
    let e = reader.next_row().await.unwrap_err();
    assert_eq!(e.code, SqlState::QUERY_CANCELED);
    assert_eq!(e.message, "COPY from stdin failed: boom");
    assert_eq!(e.where_.as_deref(), Some("COPY t, line 3"));
    assert_eq!(reader.rows(), 2);

    // A CopyFail after the end marker still fails the COPY.
    let dec = CopyDecoder::new(&CopyOptions::text(), "t", t3()).unwrap();
    let mut reader = CopyReader::new(
        stream_of(vec![
            Ok(b"1\tx\t1\n\\.\n"),
            Ok(b"ignored"),
            Err(copy_failed("late")),
        ]),
        dec,
    );
    assert!(reader.next_row().await.unwrap().is_some());
    assert!(reader.next_row().await.is_err());
}

#[tokio::test]
async fn batches_own_their_rows() {
    let dec = CopyDecoder::new(&CopyOptions::csv(), "t", t3()).unwrap();
    let mut reader = CopyReader::new(
        stream_of(vec![Ok(b"1,a,1\n2,,2\n3,\"c"), Ok(b"\",3\n4,d,4\n")]),
        dec,
    );
    let mut all = Vec::new();
    while let Some(batch) = reader.next_batch(3).await.unwrap() {
        assert!(batch.len() <= 3);
        let handle = std::thread::spawn(move || {
            batch
                .iter()
                .map(|r| {
                    (
                        r.line(),
                        r.get::<i32>(0).unwrap(),
                        r.get::<Option<String>>(1).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        });
        all.extend(handle.join().unwrap());
    }
    assert_eq!(
        all,
        vec![
            (1, 1, Some("a".into())),
            (2, 2, None),
            (3, 3, Some("c".into())),
            (4, 4, Some("d".into()))
        ]
    );
}

#[tokio::test]
async fn copy_out_rows_batches_rows_one_message_each() {
    let c = cols(&[("n", Type::INT8), ("s", Type::TEXT)]);
    let stmt = CopyStatement::parse("copy t to stdout (format csv, header)").unwrap();
    let rows = futures::stream::iter((0..20_000i64).map(|i| Ok((i, format!("row {i}")))));
    let out = CopyOut::rows(&stmt, c, rows).unwrap();
    assert!(!out.format.binary);
    let items: Vec<Outgoing> = out.data.map(Result::unwrap).collect().await;
    assert!(items.len() > 2 && items.len() < 10, "{}", items.len());
    assert_eq!(items.iter().map(Outgoing::rows).sum::<u64>(), 20_000);
    let mut wire = bytes::BytesMut::new();
    let mut messages = Vec::new();
    for item in &items {
        let Outgoing::Batch(b) = item else {
            panic!("not a batch")
        };
        assert!(b.wire.len() <= CHUNK_BYTES + 64);
        item.write_to(&mut wire);
        messages.extend(b.messages());
    }
    assert_eq!(messages.len(), 20_001);
    assert_eq!(&messages[0][..], b"n,s\n");
    assert_eq!(&messages[1][..], b"0,row 0\n");
    assert_eq!(&messages[20_000][..], b"19999,row 19999\n");
    // On the wire: 'd', length, payload, for every message.
    let mut wire = wire.freeze();
    for m in &messages {
        assert_eq!(wire[0], b'd');
        let len = i32::from_be_bytes([wire[1], wire[2], wire[3], wire[4]]) as usize;
        assert_eq!(&wire[5..1 + len], &m[..]);
        let _ = wire.split_to(1 + len);
    }
    assert!(wire.is_empty());
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Bytes the formats care about, plus a few ordinary ones.
    fn data() -> impl Strategy<Value = Vec<u8>> {
        let alphabet: &[u8] = b"\\\t\n\r\",.'aN1PGCOY\xff\xc3\xa9\0 ";
        let header = binary::HEADER.to_vec();
        prop_oneof![
            prop::collection::vec(prop::sample::select(alphabet.to_vec()), 0..80),
            // Binary: a valid header, then anything.
            prop::collection::vec(any::<u8>(), 0..60).prop_map(move |tail| {
                let mut d = header.clone();
                d.extend(tail);
                d
            }),
        ]
    }

    fn formats() -> Vec<CopyOptions> {
        vec![
            CopyOptions::text(),
            CopyOptions::csv(),
            CopyOptions {
                header: Header::Match,
                escape: b'\\',
                ..CopyOptions::csv()
            },
            CopyOptions::binary(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Never a panic, and the same rows or error however the data is cut.
        #[test]
        fn chunking_never_changes_the_outcome(input in data(), cuts in prop::collection::vec(0usize..100, 0..6)) {
            let c = cols(&[("a", Type::TEXT), ("b", Type::TEXT)]);
            for opts in formats() {
                let new = || CopyDecoder::new(&opts, "t", c.clone()).unwrap();
                let whole = run(&mut new(), &[&input]);
                let mut points: Vec<usize> = cuts.iter().map(|&p| p.min(input.len())).collect();
                points.sort_unstable();
                let mut chunks = Vec::new();
                let mut last = 0;
                for p in points {
                    chunks.push(&input[last..p]);
                    last = p;
                }
                chunks.push(&input[last..]);
                prop_assert_eq!(run(&mut new(), &chunks), whole);
            }
        }
    }
}
