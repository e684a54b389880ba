//! Raw encode throughput of the bundled byte-level BPE tokenizers (`roberta`, `modernbert`,
//! `olmo`): HF `tokenizers`' `BPE` (the reference) against the rank-based model
//! (`tokenizer::rank_bpe`), same file, same pipeline around the model.
//!
//! `cargo bench --bench rank_bpe` prints, per tokenizer and corpus, the time and bytes/s of
//! `Tokenizer::encode` (ids, tokens, offsets; no special tokens) over every file of
//! `corpora/code` and of `corpora/multilingual`, on one thread. Both models are warm after the
//! first sample (HF's `BPE` keeps a word cache; the rank model has none). The allocator is the
//! binary's (mimalloc), since allocation is a large part of encoding.

mod common;

use std::io::Read;

use divan::counter::BytesCount;
use tokstat::tokenizer::{self, HfTokenizer, Source, Tokenizer, rank_bpe};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NAMES: &[&str] = &["roberta", "modernbert", "olmo"];

fn main() {
    divan::main();
}

fn gz(name: &str) -> &'static [u8] {
    match tokenizer::find_bundled(name).expect("bundled").source {
        Source::Embedded(gz) => gz,
        _ => panic!("{name} is not a bundled tokenizer.json"),
    }
}

fn hf(name: &str) -> Box<dyn Tokenizer> {
    Box::new(HfTokenizer::from_gzip(name, gz(name)).expect("HF loads"))
}

fn rank(name: &str) -> Box<dyn Tokenizer> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz(name))
        .read_to_string(&mut text)
        .expect("gunzip");
    Box::new(
        rank_bpe::from_json_text(name, &text)
            .expect("qualifies")
            .expect("loads"),
    )
}

fn run(bencher: divan::Bencher, tok: &dyn Tokenizer, corpus: &str) {
    let texts = common::corpus_texts(corpus);
    let bytes: usize = texts.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        for t in &texts {
            divan::black_box(tok.encode(t, false).expect("encode"));
        }
    });
}

#[divan::bench(args = NAMES, sample_count = 5, sample_size = 1)]
fn code_hf(bencher: divan::Bencher, name: &str) {
    run(bencher, hf(name).as_ref(), "corpora/code");
}

#[divan::bench(args = NAMES, sample_count = 5, sample_size = 1)]
fn code_rank(bencher: divan::Bencher, name: &str) {
    run(bencher, rank(name).as_ref(), "corpora/code");
}

#[divan::bench(args = NAMES, sample_count = 5, sample_size = 1)]
fn multilingual_hf(bencher: divan::Bencher, name: &str) {
    run(bencher, hf(name).as_ref(), "corpora/multilingual");
}

#[divan::bench(args = NAMES, sample_count = 5, sample_size = 1)]
fn multilingual_rank(bencher: divan::Bencher, name: &str) {
    run(bencher, rank(name).as_ref(), "corpora/multilingual");
}
