//! Messages a client sends after startup.

use bytes::{BufMut, Bytes, BytesMut};

use super::buf::{MessageReader, put_cstr, put_len_prefixed};
use super::{CodecError, write_message};

/// `Query` ('Q'): a simple-protocol query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The SQL text, possibly several statements.
    pub sql: String,
}

/// `Parse` ('P'): prepare a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parse {
    /// Statement name; empty is the unnamed statement.
    pub name: String,
    /// The SQL text.
    pub sql: String,
    /// Parameter type OIDs the client specified (0 = unspecified).
    pub param_types: Vec<u32>,
}

/// `Bind` ('B'): create a portal from a statement and parameter values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Portal name; empty is the unnamed portal.
    pub portal: String,
    /// Source statement name.
    pub statement: String,
    /// Parameter format codes: none (all text), one (for all) or one per parameter.
    pub param_formats: Vec<i16>,
    /// Parameter values; `None` is NULL.
    pub params: Vec<Option<Bytes>>,
    /// Result format codes: none (all text), one (for all) or one per column.
    pub result_formats: Vec<i16>,
}

/// What a `Describe` or `Close` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// 'S': a prepared statement.
    Statement,
    /// 'P': a portal.
    Portal,
}

impl Target {
    fn decode(r: &mut MessageReader) -> Result<Self, CodecError> {
        match r.u8()? {
            b'S' => Ok(Target::Statement),
            b'P' => Ok(Target::Portal),
            _ => Err(CodecError::Malformed {
                message: "Describe/Close",
                reason: "invalid target type",
            }),
        }
    }

    fn byte(self) -> u8 {
        match self {
            Target::Statement => b'S',
            Target::Portal => b'P',
        }
    }
}

/// `Describe` ('D').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Describe {
    /// Statement or portal.
    pub target: Target,
    /// Its name; empty is the unnamed one.
    pub name: String,
}

/// `Close` ('C').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    /// Statement or portal.
    pub target: Target,
    /// Its name; empty is the unnamed one.
    pub name: String,
}

/// `Execute` ('E').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execute {
    /// Portal name.
    pub portal: String,
    /// Row limit; 0 means no limit.
    pub max_rows: i32,
}

/// `FunctionCall` ('F'): the legacy fast-path interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCall {
    /// OID of the function.
    pub function: u32,
    /// Argument format codes.
    pub arg_formats: Vec<i16>,
    /// Arguments; `None` is NULL.
    pub args: Vec<Option<Bytes>>,
    /// Result format code.
    pub result_format: i16,
}

/// `CopyFail` ('f').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFail {
    /// The client's reason.
    pub message: String,
}

/// A 'p' message: `PasswordMessage`, `SASLInitialResponse` or `SASLResponse`. Which one it is
/// depends on the authentication exchange in progress, so the body is kept raw; see
/// [`PasswordMessage::password`], [`SaslInitialResponse::decode`] and [`SaslResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordMessage {
    /// The raw body.
    pub body: Bytes,
}

impl PasswordMessage {
    /// Reads the body as a cleartext or MD5 password (a NUL-terminated string).
    pub fn password(&self) -> Result<String, CodecError> {
        let mut r = MessageReader::new("PasswordMessage", self.body.clone());
        let s = r.cstr()?;
        r.finish()?;
        Ok(s)
    }

    /// A password message carrying `password`.
    pub fn from_password(password: &str) -> Self {
        let mut b = BytesMut::with_capacity(password.len() + 1);
        put_cstr(&mut b, password.as_bytes());
        PasswordMessage { body: b.freeze() }
    }
}

/// `SASLInitialResponse`: the body of the first 'p' message of a SASL exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslInitialResponse {
    /// The mechanism chosen, e.g. `SCRAM-SHA-256`.
    pub mechanism: String,
    /// Initial client response; `None` when the length is -1.
    pub data: Option<Bytes>,
}

impl SaslInitialResponse {
    /// Decodes the body of a 'p' message.
    pub fn decode(body: Bytes) -> Result<Self, CodecError> {
        let mut r = MessageReader::new("SASLInitialResponse", body);
        let mechanism = r.cstr()?;
        let data = r.nullable_bytes()?;
        r.finish()?;
        Ok(SaslInitialResponse { mechanism, data })
    }

