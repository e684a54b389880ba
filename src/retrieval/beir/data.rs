//! Reading a retrieval set in the BEIR layout (Thakur et al. 2021, arXiv:2104.08663), the
//! layout of the MTEB and CoIR retrieval tasks:
//!
//! ```text
//! <dir>/corpus.jsonl     {"_id": "d1", "title": "…", "text": "…"}   one document per line
//! <dir>/queries.jsonl    {"_id": "q1", "text": "…"}                 one query per line
//! <dir>/qrels/<split>.tsv  query-id <TAB> corpus-id <TAB> score       header line first
//! ```
//!
//! `corpus.jsonl` and `queries.jsonl` may be gzip-compressed (`.jsonl.gz`); ids may be JSON
//! strings or numbers; other fields (such as `metadata`) are ignored. A document's text is
//! `title + " " + text` when it has a non-empty title, else `text`, trimmed, as BEIR's dense
//! models read it. A score is a non-negative integer relevance grade (0 = judged not relevant).
//! Every malformed line — bad JSON, a duplicate id, a qrels row with an unknown query or
//! document id or a score that is not a non-negative integer — is an error naming `file:line`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::retrieval::graded::Judgements;
use crate::{Error, Result};

/// Texts with unique ids, in file order.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    /// Ids in file order.
    pub ids: Vec<String>,
    /// Texts, parallel to `ids`.
    pub texts: Vec<String>,
    index: HashMap<String, u32>,
}

impl Texts {
    /// The position of an id.
    pub fn position(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Bytes held by ids and texts.
    pub fn bytes(&self) -> usize {
        self.ids.iter().chain(&self.texts).map(String::len).sum()
    }
}

/// The judged queries of one split.
#[derive(Debug, Clone, Default)]
pub struct Qrels {
    /// The queries with at least one relevant judgement, as positions in the query file,
    /// ascending (file order).
    pub queries: Vec<u32>,
    /// Their judgements, parallel to `queries`.
    pub judgements: Vec<Judgements>,
    /// Queries of the split whose judgements are all 0: skipped, as every evaluator does.
    pub skipped_queries: usize,
}

/// A JSON id: BEIR writes strings, some sets numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Text(String),
    Number(serde_json::Number),
}

impl Id {
    fn into_string(self) -> String {
        match self {
            Id::Text(s) => s,
            Id::Number(n) => n.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "_id")]
    id: Id,
    #[serde(default)]
    title: Option<String>,
    text: String,
}

/// Whether `dir` holds a BEIR set (a `corpus.jsonl` or `corpus.jsonl.gz`).
pub fn is_beir_set(dir: &Path) -> bool {
    dir.join("corpus.jsonl").is_file() || dir.join("corpus.jsonl.gz").is_file()
}

/// `<dir>/<stem>.jsonl`, else `<dir>/<stem>.jsonl.gz` if only that exists.
fn jsonl_path(dir: &Path, stem: &str) -> PathBuf {
    let plain = dir.join(format!("{stem}.jsonl"));
    let gz = dir.join(format!("{stem}.jsonl.gz"));
    if !plain.is_file() && gz.is_file() {
        gz
    } else {
        plain
    }
}

/// The path of a qrels split.
pub fn qrels_path(dir: &Path, split: &str) -> PathBuf {
    dir.join("qrels").join(format!("{split}.tsv"))
}

/// The qrels splits a set has (`qrels/*.tsv`), sorted.
pub fn splits(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join("qrels"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".tsv").map(str::to_string)
        })
        .collect();
    out.sort();
    out
}

/// Opens a required file of the set as buffered lines, decompressing `.gz`: read line by line,
/// so that a large corpus is never held twice (file text and parsed records).
fn open_lines(path: &Path, what: &str) -> Result<Box<dyn BufRead>> {
    if !path.is_file() {
        return Err(Error::InvalidArgument(format!(
            "{}: missing {what} (a BEIR set holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv)",
            path.display()
        )));
    }
    let mut reader = open_reader(path)?;
    let head = reader.fill_buf().map_err(|e| Error::io(path, e))?;
    crate::input::reject_json_bom(path, head)?;
    Ok(reader)
}

/// A buffered reader of a file, decompressing `.gz`.
fn open_reader(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    })
}

/// The lines of `reader` with their 1-based numbers; invalid UTF-8 is an error naming
/// `path:line`, any other read failure an error naming `path`.
fn numbered_lines(
    path: &Path,
    reader: Box<dyn BufRead>,
) -> impl Iterator<Item = Result<(usize, String)>> + '_ {
    reader.lines().enumerate().map(move |(i, line)| {
        line.map(|l| (i + 1, l)).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Error::Data {
                path: path.to_path_buf(),
                line: i + 1,
                message: "invalid UTF-8".into(),
            },
            _ => Error::io(path, e),
        })
    })
}

