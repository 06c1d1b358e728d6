//! GlueSQL errors as PostgreSQL errors: GlueSQL's message, the nearest SQLSTATE.

use gluesql::core::error::{
    AlterError, Error, EvaluateError as Eval, ExecuteError, FetchError, InsertError, ValueError,
};
use pgwire::{PgError, SqlState};

/// The PostgreSQL error for a GlueSQL error.
pub(super) fn to_pg(e: Error) -> PgError {
    let code = match &e {
        Error::Parser(_) => SqlState::SYNTAX_ERROR,
        Error::Translate(_) => SqlState::FEATURE_NOT_SUPPORTED,
        Error::StorageMsg(m) if m.contains("not supported") => SqlState::FEATURE_NOT_SUPPORTED,
        Error::Fetch(FetchError::TableNotFound(_))
        | Error::Insert(InsertError::TableNotFound(_))
        | Error::Execute(ExecuteError::TableNotFound(_)) => SqlState::UNDEFINED_TABLE,
        Error::Alter(a) => match **a {
            AlterError::TableNotFound(_) => SqlState::UNDEFINED_TABLE,
            AlterError::TableAlreadyExists(_) => SqlState::DUPLICATE_TABLE,
            _ => SqlState::SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION,
        },
        Error::Evaluate(Eval::IdentifierNotFound(_) | Eval::CompoundIdentifierNotFound { .. })
        | Error::Insert(InsertError::WrongColumnName(_)) => SqlState::UNDEFINED_COLUMN,
        Error::Evaluate(Eval::DivisorShouldNotBeZero) => SqlState::DIVISION_BY_ZERO,
        Error::Evaluate(Eval::TextParseFailed { .. } | Eval::NumberParseFailed { .. }) => {
            SqlState::INVALID_TEXT_REPRESENTATION
        }
        Error::Evaluate(Eval::UnsupportedFunction(_)) => SqlState::UNDEFINED_FUNCTION,
        Error::Value(v) => match **v {
            ValueError::NullValueOnNotNullField => SqlState::NOT_NULL_VIOLATION,
            ValueError::IncompatibleDataType { .. } => SqlState::DATATYPE_MISMATCH,
            ValueError::DivisorShouldNotBeZero => SqlState::DIVISION_BY_ZERO,
            _ => SqlState::DATA_EXCEPTION,
        },
        Error::Validate(_) => SqlState::UNIQUE_VIOLATION,
        Error::Evaluate(_) | Error::Key(_) | Error::StringExt(_) => SqlState::DATA_EXCEPTION,
        Error::Interval(_) => SqlState::INVALID_DATETIME_FORMAT,
        Error::Insert(_) | Error::Query(_) | Error::Planner(_) | Error::Update(_) => {
            SqlState::SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION
        }
        _ => SqlState::INTERNAL_ERROR,
    };
    PgError::new(code, e.to_string())
}
