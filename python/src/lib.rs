//! The `tokstat._tokstat` extension module: thin bindings over the tokstat library. Every
//! computation is the library's (the same accumulate / merge / finish code as the command line);
//! reports cross into Python as their JSON text, which `tokstat/__init__.py` parses, so a report
//! is the very dict the CLI's `--format json` prints. Work runs with the GIL released.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tokstat::compare::{self, CompareOptions, ComparePartial, PlannedInput};
use tokstat::input::WalkOptions;
use tokstat::parity::{self, ParallelCorpus, ParityPartial};
use tokstat::tokenizer::{self, Tokenizer};
use tokstat::vocab::{self, VocabOptions, VocabPartial};

create_exception!(
    _tokstat,
    TokstatError,
    PyValueError,
    "An error of tokstat: its message is the one the command line prints."
);

/// A library error as a Python exception with the CLI's message.
fn err(e: tokstat::Error) -> PyErr {
    TokstatError::new_err(format!("{:#}", anyhow::Error::from(e)))
}

fn json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| err(e.into()))
}

/// Tokenizer specs (names, aliases, paths; comma lists allowed), the default trio when empty.
fn specs(tokenizers: Option<Vec<String>>) -> Vec<String> {
    let given = tokenizer::split_specs(&tokenizers.unwrap_or_default());
    if given.is_empty() {
        tokenizer::DEFAULT_TRIO
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        given
    }
}

/// Loads tokenizers, once per spec and process (a Spark worker runs many tasks).
fn load(py: Python<'_>, specs: &[String]) -> PyResult<Vec<Arc<dyn Tokenizer>>> {
    type Cache = Mutex<HashMap<Vec<String>, Vec<Arc<dyn Tokenizer>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(t) = cache.lock().ok().and_then(|c| c.get(specs).cloned()) {
        return Ok(t);
    }
    let toks = py.detach(|| tokenizer::load_many(specs)).map_err(err)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(specs.to_vec(), toks.clone());
    }
    Ok(toks)
}

/// Options of a comparison as the CLI builds them.
fn compare_options(
    paths: Vec<String>,
    lang: Option<&str>,
    lossy: bool,
    no_ignore: bool,
    strict: bool,
) -> PyResult<CompareOptions> {
    let (lang, text_only) = compare::parse_lang_option(lang).map_err(err)?;
    Ok(CompareOptions {
        paths,
        lang,
        text_only,
        lossy,
        strict,
        walk: WalkOptions {
            no_ignore,
            max_depth: None,
        },
        ..Default::default()
    })
}

/// Encodes `text`; returns (ids, tokens, offsets) without special tokens unless asked.
#[pyfunction]
#[pyo3(signature = (text, tokenizer = "modernbert", add_special_tokens = false))]
#[allow(clippy::type_complexity)]
fn encode(
    py: Python<'_>,
    text: &str,
    tokenizer: &str,
    add_special_tokens: bool,
) -> PyResult<(Vec<u32>, Vec<String>, Vec<(usize, usize)>)> {
    let tok = load(py, &[tokenizer.to_string()])?.remove(0);
    let enc = py
        .detach(|| tok.encode(text, add_special_tokens))
        .map_err(|e| {
            // The CLI's context line, so the message is the same.
            let e = anyhow::Error::from(e).context(format!("encoding with {}", tok.name()));
            TokstatError::new_err(format!("{e:#}"))
        })?;
    Ok((enc.ids, enc.tokens, enc.offsets))
}

/// Walks `paths` and returns every entry as JSON text, with its ordinal.
#[pyfunction]
#[pyo3(signature = (paths, no_ignore = false))]
fn plan(py: Python<'_>, paths: Vec<String>, no_ignore: bool) -> PyResult<Vec<String>> {
    let opts = compare_options(paths, None, false, no_ignore, false)?;
    let planned = py.detach(|| compare::plan(&opts)).map_err(err)?;
    planned.iter().map(json).collect()
}

/// The partial state of a comparison (see `tokstat.Partial`).
#[pyclass(module = "tokstat._tokstat")]
struct ComparePartialPy {
    specs: Vec<String>,
    toks: Option<Vec<Arc<dyn Tokenizer>>>,
    opts: CompareOptions,
    state: Option<ComparePartial>,
    next_ordinal: u64,
}

