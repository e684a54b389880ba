//! The mergeable state of `vocab --corpus`: per tokenizer, the occurrences of every used id (a
//! sparse exact map whose keys are the used-id set), the number of files read and the files
//! skipped, keyed by walk position. The single-process run is one [`VocabPartial`] fed the whole
//! corpus and then [`finish`](VocabPartial::finish)ed; a distributed run builds one partial per
//! shard, [`merge`](VocabPartial::merge)s them in any grouping and order (counts add, skipped
//! files unite in walk order) and finishes once, with the same report byte for byte.
//! Utilization, Rényi entropy and shares are computed in `finish` only, from the summed counts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{CorpusUse, TokenFrequency, VocabOptions, VocabReport, VocabToken, corpus};
use crate::input::{Found, SkipLog, Skipped, WalkOptions};
use crate::tokenizer::Tokenizer;
use crate::{Error, Result};

/// The kind name of a vocab state in [`crate::wire`].
const KIND: &str = "vocab";

/// One entry of a planned corpus: its position and what the walk found there. A distributed run
/// walks once ([`plan`]), hands the entries to its workers in any split
/// ([`VocabPartial::add_planned`]) and gets the skipped-file order of a single-process run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusEntry {
    /// Position: the walk's skipped entries first, then the files in walk order.
    pub ordinal: u64,
    /// A file to read, or an entry the walk left out.
    pub found: Found,
}

/// Walks `paths` as `vocab --corpus` does ([`corpus::corpus_files`]) and numbers the entries.
pub fn plan(paths: &[PathBuf], walk: WalkOptions) -> Result<Vec<CorpusEntry>> {
    let (files, walked) = corpus::corpus_files(paths, walk)?;
    let found = walked
        .into_iter()
        .map(Found::Skipped)
        .chain(files.into_iter().map(Found::File));
    Ok(found
        .enumerate()
        .map(|(i, found)| CorpusEntry {
            ordinal: i as u64,
            found,
        })
        .collect())
}

/// What `vocab --corpus` accumulates from a corpus, for a fixed list of tokenizers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabPartial {
    /// Canonical tokenizer names, in report order.
    tokenizers: Vec<String>,
    /// Each tokenizer's vocabulary size (ids at or above it are not counted).
    vocab_sizes: Vec<u32>,
    /// Files read.
    files: u64,
    /// Per tokenizer: occurrences of each id used at least once.
    counts: Vec<BTreeMap<u32, u64>>,
    /// Files left out, with their walk position.
    skipped: Vec<(u64, Skipped)>,
}

impl VocabPartial {
    /// An empty state for these tokenizers (`names` are their canonical names).
    pub fn new(names: &[String], toks: &[Arc<dyn Tokenizer>]) -> Self {
        VocabPartial {
            tokenizers: names.to_vec(),
            vocab_sizes: toks.iter().map(|t| t.vocab_size().total as u32).collect(),
            files: 0,
            counts: vec![BTreeMap::new(); toks.len()],
            skipped: Vec::new(),
        }
    }

    /// The state of the single-process run: every file of `opts.corpus` (walked as
    /// [`corpus::corpus_files`] does) read and counted; files the walk or the reading leaves
    /// out are recorded in walk order.
    pub fn from_corpus(
        opts: &VocabOptions,
        names: &[String],
        toks: &[Arc<dyn Tokenizer>],
    ) -> Result<Self> {
        let mut state = VocabPartial::new(names, toks);
        state.add_planned(toks, &plan(&opts.corpus, opts.walk)?)?;
        Ok(state)
    }

    /// Reads and counts the files of `entries` (any subset of one [`plan`], in any order) and
    /// records the skipped ones: entries the walk left out, and found files that are binary or
    /// not UTF-8 (a file named in the plan's paths that cannot be read is an error naming it).
    pub fn add_planned(
        &mut self,
        toks: &[Arc<dyn Tokenizer>],
        entries: &[CorpusEntry],
    ) -> Result<()> {
        let mut files = Vec::new();
        let mut ordinals = Vec::new();
        for e in entries {
            match &e.found {
                Found::File(f) => {
                    files.push(f.clone());
                    ordinals.push(e.ordinal);
                }
                Found::Skipped(s) => self.add_skip(e.ordinal, s.clone()),
                Found::Stdin => {
                    return Err(Error::InvalidArgument(
                        "--corpus: standard input cannot be read as a corpus".into(),
                    ));
                }
            }
        }
        let (texts, unreadable) = corpus::read_corpus(&files)?;
        for (i, s) in unreadable {
            self.add_skip(ordinals[i], s);
        }
        self.update(toks, &texts)
    }

    /// The report of a single-process run of `opts` over the same files: the audit of
    /// `opts.tokenizers` (which must be this state's, in order) with this corpus use;
    /// `opts.corpus` is not read.
    pub fn finish(&self, opts: &VocabOptions) -> Result<VocabReport> {
        super::audit_with(opts, Some(self))
    }

    /// The canonical tokenizer names this state counts for.
    pub fn tokenizers(&self) -> &[String] {
        &self.tokenizers
    }

    /// Files read so far.
    pub fn files(&self) -> u64 {
        self.files
    }

