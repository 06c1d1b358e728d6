//! COPY options: the data format and its settings, checked with PostgreSQL 15's rules
//! (`ProcessCopyOptions` in `src/backend/commands/copy.c`), with its SQLSTATEs and wording.
//!
//! [`CopyOptions`] can be built by hand (`CopyOptions::csv()` and struct update) or come from
//! a parsed statement ([`CopyStatement::parse`](super::CopyStatement::parse)).

use crate::error::{PgError, PgResult, SqlState};

/// The data format of a COPY (the `FORMAT` option; PostgreSQL's "file formats").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileFormat {
    /// Tab-separated lines, `\N` for NULL, backslash escapes.
    #[default]
    Text,
    /// Comma-separated values with quoting.
    Csv,
    /// PostgreSQL's binary COPY format (signature, tuples, trailer).
    Binary,
}

impl FileFormat {
    /// `text`, `csv` or `binary`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Text => "text",
            FileFormat::Csv => "csv",
            FileFormat::Binary => "binary",
        }
    }
}

/// The `HEADER` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// No header line.
    #[default]
    Off,
    /// COPY TO writes the column names first; COPY FROM skips the first line.
    On,
    /// COPY FROM checks that the first line holds the column names, in order.
    Match,
}

/// The `FORCE_QUOTE` option (CSV COPY TO).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ForceQuote {
    /// Quote only values that need it.
    #[default]
    None,
    /// `FORCE_QUOTE *`: quote every non-NULL value.
    All,
    /// Quote every non-NULL value of these columns.
    Columns(Vec<String>),
}

/// Which way a COPY moves data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyDirection {
    /// `COPY … FROM STDIN`: the client sends data.
    From,
    /// `COPY … TO STDOUT`: the server sends data.
    To,
}

/// How COPY data is laid out: the format and its settings, with PostgreSQL's defaults.
///
/// ```
/// use pgwire::copy::{CopyOptions, Header};
/// let opts = CopyOptions { header: Header::On, delimiter: b';', ..CopyOptions::csv() };
/// assert_eq!(opts.null, "");
/// assert_eq!(opts.quote, b'"');
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    /// `FORMAT`.
    pub format: FileFormat,
    /// `DELIMITER`: tab in text format, comma in CSV.
    pub delimiter: u8,
    /// `NULL`: `\N` in text format, the empty string in CSV.
    pub null: String,
    /// `HEADER`.
    pub header: Header,
    /// `QUOTE` (CSV): `"` by default.
    pub quote: u8,
    /// `ESCAPE` (CSV): the quote character by default.
    pub escape: u8,
    /// `FORCE_QUOTE` (CSV, COPY TO).
    pub force_quote: ForceQuote,
    /// `FORCE_NOT_NULL` (CSV, COPY FROM): these columns never read as NULL.
    pub force_not_null: Vec<String>,
    /// `FORCE_NULL` (CSV, COPY FROM): in these columns a quoted NULL string is NULL too.
    pub force_null: Vec<String>,
    /// `ENCODING`, as written (only UTF-8 is accepted).
    pub encoding: Option<String>,
    /// `FREEZE` (a hint for engines; no effect on the data).
    pub freeze: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions::text()
    }
}

impl CopyOptions {
    /// Text format with PostgreSQL's defaults (tab, `\N`).
    pub fn text() -> CopyOptions {
        CopyOptions {
            format: FileFormat::Text,
            delimiter: b'\t',
            null: "\\N".to_owned(),
            header: Header::Off,
            quote: b'"',
            escape: b'"',
            force_quote: ForceQuote::None,
            force_not_null: Vec::new(),
            force_null: Vec::new(),
            encoding: None,
            freeze: false,
        }
    }

    /// CSV with PostgreSQL's defaults (comma, empty NULL string, `"` quote and escape).
    pub fn csv() -> CopyOptions {
        CopyOptions {
            format: FileFormat::Csv,
            delimiter: b',',
            null: String::new(),
            ..CopyOptions::text()
        }
    }

    /// Binary format.
    pub fn binary() -> CopyOptions {
        CopyOptions {
            format: FileFormat::Binary,
            ..CopyOptions::text()
        }
    }