impl ComparePartialPy {
    fn toks(&mut self, py: Python<'_>) -> PyResult<Vec<Arc<dyn Tokenizer>>> {
        if self.toks.is_none() {
            self.toks = Some(load(py, &self.specs)?);
        }
        Ok(self.toks.clone().unwrap_or_default())
    }

    fn state(&mut self, py: Python<'_>) -> PyResult<&mut ComparePartial> {
        if self.state.is_none() {
            let toks = self.toks(py)?;
            self.state = Some(ComparePartial::new(&toks, self.opts.chunk_bytes));
        }
        Ok(self.state.get_or_insert_with(unreachable_state))
    }
}

fn unreachable_state() -> ComparePartial {
    ComparePartial::new(&[], compare::DEFAULT_CHUNK_BYTES)
}

#[pymethods]
impl ComparePartialPy {
    #[new]
    #[pyo3(signature = (tokenizers = None, lang = None, lossy = false, no_ignore = false, strict = false))]
    fn new(
        tokenizers: Option<Vec<String>>,
        lang: Option<&str>,
        lossy: bool,
        no_ignore: bool,
        strict: bool,
    ) -> PyResult<Self> {
        Ok(ComparePartialPy {
            specs: specs(tokenizers),
            toks: None,
            opts: compare_options(Vec::new(), lang, lossy, no_ignore, strict)?,
            state: None,
            next_ordinal: 0,
        })
    }

    /// Adds texts given as (name, text) pairs, with ordinals after the ones used so far.
    fn update_texts(&mut self, py: Python<'_>, texts: Vec<(String, String)>) -> PyResult<()> {
        let toks = self.toks(py)?;
        let start = self.next_ordinal;
        self.next_ordinal += texts.len() as u64;
        let items: Vec<(u64, String, String)> = texts
            .into_iter()
            .enumerate()
            .map(|(i, (n, t))| (start + i as u64, n, t))
            .collect();
        let opts = self.opts.clone();
        let state = self.state(py)?;
        py.detach(|| compare::add_texts(state, items, &opts, &toks))
            .map_err(err)
    }

