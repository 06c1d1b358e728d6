//! Messages a server sends.

use bytes::{BufMut, Bytes, BytesMut};

use super::buf::{MessageReader, put_cstr, put_len_prefixed};
use super::{CodecError, write_message};

/// The `Authentication*` family ('R').
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// AuthenticationOk (0).
    Ok,
    /// AuthenticationKerberosV5 (2).
    KerberosV5,
    /// AuthenticationCleartextPassword (3).
    CleartextPassword,
    /// AuthenticationMD5Password (5) with its salt.
    Md5Password {
        /// Four random bytes the client mixes into its hash.
        salt: [u8; 4],
    },
    /// AuthenticationGSS (7).
    Gss,
    /// AuthenticationGSSContinue (8).
    GssContinue(Bytes),
    /// AuthenticationSSPI (9).
    Sspi,
    /// AuthenticationSASL (10) with the mechanisms offered.
    Sasl(Vec<String>),
    /// AuthenticationSASLContinue (11).
    SaslContinue(Bytes),
    /// AuthenticationSASLFinal (12).
    SaslFinal(Bytes),
}

/// One column of a `RowDescription`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDescription {
    /// Column name.
    pub name: String,
    /// OID of the source table, or 0.
    pub table_oid: u32,
    /// Attribute number in the source table, or 0.
    pub column_id: i16,
    /// OID of the column's type.
    pub type_oid: u32,
    /// Type size (`pg_type.typlen`); negative for variable width.
    pub type_size: i16,
    /// Type modifier (`pg_attribute.atttypmod`), -1 when none.
    pub type_modifier: i32,
    /// 0 text, 1 binary.
    pub format: i16,
}

/// Format information of `CopyInResponse`, `CopyOutResponse` and `CopyBothResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyResponse {
    /// Overall format: 0 textual, 1 binary.
    pub format: i8,
    /// Per-column format codes.
    pub column_formats: Vec<i16>,
}

/// Transaction status reported by `ReadyForQuery`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionStatus {
    /// 'I': not in a transaction block.
    #[default]
    Idle,
    /// 'T': in a transaction block.
    InTransaction,
    /// 'E': in a failed transaction block; queries are rejected until it ends.
    Failed,
}

impl TransactionStatus {
    /// The status byte.
    pub fn byte(self) -> u8 {
        match self {
            TransactionStatus::Idle => b'I',
            TransactionStatus::InTransaction => b'T',
            TransactionStatus::Failed => b'E',
        }
    }

    fn from_byte(b: u8) -> Result<Self, CodecError> {
        match b {
            b'I' => Ok(TransactionStatus::Idle),
            b'T' => Ok(TransactionStatus::InTransaction),
            b'E' => Ok(TransactionStatus::Failed),
            _ => Err(CodecError::Malformed {
                message: "ReadyForQuery",
                reason: "invalid transaction status",
            }),
        }
    }
}

/// The fields of an `ErrorResponse` or `NoticeResponse`: (field type byte, value) pairs in
/// wire order. [`crate::PgError`] is the typed view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorFields(pub Vec<(u8, String)>);

impl ErrorFields {
    /// The value of field `code` (e.g. `b'C'` for the SQLSTATE), if present.
    pub fn get(&self, code: u8) -> Option<&str> {
        self.0
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| v.as_str())
    }

    fn decode(message: &'static str, body: Bytes) -> Result<Self, CodecError> {
        let mut r = MessageReader::new(message, body);
        let mut fields = Vec::new();
        loop {
            let code = r.u8()?;
            if code == 0 {
                break;
            }
            fields.push((code, r.cstr()?));
        }
        r.finish()?;
        Ok(ErrorFields(fields))
    }

    /// Writes the body (fields and the final terminator).
    pub fn encode_body(&self, b: &mut BytesMut) {
        for (code, value) in &self.0 {
            b.put_u8(*code);
            put_cstr(b, value.as_bytes());
        }
        b.put_u8(0);
    }
}

