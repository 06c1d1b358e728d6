//! Wire transcripts: a data-driven format of "send these frontend messages, expect these
//! backend messages", run against real PostgreSQL and against our servers so that every
//! expectation is proven to be PostgreSQL's behaviour.
//!
//! ```text
//! # A comment. Lines starting with `!` run a simple query whose results are not checked.
//! ! CREATE TABLE tr_demo (id int8, v text)
//! > P "" "SELECT id FROM tr_demo WHERE id = $1" int8
//! > B "" "" 1
//! > E "" 0
//! > S
//! < ParseComplete
//! < BindComplete
//! < CommandComplete SELECT 0
//! < ReadyForQuery I
//! ```
//!
//! Frontend (`>`): `Q "sql"`, `P name "sql" [type…]`, `B portal stmt [value…] [rf=0,1]`
//! (values: a bare word, a "quoted string", `NULL`, or `x"hex"` for a binary value), `D S|P
//! name`, `E portal [max_rows]`, `C S|P name`, `S` (Sync), `H` (Flush). Consecutive `>` lines
//! go out in one write. Backend (`<`): one line per message; ParameterStatus, NoticeResponse
//! and NotificationResponse are ignored, ErrorResponse is compared by SQLSTATE only,
//! RowDescription by column names, types and formats (not table OIDs), CommandComplete by tag.

use std::fmt::Write as _;

use bytes::Bytes;
use pgwire::codec::BackendMessage;
use pgwire::codec::{
    Bind, Close, Describe, Execute, FrontendMessage, Parse, Query, Target, TransactionStatus,
};
use pgwire::types::Type;

/// One step of a transcript.
#[derive(Debug)]
pub enum Step {
    /// Run a simple query, ignore what it returns (but wait for ReadyForQuery).
    Setup(String),
    /// Send these messages in one write, then expect these lines (canonical form).
    Exchange {
        send: Vec<FrontendMessage>,
        expect: Vec<String>,
        line: usize,
    },
}

/// A parsed transcript file.
#[derive(Debug)]
pub struct Transcript {
    pub name: String,
    pub steps: Vec<Step>,
}

fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut w = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c == '"' {
                quoted = true;
                chars.next();
                w.push('"');
                loop {
                    match chars.next() {
                        Some('\\') => match chars.next() {
                            Some('n') => w.push('\n'),
                            Some('t') => w.push('\t'),
                            Some(o) => w.push(o),
                            None => return Err("dangling backslash".into()),
                        },
                        Some('"') => break,
                        Some(o) => w.push(o),
                        None => return Err(format!("unterminated string in {line:?}")),
                    }
                }
                w.push('"');
            } else if c.is_whitespace() {
                break;
            } else {
                w.push(c);
                chars.next();
            }
        }
        let _ = quoted;
        out.push(w);
    }
    Ok(out)
}

/// The content of a word: a quoted string without its quotes, or the bare word.
fn unquote(w: &str) -> String {
    if w.len() >= 2 && w.starts_with('"') && w.ends_with('"') {
        w[1..w.len() - 1].to_owned()
    } else {
        w.to_owned()
    }
}

fn type_oid(name: &str) -> Result<u32, String> {
    if let Ok(n) = name.parse() {
        return Ok(n);
    }
    let ty = match name {
        "bool" => Type::BOOL,
        "int2" => Type::INT2,
        "int4" => Type::INT4,
        "int8" => Type::INT8,
        "float4" => Type::FLOAT4,
        "float8" => Type::FLOAT8,
        "text" => Type::TEXT,
        "varchar" => Type::VARCHAR,
        "bytea" => Type::BYTEA,
        "numeric" => Type::NUMERIC,
        "date" => Type::DATE,
        "timestamp" => Type::TIMESTAMP,
        "timestamptz" => Type::TIMESTAMPTZ,
        "uuid" => Type::UUID,
        "json" => Type::JSON,
        "unknown" => Type::UNKNOWN,
        other => return Err(format!("unknown type {other}")),
    };
    Ok(ty.oid())
}

fn hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd hex {s}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn target(w: Option<&String>) -> Result<Target, String> {
    match w.map(String::as_str) {
        Some("S") => Ok(Target::Statement),
        Some("P") => Ok(Target::Portal),
        other => Err(format!("expected S or P, got {other:?}")),
    }
}

