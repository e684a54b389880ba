//! Model configurations: the bundled presets and any Hugging Face `config.json`.
//!
//! A [`ModelConfig`] holds exactly the values that decide how many parameters an encoder has.
//! It is read from a `config.json` as `transformers` writes it; the bundled presets are the
//! models' real `config.json` files (see `assets/configs/SOURCES.md`), embedded in the binary.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result};

/// The `model_type` values tokstat can count, and the HF model classes they stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ModelType {
    /// `bert`: `BertModel` / `BertForMaskedLM`.
    Bert,
    /// `roberta`: `RobertaModel` / `RobertaForMaskedLM`.
    Roberta,
    /// `xlm-roberta`: `XLMRobertaModel` / `XLMRobertaForMaskedLM` (the same modules as RoBERTa).
    XlmRoberta,
    /// `modernbert`: `ModernBertModel` / `ModernBertForMaskedLM`.
    #[serde(rename = "modernbert")]
    ModernBert,
}

impl ModelType {
    /// The `model_type` string of a `config.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelType::Bert => "bert",
            ModelType::Roberta => "roberta",
            ModelType::XlmRoberta => "xlm-roberta",
            ModelType::ModernBert => "modernbert",
        }
    }

    /// Parses a `model_type` string (`xlm_roberta` is accepted for `xlm-roberta`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bert" => Some(ModelType::Bert),
            "roberta" => Some(ModelType::Roberta),
            "xlm-roberta" | "xlm_roberta" => Some(ModelType::XlmRoberta),
            "modernbert" => Some(ModelType::ModernBert),
            _ => None,
        }
    }

    /// Whether the model is built from BERT's modules (BERT, RoBERTa, XLM-R).
    pub fn is_bert_family(self) -> bool {
        !matches!(self, ModelType::ModernBert)
    }
}

impl std::fmt::Display for ModelType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How token positions enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PositionEmbedding {
    /// A learned table of `max_position_embeddings × hidden_size` (BERT, RoBERTa, XLM-R).
    Absolute,
    /// BERT's `relative_key` / `relative_key_query`: the absolute table plus, in every layer, a
    /// `distance_embedding` of `(2·max_position_embeddings − 1) × head_dim`.
    Relative,
    /// Rotary position embeddings (RoPE) inside attention: no learned parameters
    /// (ModernBERT; jina-XLM-RoBERTa's `position_embedding_type: "rotary"`).
    Rotary,
}

/// The architecture values of one encoder, read from its `config.json`.
///
/// Field names follow `transformers`; `num_layers` is `num_hidden_layers` and `num_heads` is
/// `num_attention_heads`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ModelConfig {
    /// Preset name, or the path as given.
    pub name: String,
    /// `model_type`.
    pub model_type: ModelType,
    /// `vocab_size`: rows of the word-embedding matrix.
    pub vocab_size: u64,
    /// `hidden_size` (H).
    pub hidden_size: u64,
    /// `num_hidden_layers` (L).
    pub num_layers: u64,
    /// `num_attention_heads`.
    pub num_heads: u64,
    /// `intermediate_size` (I): MLP width (ModernBERT's `Wi` projects to 2·I for GeGLU).
    pub intermediate_size: u64,
    /// `max_position_embeddings` (rows of the absolute position table when there is one).
    pub max_position_embeddings: u64,
    /// `type_vocab_size` (rows of the token-type table; 0 for ModernBERT).
    pub type_vocab_size: u64,
    /// How positions are encoded.
    pub position_embedding: PositionEmbedding,
    /// ModernBERT `attention_bias` (always true for the BERT family).
    pub attention_bias: bool,
    /// ModernBERT `mlp_bias` (always true for the BERT family).
    pub mlp_bias: bool,
    /// ModernBERT `norm_bias`: LayerNorms with a bias (always true for the BERT family).
    pub norm_bias: bool,
    /// ModernBERT `classifier_bias`: bias of the MLM head's dense layer (true for the BERT family).
    pub classifier_bias: bool,
    /// `decoder_bias`: output bias of the MLM decoder (true for the BERT family).
    pub decoder_bias: bool,
    /// `tie_word_embeddings`: the MLM decoder shares the word-embedding matrix.
    pub tie_word_embeddings: bool,
    /// ModernBERT `global_attn_every_n_layers` (layer i is global when i mod n = 0).
    pub global_attn_every_n_layers: Option<u64>,
    /// ModernBERT `local_attention`: sliding-window width in tokens (±width/2 around each token).
    pub local_attention: Option<u64>,
}