/// Every message a server sends after reading the startup packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendMessage {
    /// 'R'
    Authentication(Authentication),
    /// 'K': process id and secret key (4 bytes in 3.0, up to 256 in 3.2).
    BackendKeyData {
        /// Process id.
        pid: i32,
        /// Secret key.
        key: Bytes,
    },
    /// '2'
    BindComplete,
    /// '3'
    CloseComplete,
    /// 'C' with the command tag.
    CommandComplete(String),
    /// 'd'
    CopyData(Bytes),
    /// 'c'
    CopyDone,
    /// 'G'
    CopyInResponse(CopyResponse),
    /// 'H'
    CopyOutResponse(CopyResponse),
    /// 'W'
    CopyBothResponse(CopyResponse),
    /// 'D': column values, `None` for NULL.
    DataRow(Vec<Option<Bytes>>),
    /// 'I'
    EmptyQueryResponse,
    /// 'E'
    ErrorResponse(ErrorFields),
    /// 'V': the result of a function call.
    FunctionCallResponse(Option<Bytes>),
    /// 'v': newest minor version supported and the options not recognized.
    NegotiateProtocolVersion {
        /// Newest minor protocol version the server supports for the requested major.
        newest_minor: i32,
        /// Protocol options (`_pq_.…`) the server did not recognize.
        unrecognized: Vec<String>,
    },
    /// 'n'
    NoData,
    /// 'N'
    NoticeResponse(ErrorFields),
    /// 'A'
    NotificationResponse {
        /// Process id of the notifying backend.
        pid: i32,
        /// Channel name.
        channel: String,
        /// Payload.
        payload: String,
    },
    /// 't': parameter type OIDs.
    ParameterDescription(Vec<u32>),
    /// 'S'
    ParameterStatus {
        /// Parameter name.
        name: String,
        /// Its value.
        value: String,
    },
    /// '1'
    ParseComplete,
    /// 's'
    PortalSuspended,
    /// 'Z'
    ReadyForQuery(TransactionStatus),
    /// 'T'
    RowDescription(Vec<FieldDescription>),
}

fn copy_response(message: &'static str, body: Bytes) -> Result<CopyResponse, CodecError> {
    let mut r = MessageReader::new(message, body);
    let format = r.u8()? as i8;
    let n = r.count16()?;
    if n * 2 > r.remaining() {
        return Err(r.malformed("column count exceeds message length"));
    }
    let column_formats = (0..n).map(|_| r.i16()).collect::<Result<_, _>>()?;
    r.finish()?;
    Ok(CopyResponse {
        format,
        column_formats,
    })
}

fn put_copy_response(b: &mut BytesMut, c: &CopyResponse) {
    b.put_i8(c.format);
    b.put_i16(c.column_formats.len() as i16);
    for &f in &c.column_formats {
        b.put_i16(f);
    }
}

fn empty(
    name: &'static str,
    body: Bytes,
    msg: BackendMessage,
) -> Result<BackendMessage, CodecError> {
    MessageReader::new(name, body).finish()?;
    Ok(msg)
}

impl Authentication {
    fn decode(body: Bytes) -> Result<Self, CodecError> {
        let mut r = MessageReader::new("Authentication", body);
        let auth = match r.i32()? {
            0 => Authentication::Ok,
            2 => Authentication::KerberosV5,
            3 => Authentication::CleartextPassword,
            5 => {
                let s = r.bytes(4)?;
                Authentication::Md5Password {
                    salt: [s[0], s[1], s[2], s[3]],
                }
            }
            7 => Authentication::Gss,
            8 => Authentication::GssContinue(r.rest()),
            9 => Authentication::Sspi,
            10 => {
                let mut mechs = Vec::new();
                loop {
                    let m = r.cstr()?;
                    if m.is_empty() {
                        break;
                    }
                    mechs.push(m);
                }
                Authentication::Sasl(mechs)
            }
            11 => Authentication::SaslContinue(r.rest()),
            12 => Authentication::SaslFinal(r.rest()),
            _ => return Err(r.malformed("unknown authentication request")),
        };
        r.finish()?;
        Ok(auth)
    }

    fn encode_body(&self, b: &mut BytesMut) {
        match self {
            Authentication::Ok => b.put_i32(0),
            Authentication::KerberosV5 => b.put_i32(2),
            Authentication::CleartextPassword => b.put_i32(3),
            Authentication::Md5Password { salt } => {
                b.put_i32(5);
                b.extend_from_slice(salt);
            }
            Authentication::Gss => b.put_i32(7),
            Authentication::GssContinue(d) => {
                b.put_i32(8);
                b.extend_from_slice(d);
            }
            Authentication::Sspi => b.put_i32(9),
            Authentication::Sasl(mechs) => {
                b.put_i32(10);
                for m in mechs {
                    put_cstr(b, m.as_bytes());
                }
                b.put_u8(0);
            }
            Authentication::SaslContinue(d) => {
                b.put_i32(11);
                b.extend_from_slice(d);
            }
            Authentication::SaslFinal(d) => {
                b.put_i32(12);
                b.extend_from_slice(d);
            }
        }
    }
}

