//! The serialised form of partial states ([`crate::compare::ComparePartial`],
//! [`crate::parity::ParityPartial`], [`crate::vocab::VocabPartial`]): a magic, a format version and a kind, then the state in
//! [postcard](https://docs.rs/postcard)'s compact binary encoding (varint integers).
//!
//! Layout: `TOKSTAT\0` (8 bytes), the format version (`u16`, little endian), the kind's length
//! (one byte) and its name (`compare`, `parity`, `vocab`), then the postcard body. Bytes with another
//! magic, version or kind, trailing bytes, or a body that does not decode are an
//! [`Error::PartialState`] naming the problem, never a panic.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// The first bytes of every serialised partial state.
pub const MAGIC: &[u8; 8] = b"TOKSTAT\0";

/// The version of the layout and of every state it carries; bumped when either changes.
pub const VERSION: u16 = 1;

/// Serialises `state` of the given kind.
pub fn encode<T: Serialize>(kind: &str, state: &T) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let name = u8::try_from(kind.len()).map_err(|_| bad("kind name too long".into()))?;
    out.push(name);
    out.extend_from_slice(kind.as_bytes());
    postcard::to_extend(state, out).map_err(|e| bad(format!("cannot encode the {kind} state: {e}")))
}

/// Reads a state of the given kind written by [`encode`].
pub fn decode<T: DeserializeOwned>(kind: &str, bytes: &[u8]) -> Result<T> {
    let body = header(kind, bytes)?;
    let (state, rest) =
        postcard::take_from_bytes(body).map_err(|e| bad(format!("corrupt {kind} state: {e}")))?;
    if !rest.is_empty() {
        return Err(bad(format!(
            "corrupt {kind} state: {} trailing bytes",
            rest.len()
        )));
    }
    Ok(state)
}

/// Checks magic, version and kind; returns the body.
fn header<'a>(kind: &str, bytes: &'a [u8]) -> Result<&'a [u8]> {
    let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        return Err(bad("not a tokstat partial state (wrong magic)".into()));
    };
    let (Some(v), Some(&n)) = (rest.get(..2), rest.get(2)) else {
        return Err(bad("truncated header".into()));
    };
    let version = u16::from_le_bytes([v[0], v[1]]);
    if version != VERSION {
        return Err(bad(format!(
            "format version {version}, this tokstat reads version {VERSION}"
        )));
    }
    let rest = &rest[3..];
    let Some(found) = rest.get(..n as usize) else {
        return Err(bad("truncated header".into()));
    };
    if found != kind.as_bytes() {
        return Err(bad(format!(
            "a `{}` state, expected `{kind}`",
            String::from_utf8_lossy(found)
        )));
    }
    Ok(&rest[n as usize..])
}

fn bad(detail: String) -> Error {
    Error::PartialState(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let v: Vec<(String, u64)> = vec![("a".into(), 1), ("b".into(), 300)];
        let bytes = encode("compare", &v).unwrap();
        assert_eq!(decode::<Vec<(String, u64)>>("compare", &bytes).unwrap(), v);
        let err = |b: &[u8], kind: &str| {
            decode::<Vec<(String, u64)>>(kind, b)
                .unwrap_err()
                .to_string()
        };
        assert!(err(b"junk", "compare").contains("wrong magic"));
        assert!(err(&bytes, "parity").contains("a `compare` state, expected `parity`"));
        let mut newer = bytes.clone();
        newer[8] = 9;
        assert!(err(&newer, "compare").contains("format version 9"));
        assert!(err(&bytes[..bytes.len() - 1], "compare").contains("corrupt compare state"));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(err(&longer, "compare").contains("1 trailing bytes"));
        assert!(err(&bytes[..10], "compare").contains("truncated header"));
    }
}