/// A bundled preset: canonical name, the HF model it is, and its `config.json`.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// Name used on the command line.
    pub name: &'static str,
    /// Hugging Face model id of the source.
    pub hf_id: &'static str,
    /// The `config.json` text.
    pub config_json: &'static str,
}

/// The bundled model presets (their sources are in `assets/configs/SOURCES.md`).
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "bert-base-uncased",
        hf_id: "google-bert/bert-base-uncased",
        config_json: include_str!("../../assets/configs/bert-base-uncased.json"),
    },
    Preset {
        name: "bert-large-uncased",
        hf_id: "google-bert/bert-large-uncased",
        config_json: include_str!("../../assets/configs/bert-large-uncased.json"),
    },
    Preset {
        name: "bert-base-multilingual-cased",
        hf_id: "google-bert/bert-base-multilingual-cased",
        config_json: include_str!("../../assets/configs/bert-base-multilingual-cased.json"),
    },
    Preset {
        name: "roberta-base",
        hf_id: "FacebookAI/roberta-base",
        config_json: include_str!("../../assets/configs/roberta-base.json"),
    },
    Preset {
        name: "roberta-large",
        hf_id: "FacebookAI/roberta-large",
        config_json: include_str!("../../assets/configs/roberta-large.json"),
    },
    Preset {
        name: "xlm-roberta-base",
        hf_id: "FacebookAI/xlm-roberta-base",
        config_json: include_str!("../../assets/configs/xlm-roberta-base.json"),
    },
    Preset {
        name: "xlm-roberta-large",
        hf_id: "FacebookAI/xlm-roberta-large",
        config_json: include_str!("../../assets/configs/xlm-roberta-large.json"),
    },
    Preset {
        name: "jina-xlm-roberta",
        hf_id: "jinaai/xlm-roberta-flash-implementation (backbone of jinaai/jina-embeddings-v3)",
        config_json: include_str!("../../assets/configs/jina-xlm-roberta.json"),
    },
    Preset {
        name: "modernbert-base",
        hf_id: "answerdotai/ModernBERT-base",
        config_json: include_str!("../../assets/configs/modernbert-base.json"),
    },
    Preset {
        name: "modernbert-large",
        hf_id: "answerdotai/ModernBERT-large",
        config_json: include_str!("../../assets/configs/modernbert-large.json"),
    },
];

/// Largest `vocab_size` (and `type_vocab_size`) accepted.
pub const MAX_VOCAB: u64 = 10_000_000_000;
/// Largest `hidden_size` (and head count) accepted.
pub const MAX_HIDDEN: u64 = 1_000_000;
/// Largest `intermediate_size` accepted.
pub const MAX_INTERMEDIATE: u64 = 10_000_000;
/// Largest `num_hidden_layers` accepted.
pub const MAX_LAYERS: u64 = 10_000;
/// Largest `max_position_embeddings` accepted.
pub const MAX_POSITIONS: u64 = 1_000_000_000;

/// The fields tokstat reads from a `config.json`, for error messages.
pub const REQUIRED_FIELDS: &str = "model_type (bert, roberta, xlm-roberta or modernbert), \
vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size; \
BERT-style models also use max_position_embeddings, type_vocab_size, position_embedding_type, \
tie_word_embeddings; ModernBERT also uses attention_bias, mlp_bias, norm_bias, classifier_bias, \
decoder_bias, global_attn_every_n_layers, local_attention";

