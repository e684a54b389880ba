//! SentencePiece `.model` files (`tokenizer.model`, `spiece.model`), read directly.
//!
//! A `.model` file is a protobuf `ModelProto`. The few fields tokstat needs are read by a
//! minimal protobuf reader below: the pieces (string, score, type), `trainer_spec.model_type`
//! (unigram or BPE), `byte_fallback`, `unk_id`, `treat_whitespace_as_suffix`, and the
//! normalizer spec (`precompiled_charsmap`, `add_dummy_prefix`, `remove_extra_whitespaces`,
//! `escape_whitespaces`). [`to_tokenizer_json`] turns them into the equivalent `tokenizer.json`,
//! which loads like any other:
//!
//! - normalizer: the precompiled charsmap; with `remove_extra_whitespaces`, leading spaces
//!   removed and runs of spaces collapsed to one; with `add_dummy_prefix`, `▁` prepended to a
//!   non-empty text; with `escape_whitespaces`, spaces become `▁`; with
//!   `remove_extra_whitespaces`, trailing `▁` removed. This is what SentencePiece's normalizer
//!   does, in the same order;
//! - no pre-tokenizer: SentencePiece encodes the whole normalized text as one sequence;
//! - model: `Unigram` with the pieces and scores (Viterbi, unknown score = lowest score − 10,
//!   consecutive unknowns fused), or `BPE` with the merges SentencePiece's scores imply (every
//!   split of a piece into two pieces, the higher the piece's score the earlier);
//!   `byte_fallback` maps characters outside the vocabulary to their `<0xNN>` byte pieces;
//! - control pieces (`<s>`, `</s>`, …) and the unknown piece are special added tokens;
//! - decoder: `▁` back to spaces, byte pieces to bytes, the dummy prefix removed.
//!
//! SentencePiece's `encode` adds no `<s>`/`</s>`, so there is no post-processor.

use serde_json::{Value, json};

use crate::{Error, Result};

/// The type of a piece (`ModelProto.SentencePiece.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceType {
    /// A regular piece.
    Normal,
    /// The unknown piece.
    Unknown,
    /// A control symbol (`<s>`, `</s>`): never produced from text.
    Control,
    /// A user-defined symbol: always one piece.
    UserDefined,
    /// A piece kept but not used.
    Unused,
    /// A byte piece `<0xNN>` for byte fallback.
    Byte,
}

/// One piece of the vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    /// The piece as the vocabulary spells it (`▁the`).
    pub piece: String,
    /// Its score (log probability for unigram; for BPE, higher merges first).
    pub score: f32,
    /// Its type.
    pub kind: PieceType,
}

/// The algorithm of a model (`TrainerSpec.model_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelType {
    /// Unigram language model.
    Unigram,
    /// Byte-pair encoding.
    Bpe,
    /// Whitespace-delimited words (not supported).
    Word,
    /// Characters (not supported).
    Char,
}

/// The parts of a `ModelProto` that tokenization needs.
#[derive(Debug, Clone)]
pub struct SentencePieceModel {
    /// The vocabulary, by id.
    pub pieces: Vec<Piece>,
    /// Unigram or BPE.
    pub model_type: ModelType,
    /// Characters outside the vocabulary become byte pieces.
    pub byte_fallback: bool,
    /// Id of the unknown piece.
    pub unk_id: u32,
    /// Whether `▁` ends words instead of starting them (not supported).
    pub treat_whitespace_as_suffix: bool,
    /// The normalization rule name (`nmt_nfkc`, `identity`, …).
    pub normalizer_name: String,
    /// The compiled normalization rules (empty: none).
    pub precompiled_charsmap: Vec<u8>,
    /// `▁` is prepended to the text.
    pub add_dummy_prefix: bool,
    /// Leading, trailing and repeated spaces are removed.
    pub remove_extra_whitespaces: bool,
    /// Spaces become `▁`.
    pub escape_whitespaces: bool,
}

/// A protobuf field: its number and value.
enum Field<'a> {
    Varint(u64),
    Fixed32(u32),
    Fixed64,
    Bytes(&'a [u8]),
}