    /// Encodes `texts` (one per file, without special tokens) with every tokenizer, `toks` in
    /// the order of [`new`](Self::new), and counts the ids.
    pub fn update(&mut self, toks: &[Arc<dyn Tokenizer>], texts: &[String]) -> Result<()> {
        if toks.len() != self.tokenizers.len() {
            return Err(Error::InvalidArgument(format!(
                "{} tokenizer(s) for a vocab state of {}",
                toks.len(),
                self.tokenizers.len()
            )));
        }
        for ((tok, counts), &size) in toks.iter().zip(&mut self.counts).zip(&self.vocab_sizes) {
            let per_text: Vec<Vec<u32>> = texts
                .par_iter()
                .map(|t| tok.encode_ids(t, false))
                .collect::<Result<_>>()?;
            for id in per_text.into_iter().flatten().filter(|&id| id < size) {
                *counts.entry(id).or_insert(0) += 1;
            }
        }
        self.files += texts.len() as u64;
        Ok(())
    }

    /// Records a file left out, at its position in the walk.
    pub fn add_skip(&mut self, ordinal: u64, s: Skipped) {
        self.skipped.push((ordinal, s));
        self.skipped
            .sort_by(|a, b| a.0.cmp(&b.0).then(a.1.path.cmp(&b.1.path)));
    }

    /// Adds another state of the same tokenizers: counts add, skipped files unite in walk
    /// order. Associative and commutative. States of other tokenizers or vocabulary sizes are
    /// an [`Error::PartialState`].
    pub fn merge(&mut self, other: &VocabPartial) -> Result<()> {
        if other.tokenizers != self.tokenizers || other.vocab_sizes != self.vocab_sizes {
            return Err(Error::PartialState(format!(
                "cannot merge a vocab state of {} (vocabulary sizes {:?}) into one of {} ({:?})",
                other.tokenizers.join(","),
                other.vocab_sizes,
                self.tokenizers.join(","),
                self.vocab_sizes
            )));
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            for (&id, &c) in theirs {
                *mine.entry(id).or_insert(0) += c;
            }
        }
        self.files += other.files;
        for (at, s) in &other.skipped {
            self.add_skip(*at, s.clone());
        }
        Ok(())
    }

    /// The serialised state (see [`crate::wire`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        crate::wire::encode(KIND, self)
    }

    /// Reads a state written by [`to_bytes`](Self::to_bytes); an inconsistent one (lists of
    /// different lengths, ids outside the vocabulary) is an [`Error::PartialState`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let s: VocabPartial = crate::wire::decode(KIND, bytes)?;
        let n = s.tokenizers.len();
        let ids_fit = s
            .counts
            .iter()
            .zip(&s.vocab_sizes)
            .all(|(c, &size)| c.keys().next_back().is_none_or(|&id| id < size));
        if s.vocab_sizes.len() != n || s.counts.len() != n || !ids_fit {
            return Err(Error::PartialState("inconsistent vocab state".into()));
        }
        Ok(s)
    }

    /// The report's `--corpus` warning line, if files were skipped.
    pub(super) fn skip_warning(&self) -> Option<String> {
        let mut log = SkipLog::default();
        for (_, s) in &self.skipped {
            log.push(s.clone());
        }
        let line = log.summary()?;
        let first: Vec<String> = log
            .listed()
            .iter()
            .take(3)
            .map(|s| format!("{} ({})", s.path, s.detail))
            .collect();
        Some(format!("--corpus: {line} ({})", first.join(", ")))
    }

    /// Corpus use of tokenizer `i`, whose vocabulary is `vocab`; `top_n` most frequent ids.
    pub(super) fn corpus_use(
        &self,
        i: usize,
        vocab: &[VocabToken],
        top_n: usize,
    ) -> Result<CorpusUse> {
        if vocab.len() != self.vocab_sizes[i] as usize {
            return Err(Error::PartialState(format!(
                "vocab state of {} has {} ids, the tokenizer {}",
                self.tokenizers[i],
                self.vocab_sizes[i],
                vocab.len()
            )));
        }
        let mut dense = vec![0u64; vocab.len()];
        for (&id, &c) in &self.counts[i] {
            dense[id as usize] = c;
        }
        let tokens: u64 = dense.iter().sum();
        let mut order: Vec<(u32, u64)> = self.counts[i].iter().map(|(&i, &c)| (i, c)).collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top = order
            .iter()
            .take(top_n)
            .map(|&(id, count)| TokenFrequency {
                id,
                token: vocab[id as usize].spelling.clone(),
                text: vocab[id as usize].display(),
                count,
                share: crate::analysis::ratio(count as f64, tokens as f64),
            })
            .collect();
        Ok(CorpusUse {
            files: self.files as usize,
            tokens,
            used_ids: order.len(),
            utilization: corpus::utilization(&dense, vocab.len()),
            renyi_alpha: corpus::RENYI_ALPHA,
            renyi_entropy: corpus::renyi_entropy(&dense, corpus::RENYI_ALPHA),
            renyi_efficiency: corpus::renyi_efficiency(&dense, corpus::RENYI_ALPHA, vocab.len()),
            top,
        })
    }
}