impl ModelConfig {
    /// Loads a bundled preset by name (case-insensitive), a `config.json` from a path (a
    /// directory is read as `DIR/config.json`), or the `config.json` of a Hugging Face
    /// repository id from the local cache or the Hub (see [`crate::tokenizer::hub`]).
    ///
    /// ```
    /// let c = tokstat::budget::ModelConfig::load("roberta-large")?;
    /// assert_eq!((c.hidden_size, c.num_layers, c.vocab_size), (1024, 24, 50265));
    /// # Ok::<(), tokstat::Error>(())
    /// ```
    pub fn load(spec: &str) -> Result<ModelConfig> {
        if let Some(p) = preset(spec) {
            let value: Value = serde_json::from_str(p.config_json).map_err(|e| Error::Config {
                path: PathBuf::from(p.name),
                message: format!("bundled config.json does not parse: {e}"),
            })?;
            return ModelConfig::from_value(p.name, Path::new(p.name), &value);
        }
        let path = Path::new(spec);
        if !path.exists() && crate::tokenizer::hub_cache::is_repo_id(spec) {
            let file = crate::tokenizer::hub::resolve_file(
                spec,
                &crate::tokenizer::hub::revision(),
                "config.json",
            )
            .map_err(|e| match e.is_not_found() {
                // The name may be a typo of a preset: say both.
                true => Error::Config {
                    path: path.to_path_buf(),
                    message: format!(
                        "not a file, not a bundled model preset (known: {}), and {e}",
                        preset_names().join(", ")
                    ),
                },
                false => e.into(),
            })?;
            return ModelConfig::from_file(&file, spec);
        }
        if !path.exists() {
            return Err(Error::Config {
                path: path.to_path_buf(),
                message: format!(
                    "no such file, and not a bundled model preset (known: {})",
                    preset_names().join(", ")
                ),
            });
        }
        let file = if path.is_dir() {
            path.join("config.json")
        } else {
            path.to_path_buf()
        };
        ModelConfig::from_file(&file, spec)
    }

    /// Reads a `config.json` file; `name` is what reports call the model.
    pub fn from_file(path: &Path, name: &str) -> Result<ModelConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        crate::input::reject_json_bom(path, text.as_bytes())?;
        let value: Value = serde_json::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: format!("not valid JSON: {e}"),
        })?;
        ModelConfig::from_value(name, path, &value)
    }

    /// Reads the architecture values from parsed `config.json` contents.
    ///
    /// Missing optional fields take the defaults of the `transformers` config class
    /// (`BertConfig`: `max_position_embeddings` 512, `type_vocab_size` 2, absolute positions,
    /// tied decoder; `ModernBertConfig`: no attention/MLP/norm/classifier bias, decoder bias,
    /// tied decoder, a global layer every 3, a 128-token window).
    pub fn from_value(name: &str, path: &Path, v: &Value) -> Result<ModelConfig> {
        let fields = Fields::new(path, v)?;
        let core = CoreDims::read(&fields)?;
        let config = if fields.model_type.is_bert_family() {
            bert_family(name, &fields, core)?
        } else {
            modernbert(name, &fields, core)?
        };
        Ok(config)
    }

    /// Dimension of one attention head: `hidden_size / num_heads`.
    pub fn head_dim(&self) -> u64 {
        self.hidden_size / self.num_heads
    }
}

/// The fields of one `config.json` object, read with the error rules every field shares.
struct Fields<'a> {
    path: &'a Path,
    obj: &'a serde_json::Map<String, Value>,
    model_type: ModelType,
    /// `model_type` as the file spells it, for messages.
    model_type_str: &'a str,
}

impl<'a> Fields<'a> {
    /// Checks that `v` is an object with a supported `model_type`.
    fn new(path: &'a Path, v: &'a Value) -> Result<Self> {
        let err = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let Some(obj) = v.as_object() else {
            return Err(err(format!(
                "not a config.json object; tokstat needs {REQUIRED_FIELDS}"
            )));
        };
        let Some(Value::String(model_type_str)) = obj.get("model_type") else {
            return Err(err(format!(
                "no `model_type`; tokstat needs {REQUIRED_FIELDS}"
            )));
        };
        let Some(model_type) = ModelType::parse(model_type_str) else {
            return Err(err(format!(
                "model_type `{model_type_str}` is not supported; tokstat counts bert, roberta, \
                 xlm-roberta and modernbert configs and needs {REQUIRED_FIELDS}"
            )));
        };
        Ok(Self {
            path,
            obj,
            model_type,
            model_type_str,
        })
    }