impl BackendMessage {
    /// Decodes the body of a message whose type byte is `tag`.
    pub fn decode(tag: u8, body: Bytes) -> Result<Self, CodecError> {
        use BackendMessage as M;
        let msg = match tag {
            b'R' => M::Authentication(Authentication::decode(body)?),
            b'K' => {
                let mut r = MessageReader::new("BackendKeyData", body);
                let pid = r.i32()?;
                let key = r.rest();
                if key.len() < 4 || key.len() > 256 {
                    return Err(r.malformed("invalid secret key length"));
                }
                M::BackendKeyData { pid, key }
            }
            b'2' => empty("BindComplete", body, M::BindComplete)?,
            b'3' => empty("CloseComplete", body, M::CloseComplete)?,
            b'C' => {
                let mut r = MessageReader::new("CommandComplete", body);
                let tag = r.cstr()?;
                r.finish()?;
                M::CommandComplete(tag)
            }
            b'd' => M::CopyData(body),
            b'c' => empty("CopyDone", body, M::CopyDone)?,
            b'G' => M::CopyInResponse(copy_response("CopyInResponse", body)?),
            b'H' => M::CopyOutResponse(copy_response("CopyOutResponse", body)?),
            b'W' => M::CopyBothResponse(copy_response("CopyBothResponse", body)?),
            b'D' => {
                let mut r = MessageReader::new("DataRow", body);
                let n = r.count16()?;
                if n * 4 > r.remaining() {
                    return Err(r.malformed("column count exceeds message length"));
                }
                let values = (0..n)
                    .map(|_| r.nullable_bytes())
                    .collect::<Result<_, _>>()?;
                r.finish()?;
                M::DataRow(values)
            }
            b'I' => empty("EmptyQueryResponse", body, M::EmptyQueryResponse)?,
            b'E' => M::ErrorResponse(ErrorFields::decode("ErrorResponse", body)?),
            b'V' => {
                let mut r = MessageReader::new("FunctionCallResponse", body);
                let v = r.nullable_bytes()?;
                r.finish()?;
                M::FunctionCallResponse(v)
            }
            b'v' => {
                let mut r = MessageReader::new("NegotiateProtocolVersion", body);
                let newest_minor = r.i32()?;
                let n = r.i32()?;
                let n = usize::try_from(n).map_err(|_| r.malformed("negative count"))?;
                if n > r.remaining() {
                    return Err(r.malformed("option count exceeds message length"));
                }
                let unrecognized = (0..n).map(|_| r.cstr()).collect::<Result<_, _>>()?;
                r.finish()?;
                M::NegotiateProtocolVersion {
                    newest_minor,
                    unrecognized,
                }
            }
            b'n' => empty("NoData", body, M::NoData)?,
            b'N' => M::NoticeResponse(ErrorFields::decode("NoticeResponse", body)?),
            b'A' => {
                let mut r = MessageReader::new("NotificationResponse", body);
                let pid = r.i32()?;
                let channel = r.cstr()?;
                let payload = r.cstr()?;
                r.finish()?;
                M::NotificationResponse {
                    pid,
                    channel,
                    payload,
                }
            }
            b't' => {
                let mut r = MessageReader::new("ParameterDescription", body);
                let n = r.count16()?;
                if n * 4 > r.remaining() {
                    return Err(r.malformed("parameter count exceeds message length"));
                }
                let types = (0..n).map(|_| r.u32()).collect::<Result<_, _>>()?;
                r.finish()?;
                M::ParameterDescription(types)
            }
            b'S' => {
                let mut r = MessageReader::new("ParameterStatus", body);
                let name = r.cstr()?;
                let value = r.cstr()?;
                r.finish()?;
                M::ParameterStatus { name, value }
            }
            b'1' => empty("ParseComplete", body, M::ParseComplete)?,
            b's' => empty("PortalSuspended", body, M::PortalSuspended)?,
            b'Z' => {
                let mut r = MessageReader::new("ReadyForQuery", body);
                let status = TransactionStatus::from_byte(r.u8()?)?;
                r.finish()?;
                M::ReadyForQuery(status)
            }
            b'T' => {
                let mut r = MessageReader::new("RowDescription", body);
                let n = r.count16()?;
                if n * 19 > r.remaining() {
                    return Err(r.malformed("field count exceeds message length"));
                }
                let mut fields = Vec::with_capacity(n);
                for _ in 0..n {
                    fields.push(FieldDescription {
                        name: r.cstr()?,
                        table_oid: r.u32()?,
                        column_id: r.i16()?,
                        type_oid: r.u32()?,
                        type_size: r.i16()?,
                        type_modifier: r.i32()?,
                        format: r.i16()?,
                    });
                }
                r.finish()?;
                M::RowDescription(fields)
            }
            other => return Err(CodecError::UnknownBackendTag(other)),
        };
        Ok(msg)
    }