    /// Adds planned inputs (JSON text from `plan`).
    fn update_planned(&mut self, py: Python<'_>, inputs: Vec<String>) -> PyResult<()> {
        let planned = inputs
            .iter()
            .map(|s| serde_json::from_str::<PlannedInput>(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TokstatError::new_err(format!("not a planned input: {e}")))?;
        self.next_ordinal = self
            .next_ordinal
            .max(planned.iter().map(|p| p.ordinal + 1).max().unwrap_or(0));
        let toks = self.toks(py)?;
        let opts = self.opts.clone();
        let state = self.state(py)?;
        py.detach(|| compare::add_planned(state, &planned, &opts, &toks))
            .map_err(err)
    }

    /// Merges another state of the same comparison into this one.
    fn merge(&mut self, py: Python<'_>, other: &mut ComparePartialPy) -> PyResult<()> {
        let theirs = other.state(py)?.clone();
        self.next_ordinal = self.next_ordinal.max(other.next_ordinal);
        let state = self.state(py)?;
        py.detach(|| state.merge(&theirs)).map_err(err)
    }

    /// The serialised state.
    #[pyo3(name = "to_bytes")]
    fn serialise<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.state(py)?.to_bytes().map_err(err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Reads a serialised state; `tokenizers` default to the names stored in it.
    #[staticmethod]
    #[pyo3(signature = (data, tokenizers = None))]
    fn from_bytes(data: &[u8], tokenizers: Option<Vec<String>>) -> PyResult<Self> {
        let state = ComparePartial::from_bytes(data).map_err(err)?;
        let specs = match tokenizers {
            Some(t) => specs(Some(t)),
            None => state.tokenizers().to_vec(),
        };
        Ok(ComparePartialPy {
            specs,
            toks: None,
            opts: CompareOptions::default(),
            state: Some(state),
            next_ordinal: 0,
        })
    }

    /// Inputs analysed so far.
    #[getter]
    fn files(&mut self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.state(py)?.files())
    }

    /// The report as JSON text (the state is kept).
    fn finish(&mut self, py: Python<'_>) -> PyResult<String> {
        let toks = self.toks(py)?;
        let state = self.state(py)?.clone();
        let report = py.detach(|| state.finish(&toks)).map_err(err)?;
        json(&report)
    }
}

/// Runs a whole comparison over paths; the report as JSON text.
#[pyfunction]
#[pyo3(signature = (paths, tokenizers = None, lang = None, lossy = false, no_ignore = false, strict = false))]
fn compare_paths(
    py: Python<'_>,
    paths: Vec<String>,
    tokenizers: Option<Vec<String>>,
    lang: Option<&str>,
    lossy: bool,
    no_ignore: bool,
    strict: bool,
) -> PyResult<String> {
    let opts = compare_options(paths, lang, lossy, no_ignore, strict)?;
    let toks = load(py, &specs(tokenizers))?;
    let report = py
        .detach(|| compare::compare_with(&opts, &toks))
        .map_err(err)?;
    json(&report)
}

/// A parallel corpus and the tokenizers a parity state measures it with.
type LoadedCorpus = (Arc<ParallelCorpus>, Vec<Arc<dyn Tokenizer>>);

/// The partial state of a parity measurement (see `tokstat.ParityPartial`).
#[pyclass(module = "tokstat._tokstat")]
struct ParityPartialPy {
    dir: Option<PathBuf>,
    specs: Vec<String>,
    pivot: String,
    loaded: Option<LoadedCorpus>,
    state: Option<ParityPartial>,
}

impl ParityPartialPy {
    fn loaded(&mut self, py: Python<'_>) -> PyResult<LoadedCorpus> {
        if self.loaded.is_none() {
            let dir = self.dir.clone();
            let corpus = py
                .detach(|| {
                    let d = parity::resolve_corpus_dir(dir.as_deref())?;
                    ParallelCorpus::load(&d)
                })
                .map_err(err)?;
            let toks = load(py, &self.specs)?;
            self.loaded = Some((Arc::new(corpus), toks));
        }
        Ok(self.loaded.clone().unwrap_or_else(|| unreachable!()))
    }
}

#[pymethods]
impl ParityPartialPy {
    #[new]
    #[pyo3(signature = (dir = None, tokenizers = None, pivot = parity::DEFAULT_PIVOT))]
    fn new(
        py: Python<'_>,
        dir: Option<PathBuf>,
        tokenizers: Option<Vec<String>>,
        pivot: &str,
    ) -> PyResult<Self> {
        let mut p = ParityPartialPy {
            dir,
            specs: specs(tokenizers),
            pivot: pivot.to_string(),
            loaded: None,
            state: None,
        };
        let (corpus, toks) = p.loaded(py)?;
        p.state = Some(ParityPartial::new(&corpus, &toks, &p.pivot).map_err(err)?);
        Ok(p)
    }

    /// Lines per file of the corpus.
    #[getter]
    fn lines(&mut self, py: Python<'_>) -> PyResult<usize> {
        Ok(ParityPartial::lines_of(&self.loaded(py)?.0))
    }

    /// Measures the given line indices.
    fn update(&mut self, py: Python<'_>, lines: Vec<usize>) -> PyResult<()> {
        let (corpus, toks) = self.loaded(py)?;
        let Some(state) = self.state.as_mut() else {
            return Err(TokstatError::new_err("parity state missing"));
        };
        py.detach(|| state.add_lines(&corpus, &toks, &lines))
            .map_err(err)
    }

    /// Merges another state over other lines of the same measurement.
    fn merge(&mut self, other: &ParityPartialPy) -> PyResult<()> {
        match (self.state.as_mut(), other.state.as_ref()) {
            (Some(a), Some(b)) => a.merge(b).map_err(err),
            _ => Err(TokstatError::new_err("parity state missing")),
        }
    }

    /// The serialised state.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let state = self
            .state
            .as_ref()
            .ok_or_else(|| TokstatError::new_err("parity state missing"))?;
        Ok(PyBytes::new(py, &state.to_bytes().map_err(err)?))
    }

