//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the `tokstat` library.
///
/// Every variant names the file, tokenizer or setting involved, so that a message printed at the
/// command line tells the user what to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tokenizer name that is neither bundled, nor a path to a `tokenizer.json`, nor a
    /// Hugging Face repository the cache or the Hub has.
    #[error("unknown tokenizer `{name}`{suggestion}{detail}; known names: {known}")]
    UnknownTokenizer {
        /// The name as given.
        name: String,
        /// `" (did you mean `x`?)"` or empty.
        suggestion: String,
        /// `": <why the Hub lookup failed>"` or empty.
        detail: String,
        /// Comma-separated canonical names and aliases.
        known: String,
    },
    /// A file could not be read or written.
    ///
    /// The I/O error is part of the message (and not also a `source()`, so that error chains
    /// printed with `{:#}` do not repeat it).
    #[error("{}: {error}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// A `tokenizer.json` that does not parse or load.
    #[error("{}: not a valid tokenizer.json: {message}", path.display())]
    InvalidTokenizerFile {
        /// The file involved.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// Input text that is not valid UTF-8.
    #[error(
        "{}: invalid UTF-8 at byte offset {offset} (`compare` and `encode` take --lossy to replace invalid bytes with U+FFFD; convert the file to UTF-8 for the other commands)",
        path.display()
    )]
    InvalidUtf8 {
        /// The file involved (`-` for standard input).
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// A file that starts with a byte-order mark where none is allowed (JSON), or one that
    /// announces an encoding other than UTF-8 (UTF-16, UTF-32).
    #[error("{}: starts with a {encoding} byte-order mark; {advice}", path.display())]
    ByteOrderMark {
        /// The file involved.
        path: PathBuf,
        /// The encoding the mark announces (`UTF-8`, `UTF-16LE`, …).
        encoding: &'static str,
        /// What to do about it.
        advice: &'static str,
    },
    /// Input that looks like a binary file.
    #[error("{}: binary file (NUL byte at offset {offset}); tokstat reads text", path.display())]
    BinaryInput {
        /// The file involved.
        path: PathBuf,
        /// Byte offset of the first NUL byte.
        offset: usize,
    },
    /// A file found by walking a directory that would be skipped, under `--strict`.
    #[error("{path}: {detail} (--strict stops at the first file it cannot read as text)")]
    SkippedInput {
        /// The file, as found below the path the user gave.
        path: String,
        /// Why it cannot be read.
        detail: String,
    },
    /// The run was interrupted (Ctrl-C) before it finished; nothing was written.
    #[error("interrupted; no output written")]
    Interrupted,
    /// A tokenizer failed while encoding or decoding.
    #[error("tokenizer `{name}`: {message}")]
    Tokenizer {
        /// Canonical tokenizer name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// A model configuration file that is missing fields or has unusable values.
    #[error("{}: {message}", path.display())]
    Config {
        /// The file (or preset name) involved.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A data file with a malformed record.
    #[error("{}:{line}: {message}", path.display())]
    Data {
        /// The file involved.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the record.
        message: String,
    },
    /// An argument or combination of arguments that cannot be honoured.
    #[error("{0}")]
    InvalidArgument(String),
    /// Model construction, training or checkpoint I/O failed.
    #[error("model: {0}")]
    Model(String),
    /// A file of a Hugging Face Hub repository could not be had from the cache or the Hub.
    #[error(transparent)]
    Hub(#[from] crate::tokenizer::hub::HubError),
    /// Serialised partial state (see [`crate::wire`]) that cannot be read, or two states that
    /// cannot be merged.
    #[error("partial state: {0}")]
    PartialState(String),
    /// Serialising a report failed.
    #[error("cannot serialise report: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }
}