    fn err(&self, message: String) -> Error {
        Error::Config {
            path: self.path.to_path_buf(),
            message,
        }
    }

    /// An optional non-negative integer.
    fn uint(&self, key: &str) -> Result<Option<u64>> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x.as_u64().map(Some).ok_or_else(|| {
                self.err(format!("`{key}` must be a non-negative integer, found {x}"))
            }),
        }
    }

    /// A required positive integer, at most `max`.
    fn required(&self, key: &str, max: u64) -> Result<u64> {
        match self.uint(key)? {
            Some(0) => Err(self.err(format!("`{key}` must be positive"))),
            Some(n) => self.capped(key, n, max),
            None => Err(self.err(format!(
                "missing `{key}` (model_type {}); tokstat needs {REQUIRED_FIELDS}",
                self.model_type_str
            ))),
        }
    }

    /// An optional boolean.
    fn flag(&self, key: &str, default: bool) -> Result<bool> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(x) => Err(self.err(format!("`{key}` must be true or false, found {x}"))),
        }
    }

    /// Upper limits keep every count far inside u64 (and reject garbled numbers).
    fn capped(&self, key: &str, n: u64, max: u64) -> Result<u64> {
        if n > max {
            Err(self.err(format!("`{key}` = {n} is implausibly large (limit {max})")))
        } else {
            Ok(n)
        }
    }
}

/// The dimensions every supported architecture requires.
struct CoreDims {
    vocab_size: u64,
    hidden_size: u64,
    num_layers: u64,
    num_heads: u64,
    intermediate_size: u64,
    tie_word_embeddings: bool,
}

impl CoreDims {
    fn read(f: &Fields) -> Result<Self> {
        let vocab_size = f.required("vocab_size", MAX_VOCAB)?;
        let hidden_size = f.required("hidden_size", MAX_HIDDEN)?;
        let num_layers = f.required("num_hidden_layers", MAX_LAYERS)?;
        let num_heads = f.required("num_attention_heads", MAX_HIDDEN)?;
        let intermediate_size = f.required("intermediate_size", MAX_INTERMEDIATE)?;
        if hidden_size % num_heads != 0 {
            return Err(f.err(format!(
                "hidden_size {hidden_size} is not a multiple of num_attention_heads {num_heads}"
            )));
        }
        Ok(CoreDims {
            vocab_size,
            hidden_size,
            num_layers,
            num_heads,
            intermediate_size,
            tie_word_embeddings: f.flag("tie_word_embeddings", true)?,
        })
    }
}

/// A BERT, RoBERTa or XLM-RoBERTa config (`BertConfig` defaults).
fn bert_family(name: &str, f: &Fields, core: CoreDims) -> Result<ModelConfig> {
    let position_embedding = match f.obj.get("position_embedding_type") {
        Some(Value::String(s)) => s.as_str(),
        _ => "absolute",
    };
    let position_embedding = match position_embedding {
        "absolute" => PositionEmbedding::Absolute,
        "relative_key" | "relative_key_query" => PositionEmbedding::Relative,
        "rotary" => PositionEmbedding::Rotary,
        other => {
            return Err(f.err(format!(
                "position_embedding_type `{other}` is not supported (absolute, \
                 relative_key, relative_key_query or rotary)"
            )));
        }
    };
    let max_position_embeddings = f.capped(
        "max_position_embeddings",
        f.uint("max_position_embeddings")?.unwrap_or(512),
        MAX_POSITIONS,
    )?;
    if position_embedding != PositionEmbedding::Rotary && max_position_embeddings == 0 {
        return Err(f.err("`max_position_embeddings` must be positive".into()));
    }
    let type_vocab_size = f.uint("type_vocab_size")?.unwrap_or(2);
    Ok(ModelConfig {
        name: name.to_string(),
        model_type: f.model_type,
        vocab_size: core.vocab_size,
        hidden_size: core.hidden_size,
        num_layers: core.num_layers,
        num_heads: core.num_heads,
        intermediate_size: core.intermediate_size,
        max_position_embeddings,
        type_vocab_size: f.capped("type_vocab_size", type_vocab_size, MAX_VOCAB)?,
        position_embedding,
        attention_bias: true,
        mlp_bias: true,
        norm_bias: true,
        classifier_bias: true,
        decoder_bias: true,
        tie_word_embeddings: core.tie_word_embeddings,
        global_attn_every_n_layers: None,
        local_attention: None,
    })
}