    /// Reads a serialised state (it can be merged and finished; `update` needs the corpus).
    #[staticmethod]
    #[pyo3(signature = (data, dir = None, tokenizers = None))]
    fn from_bytes(
        data: &[u8],
        dir: Option<PathBuf>,
        tokenizers: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let state = ParityPartial::from_bytes(data).map_err(err)?;
        Ok(ParityPartialPy {
            dir,
            specs: specs(tokenizers),
            pivot: state.pivot().to_string(),
            loaded: None,
            state: Some(state),
        })
    }

    /// The report as JSON text.
    #[pyo3(signature = (worst = parity::DEFAULT_WORST))]
    fn finish(&self, worst: usize) -> PyResult<String> {
        let state = self
            .state
            .as_ref()
            .ok_or_else(|| TokstatError::new_err("parity state missing"))?;
        json(&state.finish(worst).map_err(err)?)
    }
}

/// Runs a whole parity measurement; the report as JSON text.
#[pyfunction]
#[pyo3(signature = (dir = None, tokenizers = None, pivot = parity::DEFAULT_PIVOT, worst = parity::DEFAULT_WORST))]
fn parity_report(
    py: Python<'_>,
    dir: Option<PathBuf>,
    tokenizers: Option<Vec<String>>,
    pivot: &str,
    worst: usize,
) -> PyResult<String> {
    let options = parity::ParityOptions {
        dir,
        tokenizers: specs(tokenizers),
        pivot: pivot.to_string(),
        worst,
    };
    let report = py.detach(|| parity::parity(&options)).map_err(err)?;
    json(&report)
}

/// Options of a vocabulary audit as the CLI builds them (`corpus` is not read by `finish`).
fn vocab_options(specs: Vec<String>, models: Option<Vec<String>>, examples: usize) -> VocabOptions {
    VocabOptions {
        tokenizers: specs,
        models: tokenizer::split_specs(&models.unwrap_or_default()),
        examples,
        ..VocabOptions::default()
    }
}

/// Walks `paths` as `vocab --corpus` does; every entry as JSON text, with its ordinal.
#[pyfunction]
#[pyo3(signature = (paths, no_ignore = false))]
fn vocab_plan(py: Python<'_>, paths: Vec<PathBuf>, no_ignore: bool) -> PyResult<Vec<String>> {
    let walk = WalkOptions {
        no_ignore,
        max_depth: None,
    };
    let planned = py.detach(|| vocab::plan(&paths, walk)).map_err(err)?;
    planned.iter().map(json).collect()
}

/// The partial state of `vocab --corpus` (see `tokstat.VocabPartial`).
#[pyclass(module = "tokstat._tokstat")]
struct VocabPartialPy {
    toks: Vec<Arc<dyn Tokenizer>>,
    state: VocabPartial,
}

#[pymethods]
impl VocabPartialPy {
    #[new]
    #[pyo3(signature = (tokenizers = None))]
    fn new(py: Python<'_>, tokenizers: Option<Vec<String>>) -> PyResult<Self> {
        let names =
            vocab::canonical_specs(&vocab_options(specs(tokenizers), None, 0)).map_err(err)?;
        let toks = load(py, &names)?;
        let state = VocabPartial::new(&names, &toks);
        Ok(VocabPartialPy { toks, state })
    }

    /// Counts the ids of in-memory texts (one per file).
    fn update_texts(&mut self, py: Python<'_>, texts: Vec<String>) -> PyResult<()> {
        let (state, toks) = (&mut self.state, &self.toks);
        py.detach(|| state.update(toks, &texts)).map_err(err)
    }

    /// Reads and counts planned entries (JSON text from `vocab_plan`).
    fn update_planned(&mut self, py: Python<'_>, entries: Vec<String>) -> PyResult<()> {
        let planned = entries
            .iter()
            .map(|s| serde_json::from_str::<vocab::CorpusEntry>(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TokstatError::new_err(format!("not a planned corpus entry: {e}")))?;
        let (state, toks) = (&mut self.state, &self.toks);
        py.detach(|| state.add_planned(toks, &planned)).map_err(err)
    }

    /// Merges another state of the same tokenizers into this one.
    fn merge(&mut self, py: Python<'_>, other: &VocabPartialPy) -> PyResult<()> {
        let (state, theirs) = (&mut self.state, &other.state);
        py.detach(|| state.merge(theirs)).map_err(err)
    }

    /// The serialised state.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.state.to_bytes()).map_err(err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Reads a serialised state (its tokenizers are loaded by the names stored in it).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let state = py.detach(|| VocabPartial::from_bytes(data)).map_err(err)?;
        let toks = load(py, state.tokenizers())?;
        Ok(VocabPartialPy { toks, state })
    }

