//! Where a pretrained model's files are: a directory in the Hugging Face layout, or a
//! repository id resolved through the local hub cache (then the Hub) exactly as tokenizer names
//! are ([`crate::tokenizer::hub`]).

use std::path::{Path, PathBuf};

use crate::tokenizer::{hub, hub_cache};
use crate::{Error, Result};

/// The files of one model.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// The model as the user named it.
    pub spec: String,
    /// `config.json`.
    pub config: PathBuf,
    /// `model.safetensors`, or every shard listed by `model.safetensors.index.json`.
    pub weights: Vec<PathBuf>,
    /// The model's own `tokenizer.json`.
    pub tokenizer: PathBuf,
    /// sentence-transformers' pooling module config (`1_Pooling/config.json`), when the model
    /// has a `modules.json` that lists one.
    pub pooling_config: Option<PathBuf>,
    /// sentence-transformers' `sentence_bert_config.json`, when present.
    pub sentence_bert_config: Option<PathBuf>,
}

/// Where the files come from: a directory, or a hub repository at the current revision.
enum Source<'a> {
    Dir(&'a Path),
    Repo(&'a str),
}

impl Source<'_> {
    /// A file the model must have.
    fn required(&self, file: &str, spec: &str) -> Result<PathBuf> {
        match self {
            Source::Dir(d) => {
                let p = d.join(file);
                if p.is_file() {
                    Ok(p)
                } else {
                    Err(Error::Model(format!(
                        "{spec}: missing `{file}` (looked for {})",
                        p.display()
                    )))
                }
            }
            Source::Repo(r) => Ok(hub::resolve_file(r, &hub::revision(), file)?),
        }
    }

    /// A file the model may have: `None` when it has not (or, offline, the cache has not).
    fn optional(&self, file: &str) -> Result<Option<PathBuf>> {
        match self {
            Source::Dir(d) => Ok(Some(d.join(file)).filter(|p| p.is_file())),
            Source::Repo(r) => match hub::resolve_file(r, &hub::revision(), file) {
                Ok(p) => Ok(Some(p)),
                Err(e) if e.is_not_found() || matches!(e, hub::HubError::FileNotFound { .. }) => {
                    Ok(None)
                }
                Err(e) => Err(e.into()),
            },
        }
    }
}

/// Resolves `spec` (a directory, or a hub repository id such as
/// `sentence-transformers/all-MiniLM-L6-v2`) to the model's files.
pub fn resolve(spec: &str) -> Result<ModelFiles> {
    let dir = Path::new(spec);
    let source = if dir.is_dir() {
        Source::Dir(dir)
    } else if dir.exists() {
        return Err(Error::InvalidArgument(format!(
            "--pretrained {spec}: not a directory (give the model's directory, with config.json, model.safetensors and tokenizer.json)"
        )));
    } else if hub_cache::is_repo_id(spec) {
        Source::Repo(spec)
    } else {
        return Err(Error::InvalidArgument(format!(
            "--pretrained {spec}: no such directory, and not a Hugging Face model id"
        )));
    };
    let config = source.required("config.json", spec)?;
    let weights = match source.optional("model.safetensors")? {
        Some(p) => vec![p],
        None => match source.optional("model.safetensors.index.json")? {
            Some(index) => shards(&index, &source, spec)?,
            None => {
                return Err(Error::Model(format!(
                    "{spec}: no weights: neither `model.safetensors` nor `model.safetensors.index.json` (only safetensors weights are read)"
                )));
            }
        },
    };
    let pooling_config = match source.optional("modules.json")? {
        Some(m) => pooling_module(&m)?
            .map(|dir| source.required(&format!("{dir}/config.json"), spec))
            .transpose()?,
        None => None,
    };
    Ok(ModelFiles {
        spec: spec.to_string(),
        config,
        weights,
        tokenizer: source.required("tokenizer.json", spec)?,
        pooling_config,
        sentence_bert_config: source.optional("sentence_bert_config.json")?,
    })
}

/// sentence-transformers modules tokstat runs: the transformer itself, pooling, and L2
/// normalisation (which cosine similarity makes a no-op).
const KNOWN_MODULES: &[&str] = &["Transformer", "Pooling", "Normalize"];

/// The directory of the pooling module listed in a sentence-transformers `modules.json`; an
/// error for a module tokstat does not run (a `Dense` projection, say), since embeddings
/// without it would not be the model's.
fn pooling_module(modules: &Path) -> Result<Option<String>> {
    #[derive(serde::Deserialize)]
    struct Module {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        path: String,
    }
    let list: Vec<Module> = read_json(modules)?;
    let mut pooling = None;
    for m in list {
        let short = m.kind.rsplit('.').next().unwrap_or(&m.kind);
        if !KNOWN_MODULES.contains(&short) {
            return Err(Error::Model(format!(
                "{}: module `{}` is not supported (tokstat runs {})",
                modules.display(),
                m.kind,
                KNOWN_MODULES.join(", ")
            )));
        }
        if short == "Pooling" {
            if m.path.contains("..") || m.path.starts_with('/') {
                return Err(Error::Model(format!(
                    "{}: module path `{}` leaves the model directory",
                    modules.display(),
                    m.path
                )));
            }
            pooling = Some(m.path);
        }
    }
    Ok(pooling)
}

/// The shard files named by a `model.safetensors.index.json`, each once, in first-use order.
fn shards(index: &Path, source: &Source, spec: &str) -> Result<Vec<PathBuf>> {
    let json: serde_json::Value = read_json(index)?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| Error::Model(format!("{}: no `weight_map` object", index.display())))?;
    let mut names: Vec<&str> = Vec::new();
    for v in map.values() {
        let f = v.as_str().ok_or_else(|| {
            Error::Model(format!(
                "{}: `weight_map` values must be file names",
                index.display()
            ))
        })?;
        if f.contains("..") || f.starts_with('/') {
            return Err(Error::Model(format!(
                "{}: shard name `{f}` leaves the model directory",
                index.display()
            )));
        }
        if !names.contains(&f) {
            names.push(f);
        }
    }
    if names.is_empty() {
        return Err(Error::Model(format!(
            "{}: `weight_map` is empty",
            index.display()
        )));
    }
    names.iter().map(|f| source.required(f, spec)).collect()
}

/// Reads and parses a JSON file, naming it in every error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    crate::input::reject_json_bom(path, text.as_bytes())?;
    serde_json::from_str(&text).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })
}