/// Iterates over the fields of one protobuf message.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn varint(&mut self) -> std::result::Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or("truncated varint at the end of the data")?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("varint longer than 10 bytes at byte {}", self.pos))
    }

    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                format!(
                    "a field of {n} bytes runs past the end at byte {}",
                    self.pos
                )
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn next_field(&mut self) -> Option<std::result::Result<(u64, Field<'a>), String>> {
        (self.pos < self.buf.len()).then(|| self.field())
    }

    fn field(&mut self) -> std::result::Result<(u64, Field<'a>), String> {
        let key = self.varint()?;
        let (number, wire) = (key >> 3, key & 7);
        let field = match wire {
            0 => Field::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Field::Fixed64
            }
            2 => {
                let n = usize::try_from(self.varint()?).map_err(|_| "length overflows")?;
                Field::Bytes(self.take(n)?)
            }
            5 => {
                let b = self.take(4)?;
                Field::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            w => return Err(format!("unsupported wire type {w} (field {number})")),
        };
        Ok((number, field))
    }
}

fn string(b: &[u8], what: &str) -> std::result::Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
}

impl SentencePieceModel {
    /// Reads a serialized `ModelProto`.
    pub fn parse(bytes: &[u8]) -> std::result::Result<Self, String> {
        let mut m = SentencePieceModel {
            pieces: Vec::new(),
            model_type: ModelType::Unigram,
            byte_fallback: false,
            unk_id: 0,
            treat_whitespace_as_suffix: false,
            normalizer_name: String::new(),
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            escape_whitespaces: true,
        };
        let mut r = Reader::new(bytes);
        while let Some(f) = r.next_field() {
            match f? {
                (1, Field::Bytes(b)) => m.pieces.push(parse_piece(b)?),
                (2, Field::Bytes(b)) => m.parse_trainer_spec(b)?,
                (3, Field::Bytes(b)) => m.parse_normalizer_spec(b)?,
                (1..=3, _) => return Err("a ModelProto field of the wrong type".into()),
                _ => {}
            }
        }
        if m.pieces.is_empty() {
            return Err("no pieces (not a SentencePiece model?)".into());
        }
        Ok(m)
    }

