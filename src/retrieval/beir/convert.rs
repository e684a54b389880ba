//! Pairs to BEIR: writes a CodeSearchNet-style pair directory ([`crate::retrieval::data`]) as
//! BEIR sets ([`super::data`]), so that one evaluator serves both layouts.
//!
//! Each language becomes one set, `<out>/<language>/`: every pair of the chosen splits gives a
//! document (`_id` = the pair's id, `text` = its code, no title) and a query (`_id` = the pair's
//! id, `text` = its query), and `qrels/<split>.tsv` judges each query's own code relevant
//! (score 1). With the test split alone the set ranks each test query against the test code of
//! its language, exactly as the pair evaluation does; with more splits their code joins the
//! corpus as distractors.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::retrieval::data;
use crate::{Error, Result};

/// What one language's conversion wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The language (and set name).
    pub language: String,
    /// The set's directory.
    pub dir: PathBuf,
    /// Documents (= queries = judgements) written.
    pub documents: usize,
}

/// One JSON line `{"_id": id, "text": text}`.
fn record(out: &mut String, id: &str, text: &str) -> Result<()> {
    let line = serde_json::to_string(&serde_json::json!({ "_id": id, "title": "", "text": text }))?;
    out.push_str(&line);
    out.push('\n');
    Ok(())
}

/// Converts the `splits` of each language in `languages` (every language when empty).
pub fn pairs_to_beir(
    pairs_dir: &Path,
    languages: &[String],
    splits: &[String],
    out: &Path,
) -> Result<Vec<Converted>> {
    let available = data::languages(pairs_dir)?;
    let chosen = if languages.is_empty() {
        available.clone()
    } else {
        languages.to_vec()
    };
    let mut done = Vec::new();
    for lang in &chosen {
        if !available.contains(lang) {
            return Err(Error::InvalidArgument(format!(
                "language `{lang}` not found in `{}` (available: {})",
                pairs_dir.display(),
                available.join(", ")
            )));
        }
        done.push(convert_language(pairs_dir, lang, splits, out)?);
    }
    Ok(done)
}

fn convert_language(
    pairs_dir: &Path,
    lang: &str,
    splits: &[String],
    out: &Path,
) -> Result<Converted> {
    let (mut corpus, mut queries) = (String::new(), String::new());
    let mut qrels: Vec<(PathBuf, String)> = Vec::new();
    let mut seen = HashSet::new();
    let dir = out.join(lang);
    for split in splits {
        let pairs = data::load_split(pairs_dir, lang, split)?;
        let mut tsv = String::from("query-id\tcorpus-id\tscore\n");
        for p in &pairs {
            if !seen.insert(p.id.clone()) {
                return Err(Error::InvalidArgument(format!(
                    "{}: id `{}` occurs twice in language `{lang}`; BEIR ids must be unique",
                    data::split_path(pairs_dir, lang, split).display(),
                    p.id
                )));
            }
            if p.id.contains(['\t', '\n', '\r']) {
                return Err(Error::InvalidArgument(format!(
                    "{}: id `{}` contains a tab or line break, which qrels cannot hold",
                    data::split_path(pairs_dir, lang, split).display(),
                    p.id.escape_debug()
                )));
            }
            record(&mut corpus, &p.id, &p.code)?;
            record(&mut queries, &p.id, &p.query)?;
            let _ = writeln!(tsv, "{}\t{}\t1", p.id, p.id);
        }
        qrels.push((dir.join("qrels").join(format!("{split}.tsv")), tsv));
    }
    let documents = seen.len();
    let mut files: Vec<(PathBuf, &[u8])> = vec![
        (dir.join("corpus.jsonl"), corpus.as_bytes()),
        (dir.join("queries.jsonl"), queries.as_bytes()),
    ];
    files.extend(qrels.iter().map(|(p, t)| (p.clone(), t.as_bytes())));
    crate::output::write_all_atomic(&files)?;
    Ok(Converted {
        language: lang.to_string(),
        dir,
        documents,
    })
}
