//! Driving a comparison: inputs in batches of [`BATCH_FILES`], each batch cut into groups of
//! consecutive inputs processed in parallel ([`super::group`]), and folded in input order into
//! a [`ComparePartial`]. The command (`compare_streaming`), a shard of a distributed run
//! ([`add_planned`]) and texts given in memory ([`add_texts`]) all go through [`drive`], so
//! every rule lives in one place.

use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::group::{GroupCtx, GroupInput, Outcome, process_group};
use super::{
    BATCH_FILES, CompareOptions, ComparePartial, CompareReport, FileRow, GROUP_BYTES,
    GROUPS_PER_THREAD, InputFile, ShowBlock, check_cancel,
};
use crate::input::{Found, FoundFile, InputSource, Walker};
use crate::tokenizer::Tokenizer;
use crate::{Error, Result};

/// One input of a planned comparison: its ordinal in the walk and what the walk found. A
/// distributed run walks once ([`plan`]), hands the inputs to its workers in any split, and
/// gets the ordinals — and so the report — of a single-process run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedInput {
    /// Position in the walk (skipped entries count).
    pub ordinal: u64,
    /// What the walk found there.
    pub found: Found,
}

/// An input as [`drive`] takes it: ordinal, what was found, and the text when given in memory.
type Item = (u64, Found, Option<String>);

/// Walks `opts.paths` in full and returns every entry with its ordinal (the driver's side of a
/// distributed run: the list grows with the number of files). Standard input cannot be planned.
pub fn plan(opts: &CompareOptions) -> Result<Vec<PlannedInput>> {
    check_paths(opts)?;
    if opts.paths.iter().any(|p| p == "-") {
        return Err(Error::InvalidArgument(
            "standard input (-) cannot be split over workers; give files or directories".into(),
        ));
    }
    Walker::new(&opts.paths, opts.walk)
        .enumerate()
        .map(|(i, f)| {
            Ok(PlannedInput {
                ordinal: i as u64,
                found: f?,
            })
        })
        .collect()
}

/// Analyses planned inputs (any subset of a [`plan`], in any order) into `partial`.
pub fn add_planned(
    partial: &mut ComparePartial,
    inputs: &[PlannedInput],
    opts: &CompareOptions,
    toks: &[Arc<dyn Tokenizer>],
) -> Result<()> {
    let items = inputs
        .iter()
        .map(|p| Ok((p.ordinal, p.found.clone(), None)));
    drive(partial, items, &mut Ctx::new(opts, toks), &mut |_| Ok(()))
}

/// Analyses texts given in memory, as `(ordinal, name, text)`, into `partial`. The name stands
/// for a path: it is shown in round-trip positions and its extension gives the language (unless
/// `opts.lang` or `opts.text_only` say otherwise). A text that is not valid as input is an error.
pub fn add_texts(
    partial: &mut ComparePartial,
    texts: Vec<(u64, String, String)>,
    opts: &CompareOptions,
    toks: &[Arc<dyn Tokenizer>],
) -> Result<()> {
    let items = texts.into_iter().map(|(ordinal, name, text)| {
        let found = Found::File(FoundFile {
            path: name.clone().into(),
            display: name,
            size: text.len() as u64,
            named: true,
        });
        Ok((ordinal, found, Some(text)))
    });
    drive(partial, items, &mut Ctx::new(opts, toks), &mut |_| Ok(()))
}

/// Runs the comparison and calls `on_file` with each analysed input's row, in input order
/// (`--per-file`). Files are walked lazily and folded into a [`ComparePartial`] batch by batch,
/// so nothing per file is kept; the report is that partial's [`ComparePartial::finish`].
pub fn compare_streaming(
    opts: &CompareOptions,
    toks: &[Arc<dyn Tokenizer>],
    on_file: &mut dyn FnMut(&FileRow) -> Result<()>,
) -> Result<CompareReport> {
    check_paths(opts)?;
    let walker = Walker::new(&opts.paths, opts.walk);
    let items = walker
        .enumerate()
        .map(|(i, f)| f.map(|f| (i as u64, f, None)));
    let mut partial = ComparePartial::new(toks, opts.chunk_bytes);
    let mut ctx = Ctx::new(opts, toks);
    drive(&mut partial, items, &mut ctx, on_file)?;
    ctx.bar.finish_and_clear();
    let mut report = partial.finish(toks)?;
    report.show = ctx.show;
    Ok(report)
}

