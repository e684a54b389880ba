//! Throughput of `tokstat compare` over `corpora/code` against raw encoding, per tokenizer.
//!
//! `cargo bench --bench compare` prints, for each tokenizer, the time and bytes/s of
//! - `encode`: `Tokenizer::encode` (ids, tokens, offsets) of every file of `corpora/code`;
//! - `encode_ids`: `Tokenizer::encode_ids` (ids only) of the same files, the least any analysis
//!   must pay;
//! - `compare`: the full `tokstat::compare::compare_with` over the same directory (reading,
//!   encoding, decoding for the round trip, and every analysis).
//!
//! Both run on one thread (compare inside a one-thread rayon pool), so the ratio compare/encode
//! is the cost of the analysis on top of encoding, not a parallel speed-up.

mod common;

use std::sync::Arc;

use divan::counter::BytesCount;
use tokstat::tokenizer::{self, Tokenizer};

use common::{CORPUS, TOKENIZERS};

fn main() {
    divan::main();
}

fn load(name: &str) -> Arc<dyn Tokenizer> {
    tokenizer::load(name).expect("bundled tokenizer")
}

#[divan::bench(args = TOKENIZERS, sample_count = 11, sample_size = 1)]
fn encode(bencher: divan::Bencher, name: &str) {
    let tok = load(name);
    let texts = common::corpus_texts(CORPUS);
    let bytes: usize = texts.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        for t in &texts {
            divan::black_box(tok.encode(t, false).expect("encode"));
        }
    });
}

#[divan::bench(args = TOKENIZERS, sample_count = 11, sample_size = 1)]
fn encode_ids(bencher: divan::Bencher, name: &str) {
    let tok = load(name);
    let texts = common::corpus_texts(CORPUS);
    let bytes: usize = texts.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        for t in &texts {
            divan::black_box(tok.encode_ids(t, false).expect("encode"));
        }
    });
}

#[divan::bench(args = TOKENIZERS, sample_count = 11, sample_size = 1)]
fn compare(bencher: divan::Bencher, name: &str) {
    let bytes: usize = common::corpus_texts(CORPUS).iter().map(String::len).sum();
    let compare = common::one_thread_compare(CORPUS, vec![load(name)]);
    bencher
        .counter(BytesCount::new(bytes))
        .bench_local(|| divan::black_box(compare()));
}
