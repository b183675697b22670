//! Errors with a stable code and, for workspace problems, the JSON path of the offending value.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    JsonSyntax,
    Schema,
    Workspace,
    Empty,
    Engine,
    BadRequest,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::JsonSyntax => "E_JSON_SYNTAX",
            ErrorCode::Schema => "E_SCHEMA",
            ErrorCode::Workspace => "E_WORKSPACE",
            ErrorCode::Empty => "E_EMPTY",
            ErrorCode::Engine => "E_ENGINE",
            ErrorCode::BadRequest => "E_BAD_REQUEST",
            ErrorCode::Internal => "E_INTERNAL",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EngineError {
    pub code: ErrorCode,
    pub message: String,
    /// JSON path such as `channels[0].samples[1].data[3]`.
    pub path: Option<String>,
    /// 1-based line and column (JSON syntax errors only).
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl EngineError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        EngineError {
            code,
            message: message.into(),
            path: None,
            line: None,
            column: None,
        }
    }

    pub fn at(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError {
            code,
            message: message.into(),
            path: Some(path.into()),
            line: None,
            column: None,
        }
    }

    pub fn schema(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::at(ErrorCode::Schema, path, message)
    }

    pub fn workspace(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::at(ErrorCode::Workspace, path, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(path) = &self.path {
            write!(f, " (at {path})")?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

pub type Result<T> = std::result::Result<T, EngineError>;