    /// Files counted so far.
    #[getter]
    fn files(&self) -> u64 {
        self.state.files()
    }

    /// The report of `vocab --corpus ... --examples EXAMPLES [--model ...]` as JSON text.
    #[pyo3(signature = (examples = 5, models = None))]
    fn finish(
        &self,
        py: Python<'_>,
        examples: usize,
        models: Option<Vec<String>>,
    ) -> PyResult<String> {
        let opts = vocab_options(self.state.tokenizers().to_vec(), models, examples);
        let report = py.detach(|| self.state.finish(&opts)).map_err(err)?;
        json(&report)
    }
}

/// Runs a whole vocabulary audit (`tokstat vocab`); the report as JSON text.
#[pyfunction]
#[pyo3(signature = (tokenizers = None, corpus = None, models = None, examples = 5, no_ignore = false))]
fn vocab_report(
    py: Python<'_>,
    tokenizers: Option<Vec<String>>,
    corpus: Option<Vec<PathBuf>>,
    models: Option<Vec<String>>,
    examples: usize,
    no_ignore: bool,
) -> PyResult<String> {
    let mut opts = vocab_options(specs(tokenizers), models, examples);
    opts.corpus = corpus.unwrap_or_default();
    opts.walk.no_ignore = no_ignore;
    let report = py.detach(|| vocab::audit(&opts)).map_err(err)?;
    json(&report)
}

/// Exact parameter budgets; the report as JSON text.
#[pyfunction]
#[pyo3(signature = (models = None, head = "base", vocab_sizes = None, fixed_total = None, attention_seqs = None, tensors = false))]
fn budget_report(
    models: Option<Vec<String>>,
    head: &str,
    vocab_sizes: Option<Vec<String>>,
    fixed_total: Option<String>,
    attention_seqs: Option<Vec<String>>,
    tensors: bool,
) -> PyResult<String> {
    let count = |s: &String| {
        tokstat::units::parse_count(s).map_err(|e| TokstatError::new_err(e.to_string()))
    };
    let head = match head {
        "base" => tokstat::budget::Head::Base,
        "mlm" => tokstat::budget::Head::Mlm,
        other => {
            return Err(TokstatError::new_err(format!(
                "invalid value '{other}' for head: possible values: base, mlm"
            )));
        }
    };
    let options = tokstat::budget::BudgetOptions {
        models: models.unwrap_or_default(),
        head,
        vocab_sizes: vocab_sizes
            .unwrap_or_default()
            .iter()
            .map(count)
            .collect::<PyResult<_>>()?,
        fixed_total: fixed_total.as_ref().map(count).transpose()?,
        attention_seqs: attention_seqs
            .unwrap_or_default()
            .iter()
            .map(count)
            .collect::<PyResult<_>>()?,
        show_tensors: tensors,
    };
    json(&tokstat::budget::budget(&options).map_err(err)?)
}

#[pymodule]
fn _tokstat(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A panic inside the tokenizers library becomes a `TokstatError`, without a panic message.
    tokstat::tokenizer::quiet_guarded_panics();
    m.add("TokstatError", m.py().get_type::<TokstatError>())?;
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(compare_paths, m)?)?;
    m.add_function(wrap_pyfunction!(parity_report, m)?)?;
    m.add_function(wrap_pyfunction!(budget_report, m)?)?;
    m.add_class::<ComparePartialPy>()?;
    m.add_class::<ParityPartialPy>()?;
    m.add_function(wrap_pyfunction!(vocab_plan, m)?)?;
    m.add_function(wrap_pyfunction!(vocab_report, m)?)?;
    m.add_class::<VocabPartialPy>()?;
    Ok(())
}
