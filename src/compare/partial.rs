//! The mergeable state of a comparison: counts that add, sets that unite, "first" items keyed
//! by input position. The single-process run is one [`ComparePartial`] fed in input order and
//! then [`ComparePartial::finish`]ed; a distributed run builds one partial per shard,
//! [`merge`](ComparePartial::merge)s them in any grouping and order, and finishes once, with
//! the same report byte for byte.
//!
//! Every input has an *ordinal*: its position in the walk of the command-line paths (skipped
//! entries count). Where the report names one item out of many — the first round-trip
//! difference, the whitespace run a cell is probed with, the skipped files listed — the item
//! with the smallest ordinal wins (ties, which only inputs given the same ordinal can make,
//! go to the smaller value), so the choice does not depend on merge order. Ratios are computed
//! in [`finish`](ComparePartial::finish) only, from the summed counts.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{CompareReport, FileRow, InputTotals, LanguageFiles, tokenizer_report};
use crate::analysis::TextStats;
use crate::analysis::identifiers::{IdentifierCounts, Lang};
use crate::analysis::roundtrip::RoundtripCounts;
use crate::analysis::scripts::{self, ScriptCounts};
use crate::analysis::whitespace::{WhitespaceCounts, WsClass};
use crate::input::skip::MAX_SKIPPED_LISTED;
use crate::input::{SkipReason, Skipped};
use crate::tokenizer::Tokenizer;
use crate::{Error, Result};

/// The kind name of a compare state in [`crate::wire`].
const KIND: &str = "compare";

/// Additive counts of one tokenizer over some texts, with the ordinals of the inputs that
/// provided its "first" items.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Acc {
    pub(crate) files: u64,
    pub(crate) stats: TextStats,
    pub(crate) ws: WhitespaceCounts,
    pub(crate) idents: IdentifierCounts,
    pub(crate) scripts: ScriptCounts,
    pub(crate) roundtrip: RoundtripCounts,
    /// Ordinal of the input of `roundtrip.first_difference`.
    rt_at: u64,
    /// Ordinal of the input of each whitespace cell's sample.
    ws_at: BTreeMap<(WsClass, usize), u64>,
}

impl Acc {
    /// The counts of one chunk.
    pub(super) fn of_chunk(
        stats: TextStats,
        ws: WhitespaceCounts,
        idents: IdentifierCounts,
        scripts: ScriptCounts,
        roundtrip: RoundtripCounts,
    ) -> Self {
        Acc {
            stats,
            ws,
            idents,
            scripts,
            roundtrip,
            ..Acc::default()
        }
    }

    /// Adds the next chunk of the same input (its "first" items come after ours).
    pub(super) fn add_chunk(&mut self, o: &Acc) {
        self.stats.add(&o.stats);
        self.ws.add(&o.ws);
        self.idents.add(&o.idents);
        scripts::add_scripts(&mut self.scripts, &o.scripts);
        self.roundtrip.add(&o.roundtrip);
    }

    /// Marks every "first" item of this one input's counts with its ordinal.
    pub(super) fn stamp(&mut self, ordinal: u64) {
        self.files = 1;
        self.rt_at = ordinal;
        self.ws_at = self.ws.cells.keys().map(|k| (*k, ordinal)).collect();
    }

    /// Merges counts of other inputs: sums, and the "first" item with the smaller ordinal.
    pub(super) fn merge(&mut self, o: &Acc) {
        let theirs = |fd: &Option<crate::analysis::roundtrip::FirstDifference>, at| {
            fd.as_ref().map(|f| (at, f.path.clone(), f.byte_offset))
        };
        let mine = theirs(&self.roundtrip.first_difference, self.rt_at);
        let take_rt = match (mine, theirs(&o.roundtrip.first_difference, o.rt_at)) {
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b < a,
            _ => false,
        };
        let mut samples = Vec::new();
        for (k, v) in o.ws.cells.iter().filter(|(_, v)| !v.sample.is_empty()) {
            let at = o.ws_at.get(k).copied().unwrap_or(0);
            let take = match self.ws.cells.get(k).filter(|c| !c.sample.is_empty()) {
                None => true,
                Some(c) => (at, &v.sample) < (self.ws_at.get(k).copied().unwrap_or(0), &c.sample),
            };
            if take {
                samples.push((*k, at, v.sample.clone()));
            }
        }
        self.files += o.files;
        self.add_chunk(o);
        if take_rt {
            self.roundtrip.first_difference = o.roundtrip.first_difference.clone();
            self.rt_at = o.rt_at;
        }
        for (k, at, sample) in samples {
            if let Some(c) = self.ws.cells.get_mut(&k) {
                c.sample = sample;
            }
            self.ws_at.insert(k, at);
        }
    }
}

/// The partial state of `tokstat compare` over some of its inputs (see the module docs).
///
/// Its size does not grow with the number of files: per-language counts bounded as in the
/// [module docs](super), and at most [`MAX_SKIPPED_LISTED`] skipped files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComparePartial {
    /// Canonical tokenizer names, in report order (two states merge only if they agree).
    tokenizers: Vec<String>,
    /// Chunk size the inputs were read with (it decides the chunk counts).
    chunk_bytes: usize,
    by_lang: Vec<BTreeMap<Option<Lang>, Acc>>,
    files: BTreeMap<String, LanguageFiles>,
    skipped: BTreeMap<(u64, String), Skipped>,
    skipped_counts: BTreeMap<SkipReason, u64>,
}

