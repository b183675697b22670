use std::fmt;

/// Where in an expression parsing or evaluation failed: the full text and a 0-based character offset.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpressionError {
    pub expression: String,
    pub position: usize,
    pub message: String,
}

impl fmt::Display for ExpressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in expression `{}` at position {}: {}",
            self.expression, self.position, self.message
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NtupleError {
    /// The file cannot be opened or read as ROOT.
    File {
        path: String,
        message: String,
    },
    MissingTree {
        path: String,
        tree: String,
    },
    MissingBranch {
        tree: String,
        branch: String,
        available: Vec<String>,
    },
    UnsupportedBranch {
        tree: String,
        branch: String,
        type_name: String,
    },
    Expression(ExpressionError),
    Binning(String),
}

impl NtupleError {
    /// The error code of the app's contract (preload/api.ts `ErrorCode`): unreadable files are I/O
    /// problems; a wrong tree, branch, expression or binning is a bad request the message explains.
    pub fn code(&self) -> &'static str {
        match self {
            NtupleError::File { .. } => "E_IO",
            _ => "E_BAD_REQUEST",
        }
    }
}

impl fmt::Display for NtupleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NtupleError::File { path, message } => write!(f, "cannot read ROOT file {path}: {message}"),
            NtupleError::MissingTree { path, tree } => write!(f, "{path} has no TTree named `{tree}`"),
            NtupleError::MissingBranch { tree, branch, available } => {
                write!(f, "tree `{tree}` has no branch `{branch}` (branches: {})", available.join(", "))
            }
            NtupleError::UnsupportedBranch { tree, branch, type_name } => write!(
                f,
                "branch `{branch}` of tree `{tree}` holds `{type_name}`; only flat numeric branches (one number per entry) can be read"
            ),
            NtupleError::Expression(e) => e.fmt(f),
            NtupleError::Binning(message) => write!(f, "invalid binning: {message}"),
        }
    }
}

impl std::error::Error for NtupleError {}

impl From<ExpressionError> for NtupleError {
    fn from(e: ExpressionError) -> Self {
        NtupleError::Expression(e)
    }
}

pub type Result<T> = std::result::Result<T, NtupleError>;
