//! Vocabulary use on a corpus: utilization, Rényi efficiency and the most frequent tokens.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::input::{FoundFile, Skipped, WalkOptions};
use crate::{Error, Result};

/// The order α of the Rényi entropy used for efficiency (Zouhar et al. 2023, "Tokenization and
/// the Noiseless Channel", ACL 2023, found α = 2.5 to correlate best with BLEU).
pub const RENYI_ALPHA: f64 = 2.5;

/// Corpus metadata left out of a walked directory: `README*`, `LICENSE*`, `MANIFEST*`.
fn is_metadata(f: &FoundFile) -> bool {
    !f.named
        && f.path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| {
                ["README", "LICENSE", "MANIFEST"]
                    .iter()
                    .any(|m| n.starts_with(m))
            })
}

/// Expands corpus arguments into files with the [walker](crate::input::walk): a file is kept, a
/// directory contributes its files (ignore rules, hidden entries left out unless `walk` says
/// otherwise), except the corpus metadata files `README*`, `LICENSE*` and `MANIFEST*`. A path
/// that does not exist is an error naming it; entries the walker skips are returned beside.
pub fn corpus_files(
    paths: &[PathBuf],
    walk: WalkOptions,
) -> Result<(Vec<FoundFile>, Vec<Skipped>)> {
    let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (mut files, skipped) = crate::input::walk::files(&args, walk)?;
    files.retain(|f| !is_metadata(f));
    if files.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "--corpus {}: no files found",
            args.join(" ")
        )));
    }
    Ok((files, skipped))
}

/// Files left out while reading, each with its index in the list read.
pub type Unreadable = Vec<(usize, Skipped)>;

/// Reads the corpus files as text, verbatim. A named file that is binary or not UTF-8 is an
/// error naming it; such a file found in a directory is skipped and returned beside the texts,
/// with its index in `files`.
pub fn read_corpus(files: &[FoundFile]) -> Result<(Vec<String>, Unreadable)> {
    let read: Vec<Result<String>> = files
        .par_iter()
        .map(|f| crate::input::InputSource::File(f.path.clone()).read_text(false))
        .collect();
    let mut texts = Vec::with_capacity(files.len());
    let mut skipped = Vec::new();
    for (i, (f, r)) in files.iter().zip(read).enumerate() {
        match r {
            Ok(t) => texts.push(t),
            Err(e) if !f.named => match Skipped::from_error(&f.display, &e) {
                Some(s) => skipped.push((i, s)),
                None => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
    Ok((texts, skipped))
}

/// Vocabulary utilization: the share of the `vocab_size` ids used at least once.
pub fn utilization(counts: &[u64], vocab_size: usize) -> f64 {
    let used = counts.iter().filter(|&&c| c > 0).count();
    used as f64 / vocab_size as f64
}

/// Rényi entropy of order `alpha` (in bits) of the unigram distribution `p_i = c_i / Σc`:
/// `H_α = 1/(1-α) · log2 Σ p_i^α` (α ≠ 1). NaN for an empty distribution.
pub fn renyi_entropy(counts: &[u64], alpha: f64) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    let n = total as f64;
    let sum: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| (c as f64 / n).powf(alpha))
        .sum();
    sum.log2() / (1.0 - alpha)
}

/// Rényi efficiency (Zouhar et al. 2023): `H_α / log2 |V|`, here with `|V|` = `vocab_size`.
pub fn renyi_efficiency(counts: &[u64], alpha: f64, vocab_size: usize) -> f64 {
    renyi_entropy(counts, alpha) / (vocab_size as f64).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renyi_of_uniform_is_log_of_support() {
        // Uniform over 4 outcomes: Σ p^α = 4 · 4^-α, so H_α = log2(4^(1-α))/(1-α) = 2 bits
        // for every α; against |V| = 16, efficiency = 2 / 4 = 0.5.
        let c = [5, 5, 5, 5, 0, 0];
        assert!((renyi_entropy(&c, 2.5) - 2.0).abs() < 1e-12);
        assert!((renyi_efficiency(&c, 2.5, 16) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn renyi_by_hand() {
        // p = (3/4, 1/4), α = 2.5: Σ p^α = 0.75^2.5 + 0.25^2.5 = 0.487139… + 0.03125
        // = 0.518389…; H = log2(0.518389)/(-1.5) = (-0.947892…)/(-1.5) = 0.631928… bits.
        let h = renyi_entropy(&[3, 1], 2.5);
        assert!((h - 0.631928).abs() < 1e-5, "{h}");
        assert!(renyi_entropy(&[0, 0], 2.5).is_nan());
    }

    #[test]
    fn utilization_counts_ids_used_once() {
        assert!((utilization(&[0, 1, 7, 0], 4) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn directories_skip_metadata() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b.txt", "README.md", "MANIFEST.tsv", ".hidden", "sub/a.txt"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let (files, _) = corpus_files(&[dir.path().to_path_buf()], WalkOptions::default()).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| {
                p.path
                    .strip_prefix(dir.path())
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["b.txt", "sub/a.txt"]);
    }

    #[test]
    fn missing_corpus_names_path() {
        let e = corpus_files(
            &[PathBuf::from("no/such/corpus.txt")],
            WalkOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("no/such/corpus.txt:"), "{e}");
    }
}
