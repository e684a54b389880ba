//! The mergeable state of `tokstat parity`. The unit of work is a line index of the parallel
//! corpus (one sentence in every language): a [`ParityPartial`] holds, per tokenizer and
//! language, the summed [`TextStats`] and the number of sentences over twice the pivot's tokens,
//! over the lines it was given. States over disjoint sets of lines merge by adding (associative
//! and commutative); [`ParityPartial::finish`] computes premiums and the summary from the sums.
//! [`super::measure`] is one partial over every line, then `finish`.

use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LanguageParity, ParallelCorpus, ParityReport, TokenizerParity, summarise};
use crate::analysis::text::{TextStats, ratio, text_stats};
use crate::tokenizer::Tokenizer;
use crate::{Error, Result};

/// The kind name of a parity state in [`crate::wire`].
const KIND: &str = "parity";

/// Sums of one language under one tokenizer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct LanguageSums {
    /// Sentences measured.
    sentences: u64,
    /// Their summed counts.
    stats: TextStats,
    /// Sentences with more than twice the pivot's tokens.
    over_2x: u64,
}

/// The partial state of a parity measurement over some lines of a corpus (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParityPartial {
    pivot: String,
    /// (code, script) of every language, sorted by code.
    languages: Vec<(String, String)>,
    /// Tokenizer names and paths, in report order.
    tokenizers: Vec<(String, Option<String>)>,
    /// Lines measured.
    sentences: u64,
    /// Lines left out (blank in some file).
    skipped_lines: u64,
    /// Per tokenizer, per language.
    sums: Vec<Vec<LanguageSums>>,
}

impl ParityPartial {
    /// An empty state for `corpus` (whose languages must include `pivot`) and `tokenizers`.
    pub fn new(
        corpus: &ParallelCorpus,
        tokenizers: &[Arc<dyn Tokenizer>],
        pivot: &str,
    ) -> Result<Self> {
        super::check_pivot(corpus, pivot)?;
        let languages = corpus
            .languages
            .iter()
            .map(|l| (l.code.clone(), l.script.clone()))
            .collect::<Vec<_>>();
        Ok(ParityPartial {
            pivot: pivot.to_string(),
            tokenizers: tokenizers
                .iter()
                .map(|t| {
                    (
                        t.name().to_string(),
                        t.path().map(|p| p.display().to_string()),
                    )
                })
                .collect(),
            sentences: 0,
            skipped_lines: 0,
            sums: vec![vec![LanguageSums::default(); languages.len()]; tokenizers.len()],
            languages,
        })
    }

    /// The pivot language's code.
    pub fn pivot(&self) -> &str {
        &self.pivot
    }

    /// Number of lines per file of a corpus (the line indices [`Self::add_lines`] takes).
    pub fn lines_of(corpus: &ParallelCorpus) -> usize {
        corpus.kept.len() + corpus.skipped.len()
    }

    /// Measures the given line indices of `corpus` (each line once over all states that will be
    /// merged; blank lines count as skipped). `corpus` and `tokenizers` must be the ones of
    /// [`Self::new`].
    pub fn add_lines(
        &mut self,
        corpus: &ParallelCorpus,
        tokenizers: &[Arc<dyn Tokenizer>],
        lines: &[usize],
    ) -> Result<()> {
        self.check_same(corpus, tokenizers)?;
        let n = Self::lines_of(corpus);
        if let Some(bad) = lines.iter().find(|&&i| i >= n) {
            return Err(Error::InvalidArgument(format!(
                "{}: line index {bad} out of range (the files have {n} lines)",
                corpus.dir.display()
            )));
        }
        let kept: Vec<usize> = lines
            .iter()
            .copied()
            .filter(|i| corpus.kept.binary_search(i).is_ok())
            .collect();
        self.skipped_lines += (lines.len() - kept.len()) as u64;
        self.sentences += kept.len() as u64;
        let pivot = self.pivot_index();
        for (k, tok) in tokenizers.iter().enumerate() {
            let per_language = encode_lines(corpus, tok.as_ref(), &kept)?;
            let pivot_tokens: Vec<u64> = per_language[pivot].iter().map(|s| s.tokens).collect();
            for (sums, sentences) in self.sums[k].iter_mut().zip(&per_language) {
                for (s, p) in sentences.iter().zip(&pivot_tokens) {
                    sums.sentences += 1;
                    sums.stats.add(s);
                    sums.over_2x += u64::from(s.tokens > 2 * p);
                }
            }
        }
        Ok(())
    }

    fn pivot_index(&self) -> usize {
        self.languages
            .iter()
            .position(|(c, _)| *c == self.pivot)
            .unwrap_or(0)
    }

