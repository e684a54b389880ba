//! Reading and analysing a group of inputs, tokenizer by tokenizer.
//!
//! A thread takes consecutive inputs of a batch as one group ([`process_group`]): inputs whose
//! sizes add up to at most 256 KiB (less in a small batch, so that every thread gets several
//! groups), or one larger input alone. It reads and scans the group's chunks (the text's own
//! analysis: identifiers, words, whitespace pieces), then runs each tokenizer over all of them
//! before the next tokenizer. A tokenizer's tables (vocabulary, merges, automata) so stay in
//! the processor's caches across files instead of being evicted by the other tokenizers at
//! every file: encoding `corpora/code` with the three default tokenizers file by file, each file
//! by all three in turn, takes about 1.25× as long as with one tokenizer after another
//! (`docs/compare.md`).
//!
//! Memory stays about what one chunk needs: at most 256 KiB of text (or one chunk that is
//! larger) waits for the tokenizers with its scans, and one encoding at a time is alive. The
//! counts of each input are those of reading it alone: its chunks are analysed in order, each
//! by every tokenizer, and a later chunk of an input is only read once its earlier chunks are
//! analysed, so the first error that stops an input is the one it would meet alone.

use std::sync::Arc;

use rayon::prelude::*;

use super::partial::Acc;
use super::show::ShowBlock;
use super::{CompareOptions, FileRow, FileTokens, InputFile, check_cancel, input};
use crate::analysis::identifiers::{self, IdentifierCounts, Lang};
use crate::analysis::roundtrip::{self, RoundtripCounts};
use crate::analysis::scripts::{self, ScriptCounts};
use crate::analysis::spans::{self, TokenSpans};
use crate::analysis::whitespace::{WhitespaceCounts, WsPiece, whitespace_pieces};
use crate::analysis::{text_stats_of_words, word_spans};
use crate::input::{InputSource, Skipped};
use crate::tokenizer::Tokenizer;
use crate::{Error, Result};

/// The result of one input.
pub(super) enum Outcome {
    Done {
        row: FileRow,
        lang: Option<Lang>,
        per_tok: Vec<Acc>,
        show: Vec<ShowBlock>,
    },
    Skipped(Skipped),
}

/// An input of a group: the file, its text when given in memory (then `file.source` is not
/// read), and the bytes of it the token views may show.
pub(super) struct GroupInput<'a> {
    pub file: &'a InputFile,
    pub text: Option<&'a str>,
    pub show_limit: usize,
}

/// What a group's analysis shares: the tokenizers, the options, the bytes of text that may wait
/// for the tokenizers, whether the tokenizers run in parallel (a batch of one group), and the
/// progress bar.
pub(super) struct GroupCtx<'a> {
    pub toks: &'a [Arc<dyn Tokenizer>],
    pub opts: &'a CompareOptions,
    pub group_bytes: usize,
    pub parallel_tokenizers: bool,
    pub bar: &'a indicatif::ProgressBar,
}

/// Reads and analyses a group of inputs (module docs), one outcome per input in order. Content
/// that cannot be read as text (binary, invalid UTF-8, a read error) skips a file found by
/// walking a directory and is an error for a named file or standard input.
pub(super) fn process_group(inputs: &[GroupInput<'_>], ctx: &GroupCtx<'_>) -> Vec<Result<Outcome>> {
    let mut runs: Vec<InputRun> = inputs
        .iter()
        .map(|i| InputRun::new(i.file, ctx.toks.len()))
        .collect();
    let mut pending = Pending::default();
    for (k, input) in inputs.iter().enumerate() {
        if let Err(e) = read_input(k, input, &mut runs, &mut pending, inputs, ctx) {
            runs[k].fail(e);
        }
    }
    pending.analyse(&mut runs, inputs, ctx);
    runs.into_iter()
        .zip(inputs)
        .map(|(run, input)| run.outcome(input.file, ctx.toks))
        .collect()
}

/// One input while its chunks are read and analysed.
struct InputRun {
    row: FileRow,
    per_tok: Vec<Acc>,
    show: Vec<ShowBlock>,
    /// Lines before the next chunk.
    lines_before: usize,
    /// The first error met; the input's counts are then dropped.
    error: Option<Error>,
}

impl InputRun {
    fn new(file: &InputFile, tokenizers: usize) -> Self {
        Self {
            row: FileRow {
                path: file.display.clone(),
                language: file.lang.map_or("text", Lang::name).to_string(),
                bytes: 0,
                chunks: 0,
                tokens: Vec::new(),
            },
            per_tok: vec![Acc::default(); tokenizers],
            show: Vec::new(),
            lines_before: 0,
            error: None,
        }
    }

    /// Records `e` unless an earlier error stopped the input already.
    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }

    fn outcome(self, file: &InputFile, toks: &[Arc<dyn Tokenizer>]) -> Result<Outcome> {
        if let Some(e) = self.error {
            return match Skipped::from_error(&file.display, &e) {
                Some(s) if !file.named => Ok(Outcome::Skipped(s)),
                _ => Err(e),
            };
        }
        let mut row = self.row;
        let mut show = self.show;
        if row.chunks > 1 {
            show.iter_mut().for_each(|b| b.truncated = true);
        }
        row.tokens = self
            .per_tok
            .iter()
            .zip(toks)
            .map(|(a, t)| FileTokens {
                tokenizer: t.name().to_string(),
                tokens: a.stats.tokens,
            })
            .collect();
        Ok(Outcome::Done {
            row,
            lang: file.lang,
            per_tok: self.per_tok,
            show,
        })
    }
}

