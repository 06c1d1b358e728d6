//! Errors and notices as PostgreSQL reports them: [`PgError`] carries every field of an
//! `ErrorResponse`/`NoticeResponse`; [`SqlState`] names the codes.

use std::borrow::Cow;
use std::fmt;

use crate::codec::{CodecError, ErrorFields};

/// A five-character SQLSTATE code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SqlState(Cow<'static, str>);

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SqlState({})", self.0)
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! sqlstates {
    ($($(#[$m:meta])* $name:ident = $code:literal;)*) => {
        impl SqlState {
            $($(#[$m])* pub const $name: SqlState = SqlState(Cow::Borrowed($code));)*
        }
    };
}

sqlstates! {
    /// 00000
    SUCCESSFUL_COMPLETION = "00000";
    /// 01000
    WARNING = "01000";
    /// 0A000
    FEATURE_NOT_SUPPORTED = "0A000";
    /// 08000
    CONNECTION_EXCEPTION = "08000";
    /// 08006
    CONNECTION_FAILURE = "08006";
    /// 08P01
    PROTOCOL_VIOLATION = "08P01";
    /// 21000
    CARDINALITY_VIOLATION = "21000";
    /// 22000
    DATA_EXCEPTION = "22000";
    /// 22001
    STRING_DATA_RIGHT_TRUNCATION = "22001";
    /// 22003
    NUMERIC_VALUE_OUT_OF_RANGE = "22003";
    /// 22007
    INVALID_DATETIME_FORMAT = "22007";
    /// 22008
    DATETIME_FIELD_OVERFLOW = "22008";
    /// 22012
    DIVISION_BY_ZERO = "22012";
    /// 22021
    CHARACTER_NOT_IN_REPERTOIRE = "22021";
    /// 22023
    INVALID_PARAMETER_VALUE = "22023";
    /// 22P02
    INVALID_TEXT_REPRESENTATION = "22P02";
    /// 22P03
    INVALID_BINARY_REPRESENTATION = "22P03";
    /// 22P04
    BAD_COPY_FILE_FORMAT = "22P04";
    /// 23000
    INTEGRITY_CONSTRAINT_VIOLATION = "23000";
    /// 23502
    NOT_NULL_VIOLATION = "23502";
    /// 23503
    FOREIGN_KEY_VIOLATION = "23503";
    /// 23505
    UNIQUE_VIOLATION = "23505";
    /// 23514
    CHECK_VIOLATION = "23514";
    /// 25001
    ACTIVE_SQL_TRANSACTION = "25001";
    /// 25P01
    NO_ACTIVE_SQL_TRANSACTION = "25P01";
    /// 25P02
    IN_FAILED_SQL_TRANSACTION = "25P02";
    /// 25P03
    IDLE_IN_TRANSACTION_SESSION_TIMEOUT = "25P03";
    /// 26000
    INVALID_SQL_STATEMENT_NAME = "26000";
    /// 28000
    INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    /// 28P01
    INVALID_PASSWORD = "28P01";
    /// 34000
    INVALID_CURSOR_NAME = "34000";
    /// 3D000
    INVALID_CATALOG_NAME = "3D000";
    /// 40001
    SERIALIZATION_FAILURE = "40001";
    /// 40P01
    DEADLOCK_DETECTED = "40P01";
    /// 42000
    SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION = "42000";
    /// 42501
    INSUFFICIENT_PRIVILEGE = "42501";
    /// 42601
    SYNTAX_ERROR = "42601";
    /// 42703
    UNDEFINED_COLUMN = "42703";
    /// 42704
    UNDEFINED_OBJECT = "42704";
    /// 42804
    DATATYPE_MISMATCH = "42804";
    /// 42883
    UNDEFINED_FUNCTION = "42883";
    /// 42P01
    UNDEFINED_TABLE = "42P01";
    /// 42P02
    UNDEFINED_PARAMETER = "42P02";
    /// 42P03
    DUPLICATE_CURSOR = "42P03";
    /// 42P05
    DUPLICATE_PREPARED_STATEMENT = "42P05";
    /// 42P07
    DUPLICATE_TABLE = "42P07";
    /// 42P18
    INDETERMINATE_DATATYPE = "42P18";
    /// 53000
    INSUFFICIENT_RESOURCES = "53000";
    /// 53200
    OUT_OF_MEMORY = "53200";
    /// 53300
    TOO_MANY_CONNECTIONS = "53300";
    /// 54000
    PROGRAM_LIMIT_EXCEEDED = "54000";
    /// 55000
    OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";
    /// 55P03
    LOCK_NOT_AVAILABLE = "55P03";
    /// 57014
    QUERY_CANCELED = "57014";
    /// 57P01
    ADMIN_SHUTDOWN = "57P01";
    /// 57P05
    IDLE_SESSION_TIMEOUT = "57P05";
    /// 58000
    SYSTEM_ERROR = "58000";
    /// XX000
    INTERNAL_ERROR = "XX000";
}

impl SqlState {
    /// A code from its five characters.
    pub fn from_code(code: impl Into<Cow<'static, str>>) -> SqlState {
        SqlState(code.into())
    }

    /// The five characters.
    pub fn code(&self) -> &str {
        &self.0
    }
}

/// Severity of an error or notice (field `S` and, non-localized, `V`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The statement failed.
    Error,
    /// The session ends.
    Fatal,
    /// All sessions end.
    Panic,
    /// A notice: WARNING.
    Warning,
    /// A notice: NOTICE.
    Notice,
    /// A notice: DEBUG.
    Debug,
    /// A notice: INFO.
    Info,
    /// A notice: LOG.
    Log,
}

impl Severity {
    /// The word PostgreSQL sends.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Panic => "PANIC",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
            Severity::Debug => "DEBUG",
            Severity::Info => "INFO",
            Severity::Log => "LOG",
        }
    }

    fn parse(s: &str) -> Severity {
        match s {
            "FATAL" => Severity::Fatal,
            "PANIC" => Severity::Panic,
            "WARNING" => Severity::Warning,
            "NOTICE" => Severity::Notice,
            "DEBUG" => Severity::Debug,
            "INFO" => Severity::Info,
            "LOG" => Severity::Log,
            _ => Severity::Error,
        }
    }
}

/// An error or notice with every field PostgreSQL defines.
///
/// The fields live behind one allocation (so `Result<_, PgError>` stays one word wide) and
/// are reached through `Deref`: `e.code`, `e.message`, `e.detail`, …
///
/// ```
/// use pgwire::{PgError, SqlState};
/// let e = PgError::new(SqlState::UNDEFINED_TABLE, "relation \"t\" does not exist").position(15);
/// assert_eq!(e.code, SqlState::UNDEFINED_TABLE);
/// assert_eq!(e.position, Some(15));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError(Box<PgErrorFields>);

impl std::ops::Deref for PgError {
    type Target = PgErrorFields;
    fn deref(&self) -> &PgErrorFields {
        &self.0
    }
}

impl std::ops::DerefMut for PgError {
    fn deref_mut(&mut self) -> &mut PgErrorFields {
        &mut self.0
    }
}

/// The fields of a [`PgError`], one per ErrorResponse field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgErrorFields {
    /// `S`/`V`
    pub severity: Severity,
    /// `C`
    pub code: SqlState,
    /// `M`
    pub message: String,
    /// `D`
    pub detail: Option<String>,
    /// `H`
    pub hint: Option<String>,
    /// `P`: 1-based character position in the query.
    pub position: Option<u32>,
    /// `p`
    pub internal_position: Option<u32>,
    /// `q`
    pub internal_query: Option<String>,
    /// `W`
    pub where_: Option<String>,
    /// `s`
    pub schema: Option<String>,
    /// `t`
    pub table: Option<String>,
    /// `c`
    pub column: Option<String>,
    /// `d`
    pub data_type: Option<String>,
    /// `n`
    pub constraint: Option<String>,
    /// `F`
    pub file: Option<String>,
    /// `L`
    pub line: Option<u32>,
    /// `R`
    pub routine: Option<String>,
}