fn check_paths(opts: &CompareOptions) -> Result<()> {
    if opts.paths.is_empty() {
        return Err(Error::InvalidArgument(
            "nothing to compare: give a file, a directory, or - for standard input".into(),
        ));
    }
    Ok(())
}

/// What a run carries between batches besides the counts.
struct Ctx<'a> {
    opts: &'a CompareOptions,
    toks: &'a [Arc<dyn Tokenizer>],
    bar: indicatif::ProgressBar,
    show_budget: usize,
    show: Vec<ShowBlock>,
    started: std::time::Instant,
    done: u64,
}

impl<'a> Ctx<'a> {
    fn new(opts: &'a CompareOptions, toks: &'a [Arc<dyn Tokenizer>]) -> Self {
        Ctx {
            opts,
            toks,
            bar: progress_bar(opts),
            show_budget: if opts.show { opts.show_limits.total } else { 0 },
            show: Vec::new(),
            started: std::time::Instant::now(),
            done: 0,
        }
    }
}

/// Folds every item into `partial`, batch by batch.
fn drive(
    partial: &mut ComparePartial,
    mut items: impl Iterator<Item = Result<Item>>,
    ctx: &mut Ctx<'_>,
    on_file: &mut dyn FnMut(&FileRow) -> Result<()>,
) -> Result<()> {
    loop {
        check_cancel(ctx.opts)?;
        let batch = next_batch(&mut items, ctx.opts, partial)?;
        if batch.is_empty() {
            return Ok(());
        }
        // One level of parallelism only: groups of inputs in parallel, or the tokenizers of a
        // lone group. Then each thread holds one group's text, or one chunk (see the module docs
        // on memory).
        let limits = show_shares(&batch, ctx.opts, &mut ctx.show_budget);
        let group_bytes = group_bytes(&batch);
        let groups = groups(&batch, group_bytes);
        let group_ctx = GroupCtx {
            toks: ctx.toks,
            opts: ctx.opts,
            group_bytes,
            parallel_tokenizers: groups.len() == 1,
            bar: &ctx.bar,
        };
        let inputs: Vec<GroupInput<'_>> = batch
            .iter()
            .zip(&limits)
            .map(|((_, file, text), &show_limit)| GroupInput {
                file,
                text: text.as_deref(),
                show_limit,
            })
            .collect();
        let outcomes: Vec<Result<Outcome>> = groups
            .par_iter()
            .map(|g| process_group(&inputs[g.clone()], &group_ctx))
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        for ((ordinal, _, _), o) in batch.iter().zip(outcomes) {
            fold(partial, *ordinal, o?, ctx, on_file)?;
        }
        ctx.done += batch.len() as u64;
        let secs = ctx.started.elapsed().as_secs_f64().max(1e-3);
        let rate = ctx.done as f64 / secs;
        ctx.bar
            .set_message(format!("{} files ({rate:.0} files/s)", ctx.done));
    }
}

/// Adds one input's outcome: a skip (an error with `--strict`) or its counts.
fn fold(
    partial: &mut ComparePartial,
    ordinal: u64,
    outcome: Outcome,
    ctx: &mut Ctx<'_>,
    on_file: &mut dyn FnMut(&FileRow) -> Result<()>,
) -> Result<()> {
    match outcome {
        Outcome::Skipped(s) => skip(partial, ordinal, s, ctx.opts.strict),
        Outcome::Done {
            row,
            lang,
            per_tok,
            show,
        } => {
            on_file(&row)?;
            ctx.show.extend(show);
            partial.add_file(ordinal, &row, lang, per_tok);
            Ok(())
        }
    }
}

/// Records a skip, or stops the run with `--strict`.
fn skip(
    partial: &mut ComparePartial,
    ordinal: u64,
    s: crate::input::Skipped,
    strict: bool,
) -> Result<()> {
    if strict {
        return Err(Error::SkippedInput {
            path: s.path,
            detail: s.detail,
        });
    }
    partial.add_skip(ordinal, s);
    Ok(())
}

/// The next batch of at most [`BATCH_FILES`] inputs (skipped entries go to `partial`).
fn next_batch(
    items: &mut impl Iterator<Item = Result<Item>>,
    opts: &CompareOptions,
    partial: &mut ComparePartial,
) -> Result<Vec<(u64, InputFile, Option<String>)>> {
    let mut batch = Vec::with_capacity(BATCH_FILES);
    while batch.len() < BATCH_FILES {
        let Some(item) = items.next() else { break };
        let (ordinal, found, text) = item?;
        match found {
            Found::Skipped(s) => skip(partial, ordinal, s, opts.strict)?,
            f => batch.extend(InputFile::from_found(f, opts.lang).map(|f| (ordinal, f, text))),
        }
    }
    if opts.text_only {
        for (_, f, _) in &mut batch {
            f.lang = None;
        }
    }
    Ok(batch)
}