    fn parse_trainer_spec(&mut self, b: &[u8]) -> std::result::Result<(), String> {
        let mut r = Reader::new(b);
        while let Some(f) = r.next_field() {
            match f? {
                (3, Field::Varint(v)) => {
                    self.model_type = match v {
                        1 => ModelType::Unigram,
                        2 => ModelType::Bpe,
                        3 => ModelType::Word,
                        4 => ModelType::Char,
                        v => return Err(format!("unknown model_type {v}")),
                    }
                }
                (24, Field::Varint(v)) => self.treat_whitespace_as_suffix = v != 0,
                (35, Field::Varint(v)) => self.byte_fallback = v != 0,
                (40, Field::Varint(v)) => {
                    self.unk_id = u32::try_from(v as i64).map_err(|_| format!("unk_id {v}"))?
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn parse_normalizer_spec(&mut self, b: &[u8]) -> std::result::Result<(), String> {
        let mut r = Reader::new(b);
        while let Some(f) = r.next_field() {
            match f? {
                (1, Field::Bytes(b)) => self.normalizer_name = string(b, "normalizer name")?,
                (2, Field::Bytes(b)) => self.precompiled_charsmap = b.to_vec(),
                (3, Field::Varint(v)) => self.add_dummy_prefix = v != 0,
                (4, Field::Varint(v)) => self.remove_extra_whitespaces = v != 0,
                (5, Field::Varint(v)) => self.escape_whitespaces = v != 0,
                _ => {}
            }
        }
        Ok(())
    }
}

fn parse_piece(b: &[u8]) -> std::result::Result<Piece, String> {
    let mut p = Piece {
        piece: String::new(),
        score: 0.0,
        kind: PieceType::Normal,
    };
    let mut r = Reader::new(b);
    while let Some(f) = r.next_field() {
        match f? {
            (1, Field::Bytes(b)) => p.piece = string(b, "a piece")?,
            (2, Field::Fixed32(v)) => p.score = f32::from_bits(v),
            (3, Field::Varint(v)) => {
                p.kind = match v {
                    1 => PieceType::Normal,
                    2 => PieceType::Unknown,
                    3 => PieceType::Control,
                    4 => PieceType::UserDefined,
                    5 => PieceType::Unused,
                    6 => PieceType::Byte,
                    v => return Err(format!("piece `{}` has unknown type {v}", p.piece)),
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

/// Whether `bytes` look like a SentencePiece model rather than a `tokenizer.json`: a protobuf
/// whose first field is a piece (field 1, length-delimited).
pub fn looks_like_model(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x0a)
}

/// Converts a SentencePiece `.model` to the equivalent `tokenizer.json` (see the module docs).
/// `name` names the file in errors.
pub fn to_tokenizer_json(name: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    let invalid = |message: String| Error::InvalidTokenizerFile {
        path: name.into(),
        message: format!("not a valid SentencePiece model: {message}"),
    };
    let m = SentencePieceModel::parse(bytes).map_err(invalid)?;
    if m.treat_whitespace_as_suffix {
        return Err(invalid(
            "treat_whitespace_as_suffix is not supported (only `▁` at word starts)".into(),
        ));
    }
    if !matches!(m.model_type, ModelType::Unigram | ModelType::Bpe) {
        return Err(invalid(format!(
            "model type {:?} is not supported (only unigram and BPE)",
            m.model_type
        )));
    }
    let model = model_json(&m).map_err(invalid)?;
    let tokenizer = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens_json(&m.pieces),
        "normalizer": {"type": "Sequence", "normalizers": normalizers_json(&m)},
        "pre_tokenizer": null,
        "post_processor": null,
        "decoder": {"type": "Sequence", "decoders": decoders_json(&m)},
        "model": model,
    });
    Ok(serde_json::to_vec(&tokenizer)?)
}

/// The `model` of the `tokenizer.json`: a Unigram or BPE model over the same pieces.
fn model_json(m: &SentencePieceModel) -> std::result::Result<Value, String> {
    let unk = m
        .pieces
        .get(m.unk_id as usize)
        .ok_or_else(|| format!("unk_id {} is not a piece", m.unk_id))?;
    Ok(match m.model_type {
        ModelType::Unigram => json!({
            "type": "Unigram",
            "unk_id": m.unk_id,
            "vocab": m.pieces.iter().map(|p| json!([p.piece, p.score])).collect::<Vec<_>>(),
            "byte_fallback": m.byte_fallback,
        }),
        _ => json!({
            "type": "BPE",
            "dropout": null,
            "unk_token": unk.piece,
            "continuing_subword_prefix": null,
            "end_of_word_suffix": null,
            "fuse_unk": true,
            "byte_fallback": m.byte_fallback,
            "ignore_merges": false,
            "vocab": m.pieces.iter().enumerate()
                .map(|(i, p)| (p.piece.clone(), json!(i)))
                .collect::<serde_json::Map<_, _>>(),
            "merges": bpe_merges(&m.pieces),
        }),
    })
}

/// Control and unknown pieces, as special added tokens.
fn added_tokens_json(pieces: &[Piece]) -> Vec<Value> {
    pieces
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.kind, PieceType::Control | PieceType::Unknown))
        .map(|(id, p)| {
            json!({
                "id": id, "content": p.piece, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true,
            })
        })
        .collect()
}

/// The normalizers, in SentencePiece's order: leading spaces dropped and runs collapsed while
/// normalizing, the dummy prefix (`▁`, or a space when spaces are not escaped) added to a
/// non-empty text, spaces escaped, then trailing space symbols dropped (literal `▁` included).
fn normalizers_json(m: &SentencePieceModel) -> Vec<Value> {
    let mut normalizers = Vec::new();
    if !m.precompiled_charsmap.is_empty() {
        normalizers.push(json!({
            "type": "Precompiled",
            "precompiled_charsmap": base64(&m.precompiled_charsmap),
        }));
    }
    let space = if m.escape_whitespaces { "▁" } else { " " };
    if m.remove_extra_whitespaces {
        normalizers.push(json!({"type": "Replace", "pattern": {"Regex": "\\A +"}, "content": ""}));
        normalizers.push(json!({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}));
    }
    if m.add_dummy_prefix {
        normalizers.push(json!({"type": "Prepend", "prepend": space}));
    }
    if m.escape_whitespaces {
        normalizers.push(json!({"type": "Replace", "pattern": {"String": " "}, "content": "▁"}));
    }
    if m.remove_extra_whitespaces {
        let trailing = format!("{space}+\\z");
        normalizers.push(json!({"type": "Replace", "pattern": {"Regex": trailing}, "content": ""}));
    }
    normalizers
}

/// The decoders: `▁` back to a space, byte pieces to bytes, and the dummy prefix's space
/// stripped.
fn decoders_json(m: &SentencePieceModel) -> Vec<Value> {
    let mut decoders = vec![
        json!({"type": "Replace", "pattern": {"String": "▁"}, "content": " "}),
        json!({"type": "ByteFallback"}),
        json!({"type": "Fuse"}),
    ];
    if m.add_dummy_prefix {
        decoders.push(json!({"type": "Strip", "content": " ", "start": 1, "stop": 0}));
    }
    decoders
}

/// The merges SentencePiece's BPE applies, in HF order: for every normal or user-defined piece
/// (by descending score, then id), each split into two pieces of the vocabulary (by the ids of
/// the left, then the right part).
fn bpe_merges(pieces: &[Piece]) -> Vec<Value> {
    use std::collections::HashMap;
    let mergeable = |p: &Piece| matches!(p.kind, PieceType::Normal | PieceType::UserDefined);
    let ids: HashMap<&str, usize> = pieces
        .iter()
        .enumerate()
        .filter(|(_, p)| mergeable(p))
        .map(|(i, p)| (p.piece.as_str(), i))
        .collect();
    let mut order: Vec<usize> = (0..pieces.len())
        .filter(|&i| mergeable(&pieces[i]))
        .collect();
    order.sort_by(|&a, &b| pieces[b].score.total_cmp(&pieces[a].score).then(a.cmp(&b)));
    let mut merges = Vec::new();
    for i in order {
        let s = pieces[i].piece.as_str();
        let mut local: Vec<(usize, usize, &str, &str)> = s
            .char_indices()
            .skip(1)
            .filter_map(|(at, _)| {
                let (l, r) = s.split_at(at);
                Some((*ids.get(l)?, *ids.get(r)?, l, r))
            })
            .collect();
        local.sort();
        merges.extend(local.into_iter().map(|(_, _, l, r)| json!([l, r])));
    }
    merges
}

/// Standard base64 with padding (the encoding of `precompiled_charsmap` in `tokenizer.json`).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn reads_a_hand_made_model() {
        // pieces: <unk> (type 2), ▁a (score -1), b (-2); trainer_spec: model_type 2 (BPE).
        let piece = |s: &str, score: f32, kind: u8| {
            let mut p = vec![0x0a, s.len() as u8];
            p.extend_from_slice(s.as_bytes());
            p.push(0x15);
            p.extend_from_slice(&score.to_le_bytes());
            p.extend_from_slice(&[0x18, kind]);
            let mut f = vec![0x0a, p.len() as u8];
            f.extend(p);
            f
        };
        let mut bytes = piece("<unk>", 0.0, 2);
        bytes.extend(piece("▁a", -1.0, 1));
        bytes.extend(piece("b", -2.0, 1));
        bytes.extend([0x12, 0x02, 0x18, 0x02]);
        assert!(looks_like_model(&bytes));
        let m = SentencePieceModel::parse(&bytes).unwrap();
        assert_eq!(m.model_type, ModelType::Bpe);
        assert_eq!(m.pieces.len(), 3);
        assert_eq!(m.pieces[1].piece, "▁a");
        assert_eq!(m.pieces[2].score, -2.0);
        assert_eq!(m.pieces[0].kind, PieceType::Unknown);
        assert!(m.add_dummy_prefix && m.remove_extra_whitespaces);
        assert!(SentencePieceModel::parse(&bytes[..bytes.len() - 1]).is_err());
    }
}