impl PgError {
    /// An ERROR with `code` and `message`.
    pub fn new(code: SqlState, message: impl Into<String>) -> PgError {
        PgError(Box::new(PgErrorFields {
            severity: Severity::Error,
            code,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            internal_position: None,
            internal_query: None,
            where_: None,
            schema: None,
            table: None,
            column: None,
            data_type: None,
            constraint: None,
            file: None,
            line: None,
            routine: None,
        }))
    }

    /// A FATAL error: the session ends after it is sent.
    pub fn fatal(code: SqlState, message: impl Into<String>) -> PgError {
        PgError::new(code, message).severity(Severity::Fatal)
    }

    /// A NOTICE (code 00000).
    pub fn notice(message: impl Into<String>) -> PgError {
        PgError::new(SqlState::SUCCESSFUL_COMPLETION, message).severity(Severity::Notice)
    }

    /// Sets the severity.
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    /// Sets `D`.
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
    /// Sets `H`.
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }
    /// Sets `P`.
    pub fn position(mut self, p: u32) -> Self {
        self.position = Some(p);
        self
    }
    /// Sets `W`.
    pub fn context(mut self, w: impl Into<String>) -> Self {
        self.where_ = Some(w.into());
        self
    }

    /// A 08P01 protocol_violation.
    pub fn protocol_violation(message: impl Into<String>) -> PgError {
        PgError::new(SqlState::PROTOCOL_VIOLATION, message)
    }

    /// 57014 "canceling statement due to user request".
    pub fn query_canceled() -> PgError {
        PgError::new(
            SqlState::QUERY_CANCELED,
            "canceling statement due to user request",
        )
    }

    /// 0A000 feature_not_supported.
    pub fn not_supported(message: impl Into<String>) -> PgError {
        PgError::new(SqlState::FEATURE_NOT_SUPPORTED, message)
    }

    /// Whether the session must end after this error.
    pub fn is_fatal(&self) -> bool {
        matches!(self.severity, Severity::Fatal | Severity::Panic)
    }

    /// The wire fields, in the order PostgreSQL sends them.
    pub fn to_fields(&self) -> ErrorFields {
        let mut f = Vec::with_capacity(6);
        f.push((b'S', self.severity.as_str().to_owned()));
        f.push((b'V', self.severity.as_str().to_owned()));
        f.push((b'C', self.code.code().to_owned()));
        f.push((b'M', self.message.clone()));
        let opt = |f: &mut Vec<(u8, String)>, c: u8, v: &Option<String>| {
            if let Some(v) = v {
                f.push((c, v.clone()));
            }
        };
        opt(&mut f, b'D', &self.detail);
        opt(&mut f, b'H', &self.hint);
        if let Some(p) = self.position {
            f.push((b'P', p.to_string()));
        }
        if let Some(p) = self.internal_position {
            f.push((b'p', p.to_string()));
        }
        opt(&mut f, b'q', &self.internal_query);
        opt(&mut f, b'W', &self.where_);
        opt(&mut f, b's', &self.schema);
        opt(&mut f, b't', &self.table);
        opt(&mut f, b'c', &self.column);
        opt(&mut f, b'd', &self.data_type);
        opt(&mut f, b'n', &self.constraint);
        opt(&mut f, b'F', &self.file);
        if let Some(l) = self.line {
            f.push((b'L', l.to_string()));
        }
        opt(&mut f, b'R', &self.routine);
        ErrorFields(f)
    }

    /// The typed view of wire fields; unknown fields are ignored.
    pub fn from_fields(fields: &ErrorFields) -> PgError {
        let get = |c| fields.get(c).map(str::to_owned);
        let num = |c| fields.get(c).and_then(|v| v.parse().ok());
        let severity = fields
            .get(b'V')
            .or_else(|| fields.get(b'S'))
            .map(Severity::parse)
            .unwrap_or(Severity::Error);
        PgError(Box::new(PgErrorFields {
            severity,
            code: SqlState::from_code(fields.get(b'C').unwrap_or("XX000").to_owned()),
            message: get(b'M').unwrap_or_default(),
            detail: get(b'D'),
            hint: get(b'H'),
            position: num(b'P'),
            internal_position: num(b'p'),
            internal_query: get(b'q'),
            where_: get(b'W'),
            schema: get(b's'),
            table: get(b't'),
            column: get(b'c'),
            data_type: get(b'd'),
            constraint: get(b'n'),
            file: get(b'F'),
            line: num(b'L'),
            routine: get(b'R'),
        }))
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (SQLSTATE {})",
            self.severity.as_str(),
            self.message,
            self.code
        )
    }
}

impl std::error::Error for PgError {}

impl From<CodecError> for PgError {
    fn from(e: CodecError) -> PgError {
        match e {
            CodecError::UnsupportedProtocol { .. } => {
                PgError::fatal(SqlState::FEATURE_NOT_SUPPORTED, e.to_string())
            }
            CodecError::InvalidUtf8(_) => {
                PgError::new(SqlState::CHARACTER_NOT_IN_REPERTOIRE, e.to_string())
            }
            _ => PgError::protocol_violation(e.to_string()),
        }
    }
}

impl From<crate::sql::lexer::LexError> for PgError {
    /// 42601 with the lexer's message (PostgreSQL's wording).
    fn from(e: crate::sql::lexer::LexError) -> PgError {
        PgError::new(SqlState::SYNTAX_ERROR, e.message)
    }
}

/// Result alias used throughout the crate.
pub type PgResult<T> = Result<T, PgError>;
