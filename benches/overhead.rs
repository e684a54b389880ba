//! What `tokstat compare`'s analysis costs on top of encoding, as one ratio per tokenizer
//! measured in one run.
//!
//! `cargo bench --bench overhead` alternates, for each tokenizer, two timed runs over
//! `corpora/code`, [`ROUNDS`] times:
//! - `encode`: `Tokenizer::encode` (ids, tokens, offsets) of every file, read beforehand;
//! - `compare`: the full `tokstat::compare::compare_with` over the same directory (walking,
//!   reading, encoding, decoding for the round trip, and every analysis), in a one-thread pool.
//!
//! It prints the minimum and the median of each and the ratio compare ÷ encode of both. The
//! runs alternate so that a slow spell of a shared machine falls on both sides; the minimum is
//! the least disturbed run of each, the usual estimator of a cost on a noisy machine (the
//! medians are there to show the spread). `cargo bench --bench compare` gives the same three
//! timings, each benchmarked on its own, with throughput.
//!
//! Both run under the `tokstat` binary's allocator (mimalloc), as the command runs them.
//!
//! A comma-separated list of names is measured as one run over all of them, as `compare -t`
//! takes them: `encode` then encodes every file with each, and `compare` shares the text's own
//! analysis (its words, whitespace pieces and identifiers) between them. The default list ends
//! with the default trio, `compare`'s tokenizers when none are named.
//!
//! Arguments: tokenizer names or comma-separated lists (default: `common::TOKENIZERS`, then the
//! default trio); `TOKSTAT_BENCH_ROUNDS` sets the number of rounds.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokstat::tokenizer::{self, Tokenizer};

/// The allocator of the `tokstat` binary, so both sides are timed as the command runs them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use common::CORPUS;

/// Rounds per tokenizer unless `TOKSTAT_BENCH_ROUNDS` says otherwise.
const ROUNDS: usize = 15;

fn main() {
    let mut names = common::bench_args();
    if names.is_empty() {
        // Each tokenizer alone, then the default trio measured as one run.
        names = common::TOKENIZERS.iter().map(|t| t.to_string()).collect();
        names.push(tokstat::tokenizer::DEFAULT_TRIO.join(","));
    }
    let rounds = std::env::var("TOKSTAT_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(ROUNDS);
    let texts = common::corpus_texts(CORPUS);
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "{CORPUS}: {} files, {bytes} bytes, {rounds} rounds",
        texts.len()
    );
    println!(
        "{:<12} {:>11} {:>11} {:>11} {:>11} {:>9} {:>9}",
        "tokenizer",
        "encode min",
        "compare min",
        "encode med",
        "compare med",
        "ratio min",
        "ratio med"
    );
    for name in names {
        let toks: Vec<Arc<dyn Tokenizer>> = name
            .split(',')
            .map(|n| tokenizer::load(n).expect("bundled tokenizer"))
            .collect();
        let (encode, compare) = timings(&toks, &texts, rounds);
        let (e_min, c_min) = (encode[0], compare[0]);
        let (e_med, c_med) = (median(&encode), median(&compare));
        let name = if toks.len() > 1 {
            format!("{} together", toks.len())
        } else {
            name.to_string()
        };
        println!(
            "{name:<12} {:>11} {:>11} {:>11} {:>11} {:>9.2} {:>9.2}",
            ms(e_min),
            ms(c_min),
            ms(e_med),
            ms(c_med),
            c_min.as_secs_f64() / e_min.as_secs_f64(),
            c_med.as_secs_f64() / e_med.as_secs_f64(),
        );
    }
}

/// `rounds` alternating timings of encoding every text with every tokenizer and of comparing
/// the corpus with them, each sorted. One untimed round first builds what the tokenizers build
/// on first use.
fn timings(
    toks: &[Arc<dyn Tokenizer>],
    texts: &[String],
    rounds: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let run_compare = common::one_thread_compare(CORPUS, toks.to_vec());
    let encode = || {
        let t = Instant::now();
        for tok in toks {
            for text in texts {
                std::hint::black_box(tok.encode(text, false).expect("encode"));
            }
        }
        t.elapsed()
    };
    let compare = || {
        let t = Instant::now();
        std::hint::black_box(run_compare());
        t.elapsed()
    };
    encode();
    compare();
    let (mut e, mut c): (Vec<_>, Vec<_>) = (0..rounds).map(|_| (encode(), compare())).unzip();
    e.sort();
    c.sort();
    (e, c)
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