/// The bytes of text a group of a batch holds at most ([`super::group`]): [`GROUP_BYTES`], or
/// less so that the batch makes at least [`GROUPS_PER_THREAD`] groups per thread when its
/// inputs are small enough, for the threads to share the work evenly.
fn group_bytes(batch: &[(u64, InputFile, Option<String>)]) -> usize {
    let total: u64 = batch
        .iter()
        .map(|(_, f, _)| input_size(f))
        .fold(0, u64::saturating_add);
    let groups = (GROUPS_PER_THREAD * rayon::current_num_threads()) as u64;
    (total / groups).clamp(1, GROUP_BYTES as u64) as usize
}

/// An input's size as far as it is known before reading: its size on disk (or in memory), and
/// unbounded for standard input.
fn input_size(f: &InputFile) -> u64 {
    match f.source {
        InputSource::Stdin => u64::MAX,
        InputSource::File(_) => f.size,
    }
}

/// The inputs of a batch in the groups analysed together ([`process_group`]): consecutive
/// inputs whose sizes add up to at most `group_bytes`, or one larger input alone; standard
/// input, whose size is not known, alone.
fn groups(
    batch: &[(u64, InputFile, Option<String>)],
    group_bytes: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, (_, f, _)) in batch.iter().enumerate() {
        let size = input_size(f);
        if i > start && bytes.saturating_add(size) > group_bytes as u64 {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes = bytes.saturating_add(size);
    }
    if start < batch.len() {
        out.push(start..batch.len());
    }
    out
}

/// The bytes each input of a batch may show (see [`super::ShowLimits`]), taken from `budget` in
/// input order; an input of unknown size (standard input) is given the largest share.
fn show_shares(
    batch: &[(u64, InputFile, Option<String>)],
    opts: &CompareOptions,
    budget: &mut usize,
) -> Vec<usize> {
    batch
        .iter()
        .map(|(_, f, _)| {
            let share = opts.show_limits.per_input.min(*budget);
            let used = share.min(usize::try_from(input_size(f)).unwrap_or(usize::MAX));
            *budget -= used;
            share
        })
        .collect()
}

fn progress_bar(opts: &CompareOptions) -> indicatif::ProgressBar {
    if !opts.progress {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg}, {bytes} ({binary_bytes_per_sec}), {elapsed}",
    ) {
        b.set_style(style);
    }
    b.enable_steady_tick(std::time::Duration::from_millis(200));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(sizes: &[Option<u64>]) -> Vec<(u64, InputFile, Option<String>)> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, size)| {
                let source = match size {
                    Some(_) => InputSource::File(format!("f{i}").into()),
                    None => InputSource::Stdin,
                };
                let file = InputFile {
                    source,
                    display: format!("f{i}"),
                    lang: None,
                    size: size.unwrap_or(0),
                    named: false,
                };
                (i as u64, file, None)
            })
            .collect()
    }

    #[test]
    fn groups_fill_up_to_their_bytes_and_keep_large_inputs_and_stdin_alone() {
        let b = batch(&[
            Some(3),
            Some(4),
            Some(3),
            Some(20),
            Some(1),
            None,
            Some(2),
            Some(0),
        ]);
        assert_eq!(groups(&b, 10), vec![0..3, 3..4, 4..5, 5..6, 6..8]);
        assert_eq!(groups(&b[..3], 100), vec![0..3]);
        assert_eq!(groups(&b[..0], 10), Vec::<std::ops::Range<usize>>::new());
    }

    #[test]
    fn group_bytes_give_every_thread_several_groups_up_to_the_cap() {
        let threads = rayon::current_num_threads() as u64;
        let per_group = 1000;
        let total = per_group * GROUPS_PER_THREAD as u64 * threads;
        let b = batch(&[Some(total / 2), Some(total - total / 2)]);
        assert_eq!(group_bytes(&b), per_group as usize);
        assert_eq!(group_bytes(&batch(&[Some(u64::MAX / 2)])), GROUP_BYTES);
        assert_eq!(group_bytes(&batch(&[None, Some(5)])), GROUP_BYTES);
        assert_eq!(group_bytes(&batch(&[Some(0)])), 1);
    }
}