    /// Appends the encoded message (type byte, length, body) to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) {
        use BackendMessage as M;
        match self {
            M::Authentication(a) => write_message(buf, b'R', |b| a.encode_body(b)),
            M::BackendKeyData { pid, key } => write_message(buf, b'K', |b| {
                b.put_i32(*pid);
                b.extend_from_slice(key);
            }),
            M::BindComplete => write_message(buf, b'2', |_| {}),
            M::CloseComplete => write_message(buf, b'3', |_| {}),
            M::CommandComplete(tag) => write_message(buf, b'C', |b| put_cstr(b, tag.as_bytes())),
            M::CopyData(d) => write_message(buf, b'd', |b| b.extend_from_slice(d)),
            M::CopyDone => write_message(buf, b'c', |_| {}),
            M::CopyInResponse(c) => write_message(buf, b'G', |b| put_copy_response(b, c)),
            M::CopyOutResponse(c) => write_message(buf, b'H', |b| put_copy_response(b, c)),
            M::CopyBothResponse(c) => write_message(buf, b'W', |b| put_copy_response(b, c)),
            M::DataRow(values) => write_message(buf, b'D', |b| {
                b.put_i16(values.len() as i16);
                for v in values {
                    put_len_prefixed(b, v.as_deref());
                }
            }),
            M::EmptyQueryResponse => write_message(buf, b'I', |_| {}),
            M::ErrorResponse(f) => write_message(buf, b'E', |b| f.encode_body(b)),
            M::FunctionCallResponse(v) => {
                write_message(buf, b'V', |b| put_len_prefixed(b, v.as_deref()))
            }
            M::NegotiateProtocolVersion {
                newest_minor,
                unrecognized,
            } => write_message(buf, b'v', |b| {
                b.put_i32(*newest_minor);
                b.put_i32(unrecognized.len() as i32);
                for o in unrecognized {
                    put_cstr(b, o.as_bytes());
                }
            }),
            M::NoData => write_message(buf, b'n', |_| {}),
            M::NoticeResponse(f) => write_message(buf, b'N', |b| f.encode_body(b)),
            M::NotificationResponse {
                pid,
                channel,
                payload,
            } => write_message(buf, b'A', |b| {
                b.put_i32(*pid);
                put_cstr(b, channel.as_bytes());
                put_cstr(b, payload.as_bytes());
            }),
            M::ParameterDescription(types) => write_message(buf, b't', |b| {
                b.put_i16(types.len() as i16);
                for &t in types {
                    b.put_u32(t);
                }
            }),
            M::ParameterStatus { name, value } => write_message(buf, b'S', |b| {
                put_cstr(b, name.as_bytes());
                put_cstr(b, value.as_bytes());
            }),
            M::ParseComplete => write_message(buf, b'1', |_| {}),
            M::PortalSuspended => write_message(buf, b's', |_| {}),
            M::ReadyForQuery(s) => write_message(buf, b'Z', |b| b.put_u8(s.byte())),
            M::RowDescription(fields) => write_message(buf, b'T', |b| {
                b.put_i16(fields.len() as i16);
                for f in fields {
                    put_field_description(b, f);
                }
            }),
        }
    }
}

/// Writes one `RowDescription` field entry.
pub fn put_field_description(b: &mut BytesMut, f: &FieldDescription) {
    put_cstr(b, f.name.as_bytes());
    b.put_u32(f.table_oid);
    b.put_i16(f.column_id);
    b.put_u32(f.type_oid);
    b.put_i16(f.type_size);
    b.put_i32(f.type_modifier);
    b.put_i16(f.format);
}