fn frontend(line: &str) -> Result<FrontendMessage, String> {
    let w = words(line)?;
    let arg = |i: usize| {
        w.get(i)
            .map(|s| unquote(s))
            .ok_or(format!("missing argument {i} in {line:?}"))
    };
    Ok(match w.first().map(String::as_str) {
        Some("Q") => FrontendMessage::Query(Query { sql: arg(1)? }),
        Some("P") => FrontendMessage::Parse(Parse {
            name: arg(1)?,
            sql: arg(2)?,
            param_types: w[3..]
                .iter()
                .map(|t| type_oid(t))
                .collect::<Result<_, _>>()?,
        }),
        Some("B") => {
            let mut params = Vec::new();
            let mut param_formats = Vec::new();
            let mut result_formats = Vec::new();
            for v in &w[3..] {
                if let Some(rf) = v.strip_prefix("rf=") {
                    result_formats = rf
                        .split(',')
                        .map(|f| f.parse().map_err(|e| format!("{e}")))
                        .collect::<Result<_, String>>()?;
                } else if v == "NULL" {
                    params.push(None);
                    param_formats.push(0);
                } else if let Some(h) = v.strip_prefix('x') {
                    params.push(Some(Bytes::from(hex(&unquote(h))?)));
                    param_formats.push(1);
                } else {
                    params.push(Some(Bytes::from(unquote(v))));
                    param_formats.push(0);
                }
            }
            if param_formats.iter().all(|&f| f == 0) {
                param_formats.clear();
            }
            FrontendMessage::Bind(Bind {
                portal: arg(1)?,
                statement: arg(2)?,
                param_formats,
                params,
                result_formats,
            })
        }
        Some("D") => FrontendMessage::Describe(Describe {
            target: target(w.get(1))?,
            name: arg(2)?,
        }),
        Some("C") => FrontendMessage::Close(Close {
            target: target(w.get(1))?,
            name: arg(2)?,
        }),
        Some("E") => FrontendMessage::Execute(Execute {
            portal: arg(1)?,
            max_rows: w
                .get(2)
                .map_or(Ok(0), |m| m.parse().map_err(|e| format!("{e}")))?,
        }),
        Some("S") => FrontendMessage::Sync,
        Some("H") => FrontendMessage::Flush,
        other => return Err(format!("unknown frontend message {other:?}")),
    })
}

fn word(v: &[u8]) -> String {
    match std::str::from_utf8(v) {
        Ok(s)
            if !s.is_empty()
                && s != "NULL"
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-+:".contains(c)) =>
        {
            s.to_owned()
        }
        Ok(s) if !s.chars().any(char::is_control) => format!("{s:?}"),
        _ => {
            let mut h = String::from("x\"");
            for b in v {
                let _ = write!(h, "{b:02x}");
            }
            h.push('"');
            h
        }
    }
}

fn type_name(oid: u32) -> String {
    Type::from_oid(oid).map_or_else(|| oid.to_string(), |t| t.name().to_owned())
}

/// The canonical line for a backend message, or `None` for messages transcripts ignore.
pub fn render(m: &BackendMessage) -> Option<String> {
    use BackendMessage as B;
    Some(match m {
        B::ParameterStatus { .. } | B::NoticeResponse(_) | B::NotificationResponse { .. } => {
            return None;
        }
        B::ParseComplete => "ParseComplete".into(),
        B::BindComplete => "BindComplete".into(),
        B::CloseComplete => "CloseComplete".into(),
        B::NoData => "NoData".into(),
        B::PortalSuspended => "PortalSuspended".into(),
        B::EmptyQueryResponse => "EmptyQueryResponse".into(),
        B::CommandComplete(tag) => format!("CommandComplete {tag}"),
        B::ErrorResponse(f) => format!("ErrorResponse {}", f.get(b'C').unwrap_or("?")),
        B::ReadyForQuery(s) => format!(
            "ReadyForQuery {}",
            match s {
                TransactionStatus::Idle => "I",
                TransactionStatus::InTransaction => "T",
                TransactionStatus::Failed => "E",
            }
        ),
        B::ParameterDescription(types) => {
            let mut s = String::from("ParameterDescription");
            for t in types {
                s.push(' ');
                s.push_str(&type_name(*t));
            }
            s
        }
        B::RowDescription(fields) => {
            let mut s = String::from("RowDescription");
            for f in fields {
                let _ = write!(s, " {}:{}", word(f.name.as_bytes()), type_name(f.type_oid));
                if f.format == 1 {
                    s.push_str(":binary");
                }
            }
            s
        }
        B::DataRow(values) => {
            let mut s = String::from("DataRow");
            for v in values {
                s.push(' ');
                match v {
                    None => s.push_str("NULL"),
                    Some(v) => s.push_str(&word(v)),
                }
            }
            s
        }
        other => format!("{other:?}"),
    })
}

