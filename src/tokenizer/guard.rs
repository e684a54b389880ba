//! The boundary around calls into the `tokenizers` library. A panic inside it — a bug or an
//! unchecked limit of that library or of the engines it uses, such as Oniguruma giving up on a
//! user's regular expression with "retry-limit-in-match over" — becomes an [`Error::Tokenizer`]
//! naming the tokenizer, so that one hostile `tokenizer.json` or input text gives a clear error
//! and a non-zero exit instead of ending the process (or the Python interpreter's call) with a
//! panic.
//!
//! Binaries call [`quiet_guarded_panics`] once so that a panic caught here is reported only as
//! the error; every other panic (a bug in tokstat) still prints as usual.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

use crate::{Error, Result};

thread_local! {
    /// Whether this thread is inside [`guarded`].
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, a call into the `tokenizers` library for tokenizer `name`, turning a panic inside
/// it into an [`Error::Tokenizer`] that quotes the panic's message.
///
/// After such a panic the tokenizer may hold poisoned caches; later calls either work or fail
/// the same way, through this boundary again.
pub(crate) fn guarded<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    caught(f).unwrap_or_else(|panic| {
        Err(Error::Tokenizer {
            name: name.to_string(),
            message: format!(
                "the tokenizers library failed on this input ({panic}); check the tokenizer \
                 file's regular expressions and settings"
            ),
        })
    })
}

/// Runs `f`, a call into the `tokenizers` library, returning the message of a panic inside it
/// as the error (silently, under [`quiet_guarded_panics`]).
pub(crate) fn caught<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let outer = GUARDED.replace(true);
    let out = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.set(outer);
    out.map_err(|payload| panic_message(payload.as_ref()))
}

/// The text of a panic payload (`panic!` with a message gives a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Installs a panic hook that stays silent for panics that [`guarded`] turns into errors and
/// hands every other panic to the hook installed before. For binaries: call once at start-up.
pub fn quiet_guarded_panics() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !GUARDED.get() {
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_naming_the_tokenizer() {
        let e = guarded::<()>("t", || panic!("retry-limit-in-match over")).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("tokenizer `t`:"), "{text}");
        assert!(text.contains("retry-limit-in-match over"), "{text}");
        assert!(!GUARDED.get(), "the flag is reset after a panic");
    }

    #[test]
    fn results_and_errors_pass_through() {
        assert_eq!(guarded("t", || Ok(3)).unwrap(), 3);
        let e = guarded::<()>("t", || Err(Error::Interrupted)).unwrap_err();
        assert!(matches!(e, Error::Interrupted));
        assert!(!GUARDED.get());
    }
}