/// A ModernBERT config (`ModernBertConfig` defaults).
fn modernbert(name: &str, f: &Fields, core: CoreDims) -> Result<ModelConfig> {
    let every = f.uint("global_attn_every_n_layers")?.unwrap_or(3);
    if every == 0 {
        return Err(f.err("`global_attn_every_n_layers` must be positive".into()));
    }
    Ok(ModelConfig {
        name: name.to_string(),
        model_type: f.model_type,
        vocab_size: core.vocab_size,
        hidden_size: core.hidden_size,
        num_layers: core.num_layers,
        num_heads: core.num_heads,
        intermediate_size: core.intermediate_size,
        max_position_embeddings: f.uint("max_position_embeddings")?.unwrap_or(8192),
        type_vocab_size: 0,
        position_embedding: PositionEmbedding::Rotary,
        attention_bias: f.flag("attention_bias", false)?,
        mlp_bias: f.flag("mlp_bias", false)?,
        norm_bias: f.flag("norm_bias", false)?,
        classifier_bias: f.flag("classifier_bias", false)?,
        decoder_bias: f.flag("decoder_bias", true)?,
        tie_word_embeddings: core.tie_word_embeddings,
        global_attn_every_n_layers: Some(every),
        local_attention: Some(f.uint("local_attention")?.unwrap_or(128)),
    })
}

/// The preset with this name (case-insensitive), if any.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Names of the bundled presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads() {
        for p in PRESETS {
            let c = ModelConfig::load(p.name).unwrap();
            assert_eq!(c.name, p.name);
        }
    }

    #[test]
    fn jina_is_xlmr_large_with_rotary() {
        let j = ModelConfig::load("jina-xlm-roberta").unwrap();
        let x = ModelConfig::load("xlm-roberta-large").unwrap();
        assert_eq!(j.position_embedding, PositionEmbedding::Rotary);
        assert_eq!(x.position_embedding, PositionEmbedding::Absolute);
        assert_eq!(
            (
                j.vocab_size,
                j.hidden_size,
                j.num_layers,
                j.intermediate_size
            ),
            (
                x.vocab_size,
                x.hidden_size,
                x.num_layers,
                x.intermediate_size
            )
        );
    }

    #[test]
    fn unknown_model_type_names_the_fields() {
        let v: Value = serde_json::json!({"model_type": "gpt2", "n_embd": 768});
        let e = ModelConfig::from_value("x", Path::new("x/config.json"), &v).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("x/config.json"), "{msg}");
        assert!(msg.contains("`gpt2`"), "{msg}");
        assert!(msg.contains("hidden_size"), "{msg}");
        assert!(msg.contains("num_hidden_layers"), "{msg}");
    }

    #[test]
    fn missing_field_is_named() {
        let v: Value = serde_json::json!({"model_type": "bert", "vocab_size": 10});
        let msg = ModelConfig::from_value("x", Path::new("c.json"), &v)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("missing `hidden_size`"), "{msg}");
    }

    #[test]
    fn hidden_not_divisible_by_heads() {
        let v: Value = serde_json::json!({"model_type": "bert", "vocab_size": 10,
            "hidden_size": 100, "num_hidden_layers": 1, "num_attention_heads": 3,
            "intermediate_size": 10});
        assert!(ModelConfig::from_value("x", Path::new("c.json"), &v).is_err());
    }
}
