//! What each step of `tokstat compare`'s work costs on its own, over `corpora/code`: the
//! encodes (`Tokenizer::encode` and the lean encoding the analyses read), the scans of the text
//! (identifiers, UAX #29 words, whitespace pieces) and the walks over the tokens (whitespace and
//! identifier counts, words per token, the decode check, the round trip where the decode check
//! cannot settle it).
//!
//! `cargo bench --bench stages [TOKENIZER [STEP]]` (default: roberta, every step) times each
//! step over every file of the corpus, [`ROUNDS`] times, and prints the minimum and the median.
//! The inputs of the later steps (encodings, words, pieces, identifiers) are made beforehand, so
//! each line is that step alone. Under the `tokstat` binary's allocator (mimalloc).

mod common;

use std::time::Instant;

use tokstat::analysis::identifiers::{IdentifierCounts, identifier_spans};
use tokstat::analysis::roundtrip::compare_roundtrip;
use tokstat::analysis::spans::TokenSpans;
use tokstat::analysis::text::word_token_counts;
use tokstat::analysis::whitespace::{WhitespaceCounts, whitespace_pieces};
use tokstat::analysis::{spans, word_spans};
use tokstat::tokenizer;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use common::CORPUS;

/// Timed rounds of each step.
const ROUNDS: usize = 15;

fn main() {
    let args = common::bench_args();
    let name = args.first().map_or("roberta", String::as_str);
    let only = args.get(1).map(String::as_str);
    let docs = common::corpus_docs(CORPUS);
    let tok = tokenizer::load(name).expect("bundled tokenizer");
    let tok = tok.as_ref();
    let encs: Vec<_> = docs
        .iter()
        .map(|(t, _)| spans::encode_lean(t, tok).expect("encode"))
        .collect();
    // A first decode builds what the decode check reads.
    for e in &encs {
        tok.decode(&e.ids, false).expect("decode");
    }
    let words: Vec<_> = docs.iter().map(|(t, _)| word_spans(t)).collect();
    let pieces: Vec<_> = docs.iter().map(|(t, _)| whitespace_pieces(t)).collect();
    let idents: Vec<_> = docs
        .iter()
        .map(|(t, l)| l.map(|l| identifier_spans(t, l)).unwrap_or_default())
        .collect();
    let tokens: Vec<TokenSpans> = docs
        .iter()
        .zip(&encs)
        .map(|((t, _), e)| TokenSpans::new(t, e.spans()))
        .collect();
    println!("{CORPUS}, {name}: {} files, {ROUNDS} rounds", docs.len());
    let time = |step: &str, run: &dyn Fn()| {
        if only.is_some_and(|o| o != step) {
            return;
        }
        let mut ms: Vec<f64> = (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                run();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "{step:<14} min {:7.2} ms   median {:7.2} ms",
            ms[0],
            ms[ROUNDS / 2]
        );
    };
    let each = |f: &dyn Fn(usize, &str)| {
        for (i, (t, _)) in docs.iter().enumerate() {
            f(i, t);
        }
    };
    time("encode", &|| {
        each(&|_, t| drop(std::hint::black_box(tok.encode(t, false))))
    });
    time("encode_lean", &|| {
        each(&|_, t| drop(std::hint::black_box(spans::encode_lean(t, tok))))
    });
    time("identifiers", &|| {
        for (t, lang) in &docs {
            if let Some(lang) = lang {
                std::hint::black_box(identifier_spans(t, *lang));
            }
        }
    });
    time("words", &|| {
        each(&|_, t| drop(std::hint::black_box(word_spans(t))))
    });
    time("ws_pieces", &|| {
        each(&|_, t| drop(std::hint::black_box(whitespace_pieces(t))))
    });
    time("token_spans", &|| {
        each(&|i, t| drop(std::hint::black_box(TokenSpans::new(t, encs[i].spans()))))
    });
    time("ws_counts", &|| {
        each(&|i, t| {
            std::hint::black_box(WhitespaceCounts::of_pieces(t, &pieces[i], &tokens[i]));
        })
    });
    time("ident_counts", &|| {
        each(&|i, t| {
            std::hint::black_box(IdentifierCounts::of_text(t, &idents[i], &tokens[i]));
        })
    });
    time("word_tokens", &|| {
        each(&|i, t| {
            // The words read the offsets: the spans' reading where they are the same.
            let own;
            let offsets = if encs[i].own_spans.is_none() {
                &tokens[i]
            } else {
                own = TokenSpans::new(t, &encs[i].offsets);
                &own
            };
            std::hint::black_box(word_token_counts(&words[i], offsets));
        })
    });
    time("decode_check", &|| {
        each(&|i, t| {
            std::hint::black_box(encs[i].decodes_to(tok, t));
        })
    });
    time("round_trip", &|| {
        each(&|i, t| {
            if !encs[i].decodes_to(tok, t) {
                let decoded = tok.decode(&encs[i].ids, false).expect("decode");
                std::hint::black_box(compare_roundtrip(t, &decoded));
            }
        })
    });
}