    /// The 'p' message carrying this response.
    pub fn to_message(&self) -> PasswordMessage {
        let mut b = BytesMut::new();
        put_cstr(&mut b, self.mechanism.as_bytes());
        put_len_prefixed(&mut b, self.data.as_deref());
        PasswordMessage { body: b.freeze() }
    }
}

/// `SASLResponse`: a later 'p' message of a SASL exchange; the body is the SASL data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslResponse {
    /// The mechanism-specific data.
    pub data: Bytes,
}

/// Every message a client sends after the startup packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontendMessage {
    /// 'Q'
    Query(Query),
    /// 'P'
    Parse(Parse),
    /// 'B'
    Bind(Bind),
    /// 'D'
    Describe(Describe),
    /// 'E'
    Execute(Execute),
    /// 'S'
    Sync,
    /// 'H'
    Flush,
    /// 'C'
    Close(Close),
    /// 'X'
    Terminate,
    /// 'd'
    CopyData(Bytes),
    /// 'c'
    CopyDone,
    /// 'f'
    CopyFail(CopyFail),
    /// 'F'
    FunctionCall(FunctionCall),
    /// 'p'
    PasswordMessage(PasswordMessage),
}

fn formats(r: &mut MessageReader) -> Result<Vec<i16>, CodecError> {
    let n = r.count16()?;
    if n * 2 > r.remaining() {
        return Err(r.malformed("format count exceeds message length"));
    }
    (0..n).map(|_| r.i16()).collect()
}

fn values(r: &mut MessageReader) -> Result<Vec<Option<Bytes>>, CodecError> {
    let n = r.count16()?;
    if n * 4 > r.remaining() {
        return Err(r.malformed("value count exceeds message length"));
    }
    (0..n).map(|_| r.nullable_bytes()).collect()
}

fn put_formats(buf: &mut BytesMut, f: &[i16]) {
    buf.put_i16(f.len() as i16);
    for &x in f {
        buf.put_i16(x);
    }
}

fn put_values(buf: &mut BytesMut, v: &[Option<Bytes>]) {
    buf.put_i16(v.len() as i16);
    for x in v {
        put_len_prefixed(buf, x.as_deref());
    }
}

impl FrontendMessage {
    /// The message's type byte.
    pub fn tag(&self) -> u8 {
        match self {
            FrontendMessage::Query(_) => b'Q',
            FrontendMessage::Parse(_) => b'P',
            FrontendMessage::Bind(_) => b'B',
            FrontendMessage::Describe(_) => b'D',
            FrontendMessage::Execute(_) => b'E',
            FrontendMessage::Sync => b'S',
            FrontendMessage::Flush => b'H',
            FrontendMessage::Close(_) => b'C',
            FrontendMessage::Terminate => b'X',
            FrontendMessage::CopyData(_) => b'd',
            FrontendMessage::CopyDone => b'c',
            FrontendMessage::CopyFail(_) => b'f',
            FrontendMessage::FunctionCall(_) => b'F',
            FrontendMessage::PasswordMessage(_) => b'p',
        }
    }

