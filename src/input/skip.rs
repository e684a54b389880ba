//! Files left out of a run, why, and a bounded log of them.
//!
//! A file found by walking a directory that cannot be read as text is skipped and the run goes
//! on; `--strict` turns the first skip into an error instead. [`SkipLog`] keeps exact counts per
//! [`SkipReason`] but lists at most [`MAX_SKIPPED_LISTED`] files, so a tree with millions of
//! binary files does not grow the report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Skipped files listed by name in a report; the counts per reason stay exact beyond this.
pub const MAX_SKIPPED_LISTED: usize = 1000;

/// Why a file was left out. Serialised as the snake_case code (`invalid_utf8`, …), which is part
/// of the JSON contract.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A NUL byte among the first [`super::BINARY_SNIFF_BYTES`] bytes.
    Binary,
    /// Bytes that are not UTF-8 (and `--lossy` was not given).
    InvalidUtf8,
    /// The file or directory could not be read (permissions, vanished, I/O error).
    Unreadable,
    /// Not a regular file: a symbolic link to a directory, a socket, a FIFO, a device.
    NotRegularFile,
}

impl SkipReason {
    /// The stable code used in JSON (`binary`, `invalid_utf8`, `unreadable`, `not_regular_file`).
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::InvalidUtf8 => "invalid_utf8",
            SkipReason::Unreadable => "unreadable",
            SkipReason::NotRegularFile => "not_regular_file",
        }
    }

    /// Words for the one-line summary (`invalid UTF-8`).
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::InvalidUtf8 => "invalid UTF-8",
            SkipReason::Unreadable => "unreadable",
            SkipReason::NotRegularFile => "not a regular file",
        }
    }
}

/// One file left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Skipped {
    /// The path, as found below the path the user gave.
    pub path: String,
    /// Why, as a stable code.
    pub reason: SkipReason,
    /// The details in words (`invalid UTF-8 at byte offset 20311`).
    pub detail: String,
}

impl Skipped {
    /// The skip matching a reading error, or `None` for errors that are not about one input
    /// file's content or readability (those stop the run).
    pub fn from_error(path: &str, e: &Error) -> Option<Skipped> {
        let (reason, detail) = match e {
            Error::BinaryInput { offset, .. } => (
                SkipReason::Binary,
                format!("binary file (NUL byte at offset {offset})"),
            ),
            Error::InvalidUtf8 { offset, .. } => (
                SkipReason::InvalidUtf8,
                format!("invalid UTF-8 at byte offset {offset}"),
            ),
            Error::ByteOrderMark { encoding, .. } => (
                SkipReason::InvalidUtf8,
                format!("{encoding} text (byte-order mark), not UTF-8"),
            ),
            Error::Io { error, .. } => (SkipReason::Unreadable, error.to_string()),
            _ => return None,
        };
        Some(Skipped {
            path: path.to_string(),
            reason,
            detail,
        })
    }
}

/// Skipped files: exact counts per reason, the first [`MAX_SKIPPED_LISTED`] listed in walk order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkipLog {
    listed: Vec<Skipped>,
    counts: BTreeMap<SkipReason, u64>,
}

impl SkipLog {
    /// Records one skipped file.
    pub fn push(&mut self, s: Skipped) {
        *self.counts.entry(s.reason).or_default() += 1;
        if self.listed.len() < MAX_SKIPPED_LISTED {
            self.listed.push(s);
        }
    }

    /// The listed files, in the order they were found.
    pub fn listed(&self) -> &[Skipped] {
        &self.listed
    }

    /// Skipped files per reason.
    pub fn counts(&self) -> &BTreeMap<SkipReason, u64> {
        &self.counts
    }

    /// All skipped files, listed or not.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// `skipped 3 files: 2 invalid UTF-8, 1 binary`, most frequent reason first; `None` when
    /// nothing was skipped.
    pub fn summary(&self) -> Option<String> {
        summary_line(&self.counts)
    }
}

/// The one-line summary of skip counts (see [`SkipLog::summary`]).
pub fn summary_line(counts: &BTreeMap<SkipReason, u64>) -> Option<String> {
    let total: u64 = counts.values().sum();
    if total == 0 {
        return None;
    }
    let mut by: Vec<(SkipReason, u64)> = counts.iter().map(|(r, n)| (*r, *n)).collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let parts: Vec<String> = by
        .iter()
        .map(|(r, n)| format!("{n} {}", r.label()))
        .collect();
    let files = if total == 1 { "file" } else { "files" };
    Some(format!("skipped {total} {files}: {}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(reason: SkipReason) -> Skipped {
        Skipped {
            path: "p".into(),
            reason,
            detail: String::new(),
        }
    }

    #[test]
    fn summary_orders_by_count() {
        let mut log = SkipLog::default();
        assert_eq!(log.summary(), None);
        log.push(skip(SkipReason::Binary));
        assert_eq!(log.summary().unwrap(), "skipped 1 file: 1 binary");
        log.push(skip(SkipReason::InvalidUtf8));
        log.push(skip(SkipReason::InvalidUtf8));
        assert_eq!(
            log.summary().unwrap(),
            "skipped 3 files: 2 invalid UTF-8, 1 binary"
        );
    }

    #[test]
    fn listing_is_capped_counts_are_not() {
        let mut log = SkipLog::default();
        for _ in 0..MAX_SKIPPED_LISTED + 5 {
            log.push(skip(SkipReason::Binary));
        }
        assert_eq!(log.listed().len(), MAX_SKIPPED_LISTED);
        assert_eq!(log.total(), (MAX_SKIPPED_LISTED + 5) as u64);
    }

    #[test]
    fn errors_map_to_reasons() {
        let e = Error::InvalidUtf8 {
            path: "a".into(),
            offset: 7,
        };
        let s = Skipped::from_error("a", &e).unwrap();
        assert_eq!(s.reason, SkipReason::InvalidUtf8);
        assert_eq!(s.detail, "invalid UTF-8 at byte offset 7");
        assert!(Skipped::from_error("a", &Error::InvalidArgument("x".into())).is_none());
    }
}