/// Reads input `k` of the group chunk by chunk into `pending`, analysing what waits there when
/// a chunk would not fit, and before reading a later chunk of the same input.
fn read_input(
    k: usize,
    input: &GroupInput<'_>,
    runs: &mut [InputRun],
    pending: &mut Pending,
    inputs: &[GroupInput<'_>],
    ctx: &GroupCtx<'_>,
) -> Result<()> {
    let file = input.file;
    let reader: Box<dyn std::io::Read + Send> = match input.text {
        Some(t) => Box::new(std::io::Cursor::new(t.as_bytes().to_vec())),
        None => open_input(file)?,
    };
    let opts = ctx.opts;
    let mut chunks =
        input::ChunkReader::new(std::io::BufReader::new(reader), opts.chunk_bytes, file.lang);
    loop {
        if runs[k].row.chunks > 0 && !chunks.is_done() {
            // The input goes on: its chunks so far are analysed first (module docs).
            pending.analyse(runs, inputs, ctx);
            if runs[k].error.is_some() {
                return Ok(());
            }
        }
        let Some((offset, bytes)) = chunks
            .next_chunk()
            .map_err(|e| Error::io(&file.display, e))?
        else {
            return Ok(());
        };
        check_cancel(opts)?;
        let n = bytes.len() as u64;
        let text = decode_chunk(file, offset, bytes, opts.lossy)?;
        let run = &mut runs[k];
        let place = ChunkPlace {
            offset,
            lines_before: run.lines_before,
        };
        run.lines_before += crate::swar::count_byte(text.as_bytes(), b'\n');
        run.row.bytes += n;
        run.row.chunks += 1;
        if pending.bytes + text.len() > ctx.group_bytes {
            pending.analyse(runs, inputs, ctx);
        }
        pending.push(Chunk {
            input: k,
            place,
            bytes: n,
            show_limit: if offset == 0 { input.show_limit } else { 0 },
            text: ChunkText::new(text, file.lang),
        });
    }
}

/// One chunk of an input, read and scanned, waiting for the tokenizers.
struct Chunk {
    /// Its input's position in the group.
    input: usize,
    place: ChunkPlace,
    /// Bytes of the input it was read from.
    bytes: u64,
    /// Bytes of it the token views may show.
    show_limit: usize,
    text: ChunkText,
}

/// Where a chunk sits in its input, for round-trip positions.
struct ChunkPlace {
    offset: u64,
    lines_before: usize,
}

/// The chunks waiting for the tokenizers, and their bytes of text.
#[derive(Default)]
struct Pending {
    chunks: Vec<Chunk>,
    bytes: usize,
}

impl Pending {
    fn push(&mut self, chunk: Chunk) {
        self.bytes += chunk.text.text.len();
        self.chunks.push(chunk);
    }

    /// Runs every tokenizer over the waiting chunks, one tokenizer after another (in parallel
    /// with [`GroupCtx::parallel_tokenizers`]), and adds each chunk's counts to its input in
    /// chunk order, then tokenizer order; an error stops the input it belongs to.
    fn analyse(&mut self, runs: &mut [InputRun], inputs: &[GroupInput<'_>], ctx: &GroupCtx<'_>) {
        let chunks = std::mem::take(&mut self.chunks);
        self.bytes = 0;
        if chunks.is_empty() {
            return;
        }
        let over_chunks = |t: &Arc<dyn Tokenizer>| -> Vec<Result<(Acc, Option<ShowBlock>)>> {
            chunks
                .iter()
                .map(|c| {
                    let path = &inputs[c.input].file.display;
                    analyze_one(&c.text, t.as_ref(), path, &c.place, c.show_limit)
                })
                .collect()
        };
        let results: Vec<Vec<_>> = if ctx.parallel_tokenizers {
            ctx.toks.par_iter().map(over_chunks).collect()
        } else {
            ctx.toks.iter().map(over_chunks).collect()
        };
        let mut by_tokenizer: Vec<_> = results.into_iter().map(Vec::into_iter).collect();
        for c in &chunks {
            let run = &mut runs[c.input];
            for (k, results) in by_tokenizer.iter_mut().enumerate() {
                match results.next() {
                    Some(Ok((acc, block))) if run.error.is_none() => {
                        // An input's counts start empty: its first chunk's are taken as they
                        // are, without adding them to nothing.
                        if c.place.offset == 0 {
                            run.per_tok[k] = acc;
                        } else {
                            run.per_tok[k].add_chunk(&acc);
                        }
                        run.show.extend(block);
                    }
                    Some(Err(e)) => run.fail(e),
                    _ => {}
                }
            }
            ctx.bar.inc(c.bytes);
        }
    }
}

/// What one chunk's analysis needs of its text whatever the tokenizer, found once per chunk.
struct ChunkText {
    text: String,
    lang: Option<Lang>,
    /// Identifier spans (code only).
    idents: Vec<(usize, usize)>,
    /// UAX #29 words ([`word_spans`]).
    words: Vec<(usize, usize)>,
    /// Whitespace pieces ([`whitespace_pieces`]).
    pieces: Vec<WsPiece>,
    /// Characters (`char`s).
    chars: u64,
}

impl ChunkText {
    fn new(text: String, lang: Option<Lang>) -> Self {
        Self {
            lang,
            idents: lang
                .map(|l| identifiers::identifier_spans(&text, l))
                .unwrap_or_default(),
            words: word_spans(&text),
            pieces: whitespace_pieces(&text),
            chars: text.chars().count() as u64,
            text,
        }
    }
}

/// Analyses one chunk of the input `path` with one tokenizer.
fn analyze_one(
    chunk: &ChunkText,
    tok: &dyn Tokenizer,
    path: &str,
    place: &ChunkPlace,
    show_limit: usize,
) -> Result<(Acc, Option<ShowBlock>)> {
    let text = chunk.text.as_str();
    // The token view needs the token strings; the analyses alone do not.
    let (enc, show) = if show_limit > 0 {
        let full = tok.encode(text, false)?;
        let block =
            ShowBlock::from_encoding(path, tok.name(), text, &full, tok.unk_id(), show_limit);
        (spans::lean_encoding(text, &full, tok), Some(block))
    } else {
        (spans::encode_lean(text, tok)?, None)
    };
    // The walks read the tokens' spans, and the words their offsets: one reading of both
    // where they are the same.
    let spans = TokenSpans::new(text, enc.spans());
    let other_offsets = enc
        .own_spans
        .is_some()
        .then(|| TokenSpans::new(text, &enc.offsets));
    let offsets = other_offsets.as_ref().unwrap_or(&spans);
    let stats = text_stats_of_words(text, chunk.chars, &chunk.words, &enc, offsets, tok);
    let ws = WhitespaceCounts::of_pieces(text, &chunk.pieces, &spans);
    let lang = chunk.lang;
    let idents = match lang {
        Some(_) => IdentifierCounts::of_text(text, &chunk.idents, &spans),
        None => IdentifierCounts::default(),
    };
    let scripts = match lang {
        None => scripts::script_counts(text, spans.spans()),
        Some(_) => ScriptCounts::default(),
    };
    let mut rt = if enc.decodes_to(tok, text) {
        RoundtripCounts::exact_text()
    } else {
        roundtrip::compare_roundtrip(text, &tok.decode(&enc.ids, false)?)
    };
    if let Some(f) = rt.first_difference.as_mut() {
        f.path = path.to_string();
        f.byte_offset += place.offset as usize;
        f.line += place.lines_before;
    }
    let acc = Acc::of_chunk(stats, ws, idents, scripts, rt);
    Ok((acc, show))
}

fn open_input(file: &InputFile) -> Result<Box<dyn std::io::Read + Send>> {
    Ok(match &file.source {
        InputSource::File(p) => {
            Box::new(std::fs::File::open(p).map_err(|e| Error::io(&file.display, e))?)
        }
        InputSource::Stdin => Box::new(std::io::stdin()),
    })
}

/// Decodes one chunk (`offset` into its input) as UTF-8, or U+FFFD-replaced with `lossy`.
/// The first chunk loses a leading UTF-8 byte-order mark; one announcing UTF-16 or UTF-32 is an
/// error naming it.
fn decode_chunk(file: &InputFile, offset: u64, mut bytes: Vec<u8>, lossy: bool) -> Result<String> {
    let path = std::path::PathBuf::from(&file.display);
    if offset == 0 {
        match crate::input::byte_order_mark(&bytes) {
            Some("UTF-8") => {
                bytes.drain(..crate::input::UTF8_BOM.len());
            }
            Some(encoding) => {
                return Err(Error::ByteOrderMark {
                    path,
                    encoding,
                    advice: "tokstat reads UTF-8 text: convert the file first (e.g. `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`)",
                });
            }
            None => {}
        }
        if let Some(at) = crate::input::binary_marker(&bytes) {
            return Err(Error::BinaryInput { path, offset: at });
        }
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(e) => Err(Error::InvalidUtf8 {
            path,
            offset: offset as usize + e.utf8_error().valid_up_to(),
        }),
    }
}