    fn check_same(&self, corpus: &ParallelCorpus, tokenizers: &[Arc<dyn Tokenizer>]) -> Result<()> {
        let same_langs = corpus.languages.len() == self.languages.len()
            && corpus
                .languages
                .iter()
                .zip(&self.languages)
                .all(|(l, (c, _))| l.code == *c);
        let same_toks = tokenizers.len() == self.tokenizers.len()
            && tokenizers
                .iter()
                .zip(&self.tokenizers)
                .all(|(t, (n, _))| t.name() == n);
        if same_langs && same_toks {
            return Ok(());
        }
        Err(Error::PartialState(format!(
            "{}: not the corpus and tokenizers this parity state was made for",
            corpus.dir.display()
        )))
    }

    /// Adds another state over other lines of the same measurement.
    pub fn merge(&mut self, other: &ParityPartial) -> Result<()> {
        if (&other.pivot, &other.languages, &other.tokenizers)
            != (&self.pivot, &self.languages, &self.tokenizers)
        {
            return Err(Error::PartialState(
                "cannot merge parity states of different corpora, pivots or tokenizers".into(),
            ));
        }
        self.sentences += other.sentences;
        self.skipped_lines += other.skipped_lines;
        for (mine, theirs) in self.sums.iter_mut().zip(&other.sums) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.sentences += b.sentences;
                a.stats.add(&b.stats);
                a.over_2x += b.over_2x;
            }
        }
        Ok(())
    }

    /// The compact, versioned serialised form (see [`crate::wire`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        crate::wire::encode(KIND, self)
    }

    /// Reads a state written by [`Self::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let p: ParityPartial = crate::wire::decode(KIND, bytes)?;
        let shape_ok = p.sums.len() == p.tokenizers.len()
            && p.sums.iter().all(|s| s.len() == p.languages.len())
            && p.languages.iter().any(|(c, _)| *c == p.pivot);
        if !shape_ok {
            return Err(Error::PartialState(
                "corrupt parity state: table sizes do not match".into(),
            ));
        }
        Ok(p)
    }

    /// The report, listing the `worst` highest-premium languages per tokenizer. An error when a
    /// tokenizer gives the pivot no tokens (premiums undefined).
    pub fn finish(&self, worst: usize) -> Result<ParityReport> {
        let pivot = self.pivot_index();
        let mut out = Vec::with_capacity(self.tokenizers.len());
        for ((name, path), sums) in self.tokenizers.iter().zip(&self.sums) {
            let pivot_total = sums[pivot].stats.tokens;
            if pivot_total == 0 {
                return Err(Error::InvalidArgument(format!(
                    "tokenizer `{name}` gives no tokens for the pivot `{}`; premiums are undefined",
                    self.pivot
                )));
            }
            let languages: Vec<LanguageParity> = self
                .languages
                .iter()
                .zip(sums)
                .map(|((code, script), s)| language_parity(code, script, s, pivot_total))
                .collect();
            out.push(TokenizerParity {
                name: name.clone(),
                path: path.clone(),
                summary: summarise(&languages, &self.pivot, worst),
                languages,
            });
        }
        Ok(ParityReport {
            pivot: self.pivot.clone(),
            sentences: self.sentences as usize,
            skipped_lines: self.skipped_lines as usize,
            tokenizers: out,
        })
    }
}

/// Per language, the stats of each line in `lines`, encoded one sentence at a time in parallel.
fn encode_lines(
    corpus: &ParallelCorpus,
    tok: &dyn Tokenizer,
    lines: &[usize],
) -> Result<Vec<Vec<TextStats>>> {
    corpus
        .languages
        .par_iter()
        .map(|lang| {
            lines
                .par_iter()
                .map(|&i| {
                    let line = &lang.lines[i];
                    let enc = tok.encode(line, false)?;
                    Ok(text_stats(line, &enc, tok))
                })
                .collect::<Result<Vec<TextStats>>>()
        })
        .collect()
}

/// One language's row: sums and ratios (premium, Petrov et al. 2023, from the token sums).
fn language_parity(
    code: &str,
    script: &str,
    s: &LanguageSums,
    pivot_tokens: u64,
) -> LanguageParity {
    let t = &s.stats;
    LanguageParity {
        language: code.to_string(),
        script: script.to_string(),
        sentences: s.sentences as usize,
        bytes: t.bytes,
        chars: t.chars,
        words: t.words,
        tokens: t.tokens,
        bytes_per_token: t.bytes_per_token(),
        chars_per_token: t.chars_per_token(),
        fertility: t.fertility(),
        continued_word_share: t.continued_word_share(),
        unk_tokens: t.unk_tokens,
        unk_rate: t.unk_rate(),
        premium: ratio(t.tokens as f64, pivot_tokens as f64),
        share_over_2x_pivot: ratio(s.over_2x as f64, s.sentences as f64),
    }
}