/// Re-renders an expected line so that quoting differences do not matter.
fn canonical_expect(line: &str) -> Result<String, String> {
    let w = words(line)?;
    match w.first().map(String::as_str) {
        Some("DataRow") => {
            let mut s = String::from("DataRow");
            for v in &w[1..] {
                s.push(' ');
                if v == "NULL" {
                    s.push_str("NULL");
                } else if let Some(h) = v.strip_prefix('x').filter(|h| h.starts_with('"')) {
                    s.push_str(&word(&hex(&unquote(h))?));
                } else {
                    s.push_str(&word(unquote(v).as_bytes()));
                }
            }
            Ok(s)
        }
        _ => Ok(line.split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

impl Transcript {
    /// Parses a transcript file.
    pub fn parse(name: &str, text: &str) -> Result<Transcript, String> {
        let mut steps = Vec::new();
        let mut send = Vec::new();
        let mut expect = Vec::new();
        let mut start = 0;
        let flush = |steps: &mut Vec<Step>,
                     send: &mut Vec<FrontendMessage>,
                     expect: &mut Vec<String>,
                     line| {
            if !send.is_empty() || !expect.is_empty() {
                steps.push(Step::Exchange {
                    send: std::mem::take(send),
                    expect: std::mem::take(expect),
                    line,
                });
            }
        };
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |e: String| format!("{name}:{}: {e}", i + 1);
            if let Some(sql) = line.strip_prefix('!') {
                flush(&mut steps, &mut send, &mut expect, start);
                steps.push(Step::Setup(sql.trim().to_owned()));
            } else if let Some(m) = line.strip_prefix('>') {
                if !expect.is_empty() {
                    flush(&mut steps, &mut send, &mut expect, start);
                }
                if send.is_empty() {
                    start = i + 1;
                }
                send.push(frontend(m.trim()).map_err(err)?);
            } else if let Some(m) = line.strip_prefix('<') {
                expect.push(canonical_expect(m.trim()).map_err(err)?);
            } else {
                return Err(err(format!(
                    "a line must start with #, !, > or <: {line:?}"
                )));
            }
        }
        flush(&mut steps, &mut send, &mut expect, start);
        Ok(Transcript {
            name: name.to_owned(),
            steps,
        })
    }

    /// Runs the transcript recording what the server answers to each block (reading until one
    /// ReadyForQuery per Sync/Query sent, or 300 ms of silence after a Flush-only block), and
    /// returns `text` with every block's `<` lines replaced by the answers.
    pub async fn record(&self, raw: &mut super::raw::Raw, text: &str) -> String {
        let mut answers = Vec::new();
        for step in &self.steps {
            match step {
                Step::Setup(sql) => {
                    raw.send(&[FrontendMessage::Query(Query { sql: sql.clone() })])
                        .await;
                    raw.until_ready().await;
                }
                Step::Exchange { send, .. } => {
                    raw.send(send).await;
                    let mut want = send
                        .iter()
                        .filter(|m| matches!(m, FrontendMessage::Sync | FrontendMessage::Query(_)))
                        .count();
                    let mut got = Vec::new();
                    loop {
                        let m = if want == 0 {
                            match tokio::time::timeout(
                                std::time::Duration::from_millis(300),
                                raw.recv(),
                            )
                            .await
                            {
                                Ok(m) => m,
                                Err(_) => break,
                            }
                        } else {
                            raw.recv().await
                        };
                        let Some(m) = m else { break };
                        if matches!(m, BackendMessage::ReadyForQuery(_)) {
                            want = want.saturating_sub(1);
                        }
                        if let Some(r) = render(&m) {
                            got.push(r);
                        }
                        if want == 0 && matches!(m, BackendMessage::ReadyForQuery(_)) {
                            break;
                        }
                    }
                    answers.push(got);
                }
            }
        }
        // Rebuild the file: keep everything but `<` lines; after each block of `>` lines put
        // its answers.
        let mut out = String::new();
        let mut answers = answers.into_iter();
        let mut in_send = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with('<') {
                continue;
            }
            if in_send && !t.starts_with('>') {
                for a in answers.next().unwrap_or_default() {
                    out.push_str("< ");
                    out.push_str(&a);
                    out.push('\n');
                }
            }
            in_send = t.starts_with('>');
            out.push_str(line);
            out.push('\n');
        }
        if in_send {
            for a in answers.next().unwrap_or_default() {
                out.push_str("< ");
                out.push_str(&a);
                out.push('\n');
            }
        }
        out
    }

    /// Runs the transcript over a fresh session of `raw`; returns the first difference.
    pub async fn run(&self, raw: &mut super::raw::Raw) -> Result<(), String> {
        for step in &self.steps {
            match step {
                Step::Setup(sql) => {
                    raw.send(&[FrontendMessage::Query(Query { sql: sql.clone() })])
                        .await;
                    let msgs = raw.until_ready().await;
                    if let Some(code) = super::raw::error_code(&msgs) {
                        return Err(format!("{}: setup {sql:?} failed with {code}", self.name));
                    }
                }
                Step::Exchange { send, expect, line } => {
                    raw.send(send).await;
                    let mut got = Vec::new();
                    while got.len() < expect.len() {
                        match raw.recv().await {
                            None => break,
                            Some(m) => {
                                if let Some(r) = render(&m) {
                                    got.push(r);
                                }
                            }
                        }
                    }
                    if &got != expect {
                        return Err(format!(
                            "{} (block at line {line}):\n  expected:\n    {}\n  got:\n    {}",
                            self.name,
                            expect.join("\n    "),
                            got.join("\n    ")
                        ));
                    }
                }
            }
        }
        // Nothing may be left over: a Sync now must be answered by ReadyForQuery alone.
        raw.send(&[FrontendMessage::Sync]).await;
        loop {
            match raw.recv().await.as_ref().map(|m| (m, render(m))) {
                Some((_, None)) => continue,
                Some((BackendMessage::ReadyForQuery(_), _)) => return Ok(()),
                Some((_, Some(extra))) => {
                    return Err(format!(
                        "{}: unexpected message after the last block: {extra}",
                        self.name
                    ));
                }
                None => return Err(format!("{}: connection closed", self.name)),
            }
        }
    }
}