    /// Decodes the body of a message whose type byte is `tag`.
    pub fn decode(tag: u8, body: Bytes) -> Result<Self, CodecError> {
        let msg = match tag {
            b'Q' => {
                let mut r = MessageReader::new("Query", body);
                let sql = r.cstr()?;
                r.finish()?;
                FrontendMessage::Query(Query { sql })
            }
            b'P' => {
                let mut r = MessageReader::new("Parse", body);
                let name = r.cstr()?;
                let sql = r.cstr()?;
                let n = r.count16()?;
                if n * 4 > r.remaining() {
                    return Err(r.malformed("parameter count exceeds message length"));
                }
                let param_types = (0..n).map(|_| r.u32()).collect::<Result<_, _>>()?;
                r.finish()?;
                FrontendMessage::Parse(Parse {
                    name,
                    sql,
                    param_types,
                })
            }
            b'B' => {
                let mut r = MessageReader::new("Bind", body);
                let portal = r.cstr()?;
                let statement = r.cstr()?;
                let param_formats = formats(&mut r)?;
                let params = values(&mut r)?;
                let result_formats = formats(&mut r)?;
                r.finish()?;
                FrontendMessage::Bind(Bind {
                    portal,
                    statement,
                    param_formats,
                    params,
                    result_formats,
                })
            }
            b'D' => {
                let mut r = MessageReader::new("Describe", body);
                let target = Target::decode(&mut r)?;
                let name = r.cstr()?;
                r.finish()?;
                FrontendMessage::Describe(Describe { target, name })
            }
            b'C' => {
                let mut r = MessageReader::new("Close", body);
                let target = Target::decode(&mut r)?;
                let name = r.cstr()?;
                r.finish()?;
                FrontendMessage::Close(Close { target, name })
            }
            b'E' => {
                let mut r = MessageReader::new("Execute", body);
                let portal = r.cstr()?;
                let max_rows = r.i32()?;
                r.finish()?;
                FrontendMessage::Execute(Execute { portal, max_rows })
            }
            b'S' => empty("Sync", body, FrontendMessage::Sync)?,
            b'H' => empty("Flush", body, FrontendMessage::Flush)?,
            b'X' => empty("Terminate", body, FrontendMessage::Terminate)?,
            b'c' => empty("CopyDone", body, FrontendMessage::CopyDone)?,
            b'd' => FrontendMessage::CopyData(body),
            b'f' => {
                let mut r = MessageReader::new("CopyFail", body);
                let message = r.cstr()?;
                r.finish()?;
                FrontendMessage::CopyFail(CopyFail { message })
            }
            b'F' => {
                let mut r = MessageReader::new("FunctionCall", body);
                let function = r.u32()?;
                let arg_formats = formats(&mut r)?;
                let args = values(&mut r)?;
                let result_format = r.i16()?;
                r.finish()?;
                FrontendMessage::FunctionCall(FunctionCall {
                    function,
                    arg_formats,
                    args,
                    result_format,
                })
            }
            b'p' => FrontendMessage::PasswordMessage(PasswordMessage { body }),
            other => return Err(CodecError::UnknownFrontendTag(other)),
        };
        Ok(msg)
    }

    /// Appends the encoded message (type byte, length, body) to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) {
        match self {
            FrontendMessage::Query(q) => {
                write_message(buf, b'Q', |b| put_cstr(b, q.sql.as_bytes()))
            }
            FrontendMessage::Parse(p) => write_message(buf, b'P', |b| {
                put_cstr(b, p.name.as_bytes());
                put_cstr(b, p.sql.as_bytes());
                b.put_i16(p.param_types.len() as i16);
                for &t in &p.param_types {
                    b.put_u32(t);
                }
            }),
            FrontendMessage::Bind(m) => write_message(buf, b'B', |b| {
                put_cstr(b, m.portal.as_bytes());
                put_cstr(b, m.statement.as_bytes());
                put_formats(b, &m.param_formats);
                put_values(b, &m.params);
                put_formats(b, &m.result_formats);
            }),
            FrontendMessage::Describe(d) => write_message(buf, b'D', |b| {
                b.put_u8(d.target.byte());
                put_cstr(b, d.name.as_bytes());
            }),
            FrontendMessage::Close(c) => write_message(buf, b'C', |b| {
                b.put_u8(c.target.byte());
                put_cstr(b, c.name.as_bytes());
            }),
            FrontendMessage::Execute(e) => write_message(buf, b'E', |b| {
                put_cstr(b, e.portal.as_bytes());
                b.put_i32(e.max_rows);
            }),
            FrontendMessage::Sync => write_message(buf, b'S', |_| {}),
            FrontendMessage::Flush => write_message(buf, b'H', |_| {}),
            FrontendMessage::Terminate => write_message(buf, b'X', |_| {}),
            FrontendMessage::CopyDone => write_message(buf, b'c', |_| {}),
            FrontendMessage::CopyData(d) => write_message(buf, b'd', |b| b.extend_from_slice(d)),
            FrontendMessage::CopyFail(f) => {
                write_message(buf, b'f', |b| put_cstr(b, f.message.as_bytes()))
            }
            FrontendMessage::FunctionCall(f) => write_message(buf, b'F', |b| {
                b.put_u32(f.function);
                put_formats(b, &f.arg_formats);
                put_values(b, &f.args);
                b.put_i16(f.result_format);
            }),
            FrontendMessage::PasswordMessage(p) => {
                write_message(buf, b'p', |b| b.extend_from_slice(&p.body))
            }
        }
    }
}

fn empty(
    name: &'static str,
    body: Bytes,
    msg: FrontendMessage,
) -> Result<FrontendMessage, CodecError> {
    MessageReader::new(name, body).finish()?;
    Ok(msg)
}