impl ComparePartial {
    /// An empty state for these tokenizers, reading with chunks of `chunk_bytes`.
    pub fn new(tokenizers: &[Arc<dyn Tokenizer>], chunk_bytes: usize) -> Self {
        ComparePartial {
            tokenizers: tokenizers.iter().map(|t| t.name().to_string()).collect(),
            chunk_bytes,
            by_lang: vec![BTreeMap::new(); tokenizers.len()],
            files: BTreeMap::new(),
            skipped: BTreeMap::new(),
            skipped_counts: BTreeMap::new(),
        }
    }

    /// Canonical names of the tokenizers, in report order.
    pub fn tokenizers(&self) -> &[String] {
        &self.tokenizers
    }

    /// Inputs analysed so far.
    pub fn files(&self) -> u64 {
        self.files.values().map(|f| f.files).sum()
    }

    /// Records the input at `ordinal` as skipped.
    pub(super) fn add_skip(&mut self, ordinal: u64, s: Skipped) {
        *self.skipped_counts.entry(s.reason).or_default() += 1;
        self.skipped.insert((ordinal, s.path.clone()), s);
        if self.skipped.len() > MAX_SKIPPED_LISTED {
            self.skipped.pop_last();
        }
    }

    /// Adds one analysed input: its row and one [`Acc`] per tokenizer, stamped with `ordinal`.
    pub(super) fn add_file(
        &mut self,
        ordinal: u64,
        row: &FileRow,
        lang: Option<Lang>,
        mut per_tok: Vec<Acc>,
    ) {
        let f = self
            .files
            .entry(row.language.clone())
            .or_insert_with(|| LanguageFiles {
                language: row.language.clone(),
                ..Default::default()
            });
        f.files += 1;
        f.bytes += row.bytes;
        f.chunks += row.chunks;
        for (k, acc) in per_tok.iter_mut().enumerate() {
            acc.stamp(ordinal);
            self.by_lang[k].entry(lang).or_default().merge(acc);
        }
    }

    /// Merges another partial state of the same comparison into this one. Associative and
    /// commutative: any grouping and order give the same state.
    pub fn merge(&mut self, other: &ComparePartial) -> Result<()> {
        if other.tokenizers != self.tokenizers || other.chunk_bytes != self.chunk_bytes {
            return Err(Error::PartialState(format!(
                "cannot merge a comparison of [{}] (chunks of {} bytes) into one of [{}] (chunks of {} bytes)",
                other.tokenizers.join(", "),
                other.chunk_bytes,
                self.tokenizers.join(", "),
                self.chunk_bytes
            )));
        }
        for (mine, theirs) in self.by_lang.iter_mut().zip(&other.by_lang) {
            for (lang, acc) in theirs {
                mine.entry(*lang).or_default().merge(acc);
            }
        }
        for (lang, f) in &other.files {
            let e = self
                .files
                .entry(lang.clone())
                .or_insert_with(|| LanguageFiles {
                    language: lang.clone(),
                    ..Default::default()
                });
            e.files += f.files;
            e.bytes += f.bytes;
            e.chunks += f.chunks;
        }
        for (r, n) in &other.skipped_counts {
            *self.skipped_counts.entry(*r).or_default() += n;
        }
        self.skipped
            .extend(other.skipped.iter().map(|(k, v)| (k.clone(), v.clone())));
        while self.skipped.len() > MAX_SKIPPED_LISTED {
            self.skipped.pop_last();
        }
        Ok(())
    }

    /// The compact, versioned serialised form (see [`crate::wire`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        crate::wire::encode(KIND, self)
    }

    /// Reads a state written by [`Self::to_bytes`]; wrong version or corrupt bytes are an
    /// [`Error::PartialState`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let p: ComparePartial = crate::wire::decode(KIND, bytes)?;
        if p.by_lang.len() != p.tokenizers.len() {
            return Err(Error::PartialState(format!(
                "corrupt compare state: {} tokenizers but {} count tables",
                p.tokenizers.len(),
                p.by_lang.len()
            )));
        }
        Ok(p)
    }

    /// The report: ratios from the summed counts, rows sorted. `toks` must be the tokenizers
    /// the state was built with (they probe whitespace round trips).
    pub fn finish(self, toks: &[Arc<dyn Tokenizer>]) -> Result<CompareReport> {
        let names: Vec<&str> = toks.iter().map(|t| t.name()).collect();
        if names != self.tokenizers {
            return Err(Error::PartialState(format!(
                "the state was built with [{}], not [{}]",
                self.tokenizers.join(", "),
                names.join(", ")
            )));
        }
        let tokenizers = toks
            .iter()
            .zip(&self.by_lang)
            .map(|(t, langs)| tokenizer_report(t.as_ref(), langs))
            .collect::<Result<Vec<_>>>()?;
        let by_language: Vec<LanguageFiles> = self.files.into_values().collect();
        let sum = |f: fn(&LanguageFiles) -> u64| by_language.iter().map(f).sum();
        Ok(CompareReport {
            input_totals: InputTotals {
                files: sum(|l| l.files),
                bytes: sum(|l| l.bytes),
                chunks: sum(|l| l.chunks),
                by_language,
            },
            skipped: self.skipped.into_values().collect(),
            skipped_by_reason: self.skipped_counts,
            tokenizers,
            show: Vec::new(),
        })
    }
}