/// Reads `corpus.jsonl` (documents) or `queries.jsonl` (queries) of a set.
pub fn load_texts(dir: &Path, stem: &str) -> Result<Texts> {
    let path = jsonl_path(dir, stem);
    let reader = open_lines(&path, &format!("{stem} file"))?;
    let mut out = Texts::default();
    for line in numbered_lines(&path, reader) {
        let (n, line) = line?;
        let err = |message: String| Error::Data {
            path: path.clone(),
            line: n,
            message,
        };
        if line.trim().is_empty() {
            continue;
        }
        let r: Record = serde_json::from_str(&line)
            .map_err(|e| err(format!("{e} (expected {{\"_id\", \"text\"}})")))?;
        let id = r.id.into_string();
        let joined = match r.title.as_deref() {
            Some(t) if !t.is_empty() => format!("{t} {}", r.text),
            _ => r.text,
        };
        let n = out.ids.len() as u32;
        if out.index.insert(id.clone(), n).is_some() {
            return Err(err(format!("duplicate _id `{id}`")));
        }
        out.ids.push(id);
        out.texts.push(joined.trim().to_string());
    }
    if out.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{}: no records (expected one JSON object with `_id` and `text` per line)",
            path.display()
        )));
    }
    Ok(out)
}

/// Parses one qrels row: `query-id`, `corpus-id`, `score` separated by tabs.
fn parse_row(line: &str) -> std::result::Result<(&str, &str, u32), String> {
    let fields: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
    let [q, d, s] = fields[..] else {
        return Err(format!(
            "expected 3 tab-separated fields (query-id, corpus-id, score), found {}",
            fields.len()
        ));
    };
    let score = s.trim().parse::<i64>().map_err(|_| {
        format!("score `{s}` is not an integer relevance grade (query `{q}`, document `{d}`)")
    })?;
    let score = u32::try_from(score)
        .map_err(|_| format!("score {score} is not a grade ≥ 0 (query `{q}`, document `{d}`)"))?;
    Ok((q.trim(), d.trim(), score))
}

/// Reads `qrels/<split>.tsv`, resolving its ids against the corpus and the queries.
pub fn load_qrels(dir: &Path, split: &str, corpus: &Texts, queries: &Texts) -> Result<Qrels> {
    let path = qrels_path(dir, split);
    if !path.is_file() {
        let have = splits(dir);
        return Err(Error::InvalidArgument(format!(
            "{}: missing qrels for split `{split}` (available splits: {}; choose one with --split)",
            path.display(),
            if have.is_empty() {
                "none".to_string()
            } else {
                have.join(", ")
            }
        )));
    }
    let mut by_query: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
    // Read line by line: a large qrels file is never held whole.
    for line in numbered_lines(&path, open_reader(&path)?) {
        let (n, line) = line?;
        let line = if n == 1 {
            line.trim_start_matches('\u{feff}') // a TSV may start with a UTF-8 BOM
        } else {
            line.as_str()
        };
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| Error::Data {
            path: path.clone(),
            line: n,
            message,
        };
        let (q, d, score) = match parse_row(line) {
            Ok(row) => row,
            Err(_) if n == 1 => continue, // the header line, e.g. `query-id corpus-id score`
            Err(e) => return Err(err(e)),
        };
        let qi = queries
            .position(q)
            .ok_or_else(|| err(format!("query-id `{q}` is not in queries.jsonl")))?;
        let di = corpus
            .position(d)
            .ok_or_else(|| err(format!("corpus-id `{d}` is not in corpus.jsonl")))?;
        by_query.entry(qi).or_default().push((di, score));
    }
    let mut judged: Vec<(u32, Judgements)> = by_query
        .into_iter()
        .map(|(q, pairs)| (q, Judgements::new(pairs)))
        .collect();
    judged.sort_by_key(|&(q, _)| q);
    let total = judged.len();
    let (queries, judgements): (Vec<u32>, Vec<Judgements>) =
        judged.into_iter().filter(|(_, j)| j.has_relevant()).unzip();
    if queries.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{}: no query has a relevant judgement (score ≥ 1)",
            path.display()
        )));
    }
    Ok(Qrels {
        skipped_queries: total - queries.len(),
        queries,
        judgements,
    })
}

/// A BEIR set loaded for one split.
#[derive(Debug, Clone)]
pub struct BeirSet {
    /// Its name: the directory's name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// The documents.
    pub corpus: Texts,
    /// Every query of `queries.jsonl`.
    pub queries: Texts,
    /// The judgements of the split.
    pub qrels: Qrels,
}

/// Loads a set and the judgements of one split.
pub fn load(dir: &Path, split: &str) -> Result<BeirSet> {
    let corpus = load_texts(dir, "corpus")?;
    let queries = load_texts(dir, "queries")?;
    let qrels = load_qrels(dir, split, &corpus, &queries)?;
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    Ok(BeirSet {
        name,
        dir: dir.to_path_buf(),
        corpus,
        queries,
        qrels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qrels_rows() {
        assert_eq!(parse_row("q1\td1\t2"), Ok(("q1", "d1", 2)));
        assert_eq!(parse_row("q1\td1\t0\r"), Ok(("q1", "d1", 0)));
        assert!(
            parse_row("q1\td1\tx")
                .unwrap_err()
                .contains("not an integer")
        );
        assert!(parse_row("q1\td1\t-1").unwrap_err().contains("≥ 0"));
        assert!(
            parse_row("q1 d1 1")
                .unwrap_err()
                .contains("3 tab-separated")
        );
    }
}