    /// Checks options built by hand against PostgreSQL's rules for a COPY in `direction`
    /// (the parser already applies them, with the same errors).
    pub fn validate(&self, direction: CopyDirection) -> PgResult<()> {
        let csv = self.format == FileFormat::Csv;
        check(
            &Written {
                format: self.format,
                delimiter: (false, std::slice::from_ref(&self.delimiter)),
                null: (false, &self.null),
                header: self.header,
                quote: csv.then_some(std::slice::from_ref(&self.quote)),
                escape: csv.then_some(std::slice::from_ref(&self.escape)),
                force_quote: self.force_quote != ForceQuote::None,
                force_not_null: !self.force_not_null.is_empty(),
                force_null: !self.force_null.is_empty(),
            },
            direction,
        )?;
        if let Some(enc) = &self.encoding {
            check_encoding(enc)?;
        }
        Ok(())
    }
}

/// Options as written, before defaults stand in for missing ones: (written?, value) for
/// DELIMITER and NULL (defaults filled in), `Some` for a QUOTE/ESCAPE that was written.
pub(crate) struct Written<'a> {
    pub format: FileFormat,
    pub delimiter: (bool, &'a [u8]),
    pub null: (bool, &'a str),
    pub header: Header,
    pub quote: Option<&'a [u8]>,
    pub escape: Option<&'a [u8]>,
    pub force_quote: bool,
    pub force_not_null: bool,
    pub force_null: bool,
}

/// The checks PostgreSQL runs once every option is read, in its order.
pub(crate) fn check(w: &Written<'_>, direction: CopyDirection) -> PgResult<()> {
    let binary = w.format == FileFormat::Binary;
    let csv = w.format == FileFormat::Csv;
    let from = direction == CopyDirection::From;
    let (delimiter_given, delim) = w.delimiter;
    let (null_given, null) = w.null;
    if binary && delimiter_given {
        return Err(syntax("cannot specify DELIMITER in BINARY mode"));
    }
    if binary && null_given {
        return Err(syntax("cannot specify NULL in BINARY mode"));
    }
    let &[d] = delim else {
        return Err(unsupported(
            "COPY delimiter must be a single one-byte character",
        ));
    };
    if d == b'\r' || d == b'\n' {
        return Err(invalid(
            "COPY delimiter cannot be newline or carriage return",
        ));
    }
    if null.contains(['\r', '\n']) {
        return Err(invalid(
            "COPY null representation cannot use newline or carriage return",
        ));
    }
    if !csv && b"\\.abcdefghijklmnopqrstuvwxyz0123456789".contains(&d) {
        return Err(invalid(format!(
            "COPY delimiter cannot be \"{}\"",
            d as char
        )));
    }
    if binary && w.header != Header::Off {
        return Err(unsupported("cannot specify HEADER in BINARY mode"));
    }
    if !csv && w.quote.is_some() {
        return Err(unsupported("COPY quote available only in CSV mode"));
    }
    let quote = match w.quote {
        Some(&[q]) => q,
        Some(_) if csv => {
            return Err(unsupported(
                "COPY quote must be a single one-byte character",
            ));
        }
        _ => b'"',
    };
    if csv && d == quote {
        return Err(invalid("COPY delimiter and quote must be different"));
    }
    if !csv && w.escape.is_some() {
        return Err(unsupported("COPY escape available only in CSV mode"));
    }
    if csv && w.escape.is_some_and(|e| e.len() != 1) {
        return Err(unsupported(
            "COPY escape must be a single one-byte character",
        ));
    }
    if w.force_quote {
        if !csv {
            return Err(unsupported("COPY force quote available only in CSV mode"));
        }
        if from {
            return Err(unsupported("COPY force quote only available using COPY TO"));
        }
    }
    if w.force_not_null {
        if !csv {
            return Err(unsupported(
                "COPY force not null available only in CSV mode",
            ));
        }
        if !from {
            return Err(unsupported(
                "COPY force not null only available using COPY FROM",
            ));
        }
    }
    if w.force_null {
        if !csv {
            return Err(unsupported("COPY force null available only in CSV mode"));
        }
        if !from {
            return Err(unsupported(
                "COPY force null only available using COPY FROM",
            ));
        }
    }
    if null.as_bytes().contains(&d) {
        return Err(unsupported(
            "COPY delimiter must not appear in the NULL specification",
        ));
    }
    if csv && null.as_bytes().contains(&quote) {
        return Err(unsupported(
            "CSV quote character must not appear in the NULL specification",
        ));
    }
    if !from && w.header == Header::Match {
        return Err(unsupported("cannot use \"match\" with HEADER in COPY TO"));
    }
    Ok(())
}

/// `ENCODING`: PostgreSQL's names (compared ignoring case and punctuation, as
/// `pg_char_to_encoding` does); only UTF-8 is supported here.
pub(crate) fn check_encoding(name: &str) -> PgResult<()> {
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if key == "utf8" || key == "unicode" {
        return Ok(());
    }
    if KNOWN_ENCODINGS.contains(&key.as_str()) {
        return Err(unsupported(format!(
            "COPY with encoding \"{name}\" is not supported: data must be UTF8"
        )));
    }
    Err(invalid(
        "argument to option \"encoding\" must be a valid encoding name",
    ))
}

/// Encoding names (and aliases) PostgreSQL knows, normalized.
const KNOWN_ENCODINGS: &[&str] = &[
    "abc",
    "alt",
    "big5",
    "euccn",
    "eucjis2004",
    "eucjp",
    "euckr",
    "euctw",
    "gb18030",
    "gbk",
    "iso88591",
    "iso885910",
    "iso885913",
    "iso885914",
    "iso885915",
    "iso885916",
    "iso88592",
    "iso88593",
    "iso88594",
    "iso88595",
    "iso88596",
    "iso88597",
    "iso88598",
    "iso88599",
    "johab",
    "koi8",
    "koi8r",
    "koi8u",
    "latin1",
    "latin10",
    "latin2",
    "latin3",
    "latin4",
    "latin5",
    "latin6",
    "latin7",
    "latin8",
    "latin9",
    "mskanji",
    "muleinternal",
    "shiftjis",
    "shiftjis2004",
    "sjis",
    "sqlascii",
    "tcvn",
    "tcvn5712",
    "uhc",
    "vscii",
    "win",
    "win1250",
    "win1251",
    "win1252",
    "win1253",
    "win1254",
    "win1255",
    "win1256",
    "win1257",
    "win1258",
    "win866",
    "win874",
    "win932",
    "win936",
    "win949",
    "win950",
    "windows1250",
    "windows1251",
    "windows1252",
    "windows1253",
    "windows1254",
    "windows1255",
    "windows1256",
    "windows1257",
    "windows1258",
    "windows866",
    "windows874",
    "windows932",
    "windows936",
    "windows949",
    "windows950",
];

pub(crate) fn syntax(msg: impl Into<String>) -> PgError {
    PgError::new(SqlState::SYNTAX_ERROR, msg)
}

pub(crate) fn invalid(msg: impl Into<String>) -> PgError {
    PgError::new(SqlState::INVALID_PARAMETER_VALUE, msg)
}

pub(crate) fn unsupported(msg: impl Into<String>) -> PgError {
    PgError::new(SqlState::FEATURE_NOT_SUPPORTED, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_postgres() {
        let t = CopyOptions::text();
        assert_eq!((t.delimiter, t.null.as_str()), (b'\t', "\\N"));
        let c = CopyOptions::csv();
        assert_eq!(
            (c.delimiter, c.null.as_str(), c.quote, c.escape),
            (b',', "", b'"', b'"')
        );
        assert!(CopyOptions::binary().validate(CopyDirection::From).is_ok());
        assert!(c.validate(CopyDirection::To).is_ok());
    }

    #[test]
    fn hand_built_options_are_checked() {
        let bad = CopyOptions {
            delimiter: b'a',
            ..CopyOptions::text()
        };
        let e = bad.validate(CopyDirection::From).unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_PARAMETER_VALUE);
        assert_eq!(e.message, "COPY delimiter cannot be \"a\"");
        let bad = CopyOptions {
            quote: b',',
            ..CopyOptions::csv()
        };
        assert_eq!(
            bad.validate(CopyDirection::From).unwrap_err().message,
            "COPY delimiter and quote must be different"
        );
        let bad = CopyOptions {
            force_quote: ForceQuote::All,
            ..CopyOptions::csv()
        };
        assert_eq!(
            bad.validate(CopyDirection::From).unwrap_err().message,
            "COPY force quote only available using COPY TO"
        );
        let bad = CopyOptions {
            header: Header::On,
            ..CopyOptions::binary()
        };
        assert_eq!(
            bad.validate(CopyDirection::To).unwrap_err().code,
            SqlState::FEATURE_NOT_SUPPORTED
        );
    }

    #[test]
    fn encodings() {
        assert!(check_encoding("UTF8").is_ok());
        assert!(check_encoding("utf-8").is_ok());
        assert_eq!(
            check_encoding("LATIN1").unwrap_err().code,
            SqlState::FEATURE_NOT_SUPPORTED
        );
        assert_eq!(
            check_encoding("nope").unwrap_err().code,
            SqlState::INVALID_PARAMETER_VALUE
        );
    }
}
