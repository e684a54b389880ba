//! Tensor-by-tensor parameter counts, as `transformers` builds each model class.
//!
//! [`tensors`] lists every weight the HF modeling code creates for a config, under its
//! state-dict name; [`breakdown`] sums them into a [`ParamBreakdown`]. Nothing is estimated:
//! a count is the product of a tensor's shape, summed over the layers that have it.
//!
//! Formulas (H hidden, I intermediate, L layers, V vocabulary, P positions, T token types):
//! - BERT / RoBERTa / XLM-R embeddings: word V·H, position P·H (none with rotary positions),
//!   token type T·H, LayerNorm 2H.
//! - BERT-family layer: Q, K, V, O projections 4·(H² + H); MLP H·I + I + I·H + H (GELU:
//!   2·H·I weights); two LayerNorms 4H. With `relative_key` positions each layer adds a
//!   `(2P − 1) × H/heads` distance embedding.
//! - BERT-family pooler (`--head base`): H² + H. MLM head (`--head mlm`, pooler dropped):
//!   dense H² + H, LayerNorm 2H, decoder bias V; decoder weight V·H tied to the word
//!   embeddings, counted once (unless `tie_word_embeddings` is false).
//! - ModernBERT embeddings: `tok_embeddings` V·H and a LayerNorm H (+H with `norm_bias`); no
//!   position table (RoPE).
//! - ModernBERT layer: `attn_norm` H (+H) except layer 0, where it is `Identity`; `Wqkv` 3H·H
//!   (+3H with `attention_bias`); `Wo` H·H (+H); `mlp_norm` H (+H); `mlp.Wi` H·2I (+2I with
//!   `mlp_bias`); `mlp.Wo` I·H (+H). GeGLU: 3·H·I MLP weights. Then `final_norm` H (+H).
//! - ModernBERT MLM head: `head.dense` H² (+H with `classifier_bias`), `head.norm` H (+H),
//!   `decoder` bias V with `decoder_bias`, decoder weight tied and counted once.

use serde::Serialize;

use super::config::{ModelConfig, ModelType, PositionEmbedding, PositionEmbedding as Pos};

/// Which model class to count.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Head {
    /// The HF base model: `BertModel` / `RobertaModel` / `XLMRobertaModel` with their pooler,
    /// `ModernBertModel` (no head).
    #[default]
    Base,
    /// The masked-LM model (`…ForMaskedLM`): base model without pooler plus the MLM head.
    Mlm,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Head::Base => "base",
            Head::Mlm => "mlm",
        })
    }
}

/// What part of the model a tensor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Word (token) embedding matrix: the vocabulary parameters.
    WordEmbedding,
    /// Learned absolute position table.
    PositionEmbedding,
    /// Token-type (segment) table.
    TokenTypeEmbedding,
    /// Embedding LayerNorm.
    EmbeddingNorm,
    /// Attention projection weights (and BERT relative-distance embeddings).
    AttentionWeight,
    /// Attention projection biases.
    AttentionBias,
    /// MLP weights.
    MlpWeight,
    /// MLP biases.
    MlpBias,
    /// LayerNorms inside the layers.
    LayerNorm,
    /// ModernBERT's final LayerNorm.
    FinalNorm,
    /// BERT-family pooler.
    Pooler,
    /// Masked-LM head.
    MlmHead,
}

/// One tensor of the state dict, or the same tensor in a range of layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TensorGroup {
    /// State-dict name; `{i}` stands for the layer index.
    pub name: String,
    /// Shape as PyTorch reports it (`[out, in]` for linear weights).
    pub shape: Vec<u64>,
    /// First and last layer index that have the tensor; absent outside the layers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<(u64, u64)>,
    /// Parameters counted: product of `shape` × number of layers, or 0 when tied.
    pub params: u64,
    /// Name of the tensor this one shares its storage with (counted there, not here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tied_to: Option<String>,
    /// What the tensor is for.
    pub part: Part,
}

impl TensorGroup {
    fn layer_count(&self) -> u64 {
        self.layers.map_or(1, |(a, b)| b + 1 - a)
    }

    /// Parameters of this tensor in one layer (or in total outside the layers).
    pub fn params_each(&self) -> u64 {
        if self.tied_to.is_some() {
            0
        } else {
            self.shape.iter().product()
        }
    }
}
/// Lists the tensors of the model class `head` selects, with their state-dict names.
pub fn tensors(c: &ModelConfig, head: Head) -> Vec<TensorGroup> {
    let mut list = TensorList::new(c);
    if c.model_type.is_bert_family() {
        bert_embeddings(&mut list, c);
        bert_layer(&mut list, c);
        bert_head(&mut list, c, head);
    } else {
        modernbert_embeddings(&mut list, c, head);
        modernbert_layer(&mut list, c, head);
        modernbert_head(&mut list, c, head);
    }
    if head == Head::Mlm && c.tie_word_embeddings {
        tie_decoder(&mut list.out);
    }
    list.out
}

/// The tensors listed so far, and the layer range every layer tensor spans.
struct TensorList {
    out: Vec<TensorGroup>,
    /// Layers 0..L−1, or `None` for a model without layers.
    all: Option<(u64, u64)>,
}

impl TensorList {
    fn new(c: &ModelConfig) -> Self {
        Self {
            out: Vec::new(),
            all: (c.num_layers > 0).then(|| (0, c.num_layers - 1)),
        }
    }

    /// Adds one tensor; a per-layer name (`{i}`) with no layers to span is left out.
    fn push(&mut self, name: &str, shape: &[u64], layers: Option<(u64, u64)>, part: Part) {
        if layers.is_none() && name.contains("{i}") {
            return;
        }
        let mut t = TensorGroup {
            name: name.to_string(),
            shape: shape.to_vec(),
            layers,
            params: 0,
            tied_to: None,
            part,
        };
        t.params = t.params_each() * t.layer_count();
        self.out.push(t);
    }

    /// Adds one tensor present in every layer.
    fn layer(&mut self, name: &str, shape: &[u64], part: Part) {
        self.push(name, shape, self.all, part);
    }

    /// Adds one tensor outside the layers.
    fn global(&mut self, name: &str, shape: &[u64], part: Part) {
        self.push(name, shape, None, part);
    }
}

fn bert_embeddings(list: &mut TensorList, c: &ModelConfig) {
    let (h, v) = (c.hidden_size, c.vocab_size);
    list.global(
        "embeddings.word_embeddings.weight",
        &[v, h],
        Part::WordEmbedding,
    );
    if c.position_embedding != Pos::Rotary {
        list.global(
            "embeddings.position_embeddings.weight",
            &[c.max_position_embeddings, h],
            Part::PositionEmbedding,
        );
    }
    if c.type_vocab_size > 0 {
        list.global(
            "embeddings.token_type_embeddings.weight",
            &[c.type_vocab_size, h],
            Part::TokenTypeEmbedding,
        );
    }
    list.global("embeddings.LayerNorm.weight", &[h], Part::EmbeddingNorm);
    list.global("embeddings.LayerNorm.bias", &[h], Part::EmbeddingNorm);
}

fn bert_layer(list: &mut TensorList, c: &ModelConfig) {
    use Part::*;
    let (h, i) = (c.hidden_size, c.intermediate_size);
    let l = "encoder.layer.{i}.";
    for proj in ["query", "key", "value"] {
        list.layer(
            &format!("{l}attention.self.{proj}.weight"),
            &[h, h],
            AttentionWeight,
        );
        list.layer(
            &format!("{l}attention.self.{proj}.bias"),
            &[h],
            AttentionBias,
        );
    }
    if c.position_embedding == Pos::Relative {
        list.layer(
            &format!("{l}attention.self.distance_embedding.weight"),
            &[2 * c.max_position_embeddings - 1, c.head_dim()],
            AttentionWeight,
        );
    }
    list.layer(
        &format!("{l}attention.output.dense.weight"),
        &[h, h],
        AttentionWeight,
    );
    list.layer(
        &format!("{l}attention.output.dense.bias"),
        &[h],
        AttentionBias,
    );
    list.layer(
        &format!("{l}attention.output.LayerNorm.weight"),
        &[h],
        LayerNorm,
    );
    list.layer(
        &format!("{l}attention.output.LayerNorm.bias"),
        &[h],
        LayerNorm,
    );
    list.layer(&format!("{l}intermediate.dense.weight"), &[i, h], MlpWeight);
    list.layer(&format!("{l}intermediate.dense.bias"), &[i], MlpBias);
    list.layer(&format!("{l}output.dense.weight"), &[h, i], MlpWeight);
    list.layer(&format!("{l}output.dense.bias"), &[h], MlpBias);
    list.layer(&format!("{l}output.LayerNorm.weight"), &[h], LayerNorm);
    list.layer(&format!("{l}output.LayerNorm.bias"), &[h], LayerNorm);
}

fn bert_head(list: &mut TensorList, c: &ModelConfig, head: Head) {
    let (h, v) = (c.hidden_size, c.vocab_size);
    if head == Head::Base {
        list.global("pooler.dense.weight", &[h, h], Part::Pooler);
        list.global("pooler.dense.bias", &[h], Part::Pooler);
        return;
    }
    let (prefix, dense, norm) = if c.model_type == ModelType::Bert {
        ("cls.predictions.", "transform.dense", "transform.LayerNorm")
    } else {
        ("lm_head.", "dense", "layer_norm")
    };
    list.global(&format!("{prefix}{dense}.weight"), &[h, h], Part::MlmHead);
    list.global(&format!("{prefix}{dense}.bias"), &[h], Part::MlmHead);
    list.global(&format!("{prefix}{norm}.weight"), &[h], Part::MlmHead);
    list.global(&format!("{prefix}{norm}.bias"), &[h], Part::MlmHead);
    list.global(&format!("{prefix}decoder.weight"), &[v, h], Part::MlmHead);
    list.global(&format!("{prefix}bias"), &[v], Part::MlmHead);
}

/// ModernBERT's state-dict prefix: the masked-LM class wraps the base model in `model.`.
fn modernbert_prefix(head: Head) -> &'static str {
    if head == Head::Mlm { "model." } else { "" }
}

fn modernbert_embeddings(list: &mut TensorList, c: &ModelConfig, head: Head) {
    let (h, v, p) = (c.hidden_size, c.vocab_size, modernbert_prefix(head));
    list.global(
        &format!("{p}embeddings.tok_embeddings.weight"),
        &[v, h],
        Part::WordEmbedding,
    );
    list.global(
        &format!("{p}embeddings.norm.weight"),
        &[h],
        Part::EmbeddingNorm,
    );
    if c.norm_bias {
        list.global(
            &format!("{p}embeddings.norm.bias"),
            &[h],
            Part::EmbeddingNorm,
        );
    }
}

fn modernbert_layer(list: &mut TensorList, c: &ModelConfig, head: Head) {
    use Part::*;
    let (h, i, nb) = (c.hidden_size, c.intermediate_size, c.norm_bias);
    let l = format!("{}layers.{{i}}.", modernbert_prefix(head));
    // Layer 0's attn_norm is nn.Identity(): no parameters.
    let after0 = (c.num_layers > 1).then(|| (1, c.num_layers - 1));
    list.push(&format!("{l}attn_norm.weight"), &[h], after0, LayerNorm);
    if nb {
        list.push(&format!("{l}attn_norm.bias"), &[h], after0, LayerNorm);
    }
    list.layer(
        &format!("{l}attn.Wqkv.weight"),
        &[3 * h, h],
        AttentionWeight,
    );
    if c.attention_bias {
        list.layer(&format!("{l}attn.Wqkv.bias"), &[3 * h], AttentionBias);
    }
    list.layer(&format!("{l}attn.Wo.weight"), &[h, h], AttentionWeight);
    if c.attention_bias {
        list.layer(&format!("{l}attn.Wo.bias"), &[h], AttentionBias);
    }
    list.layer(&format!("{l}mlp_norm.weight"), &[h], LayerNorm);
    if nb {
        list.layer(&format!("{l}mlp_norm.bias"), &[h], LayerNorm);
    }
    list.layer(&format!("{l}mlp.Wi.weight"), &[2 * i, h], MlpWeight);
    if c.mlp_bias {
        list.layer(&format!("{l}mlp.Wi.bias"), &[2 * i], MlpBias);
    }
    list.layer(&format!("{l}mlp.Wo.weight"), &[h, i], MlpWeight);
    if c.mlp_bias {
        list.layer(&format!("{l}mlp.Wo.bias"), &[h], MlpBias);
    }
}

/// The final norm, and with `--head mlm` the prediction head and decoder.
fn modernbert_head(list: &mut TensorList, c: &ModelConfig, head: Head) {
    let (h, v, p) = (c.hidden_size, c.vocab_size, modernbert_prefix(head));
    list.global(&format!("{p}final_norm.weight"), &[h], Part::FinalNorm);
    if c.norm_bias {
        list.global(&format!("{p}final_norm.bias"), &[h], Part::FinalNorm);
    }
    if head != Head::Mlm {
        return;
    }
    list.global("head.dense.weight", &[h, h], Part::MlmHead);
    if c.classifier_bias {
        list.global("head.dense.bias", &[h], Part::MlmHead);
    }
    list.global("head.norm.weight", &[h], Part::MlmHead);
    if c.norm_bias {
        list.global("head.norm.bias", &[h], Part::MlmHead);
    }
    list.global("decoder.weight", &[v, h], Part::MlmHead);
    if c.decoder_bias {
        list.global("decoder.bias", &[v], Part::MlmHead);
    }
}

/// Ties the MLM decoder weight to the word embeddings: it counts no parameters of its own.
fn tie_decoder(out: &mut [TensorGroup]) {
    let word = out
        .iter()
        .find(|t| t.part == Part::WordEmbedding)
        .map(|t| t.name.clone());
    let decoder = out
        .iter_mut()
        .find(|t| t.part == Part::MlmHead && t.name.ends_with("decoder.weight"));
    if let (Some(word), Some(dec)) = (word, decoder) {
        dec.tied_to = Some(word);
        dec.params = 0;
    }
}

/// Embedding parameters, split by table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct EmbeddingParams {
    /// Word embeddings: V·H (the vocabulary parameters).
    pub word: u64,
    /// Absolute position table: P·H (0 with rotary positions).
    pub position: u64,
    /// Token-type table: T·H.
    pub token_type: u64,
    /// Embedding LayerNorm: H, or 2H with a bias.
    pub norm: u64,
    /// Sum of the above.
    pub total: u64,
}

/// Parameters of one encoder layer, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LayerParams {
    /// Attention projection weights (BERT family 4H², ModernBERT `Wqkv` 3H² + `Wo` H²).
    pub attention_weights: u64,
    /// Attention projection biases.
    pub attention_biases: u64,
    /// MLP weights (GELU: 2·H·I; GeGLU: 3·H·I).
    pub mlp_weights: u64,
    /// MLP biases.
    pub mlp_biases: u64,
    /// LayerNorm weights and biases.
    pub norms: u64,
    /// Sum of the above.
    pub total: u64,
}

/// The head counted on top of the encoder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct HeadParams {
    /// `pooler`, `mlm` or `none`.
    pub kind: String,
    /// Parameters of the head (a tied decoder weight counts 0 here).
    pub params: u64,
    /// Whether the MLM decoder weight is tied to the word embeddings (counted once, there).
    pub tied_decoder: bool,
}

/// Exact parameter counts of one model class.
///
/// Definitions: `vocab_params` = V·H (the word-embedding matrix); `vocab_share` =
/// `vocab_params / total_params`; `core_params` = `total_params − vocab_params` (everything that
/// is not the vocabulary lookup table, including position tables, norms and the head).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ParamBreakdown {
    /// Preset name or path.
    pub name: String,
    /// `model_type`.
    pub model_type: ModelType,
    /// Which model class was counted.
    pub head: Head,
    /// All parameters (tied weights once).
    pub total_params: u64,
    /// V·H.
    pub vocab_params: u64,
    /// `vocab_params / total_params`.
    pub vocab_share: f64,
    /// `total_params − vocab_params`.
    pub core_params: u64,
    /// Embedding tables.
    pub embedding: EmbeddingParams,
    /// One typical layer (the last; ModernBERT's layer 0 has H fewer, see `layer0_params`).
    pub per_layer: LayerParams,
    /// Parameters of layer 0 (differs from `per_layer.total` for ModernBERT).
    pub layer0_params: u64,
    /// All layers together.
    pub encoder_params: u64,
    /// ModernBERT's final LayerNorm (0 for the BERT family).
    pub final_norm: u64,
    /// Pooler or MLM head.
    pub head_params: HeadParams,
    /// `num_hidden_layers`.
    pub layers: u64,
    /// `hidden_size`.
    pub hidden_size: u64,
    /// `intermediate_size`.
    pub intermediate_size: u64,
    /// `num_attention_heads`.
    pub num_heads: u64,
    /// `vocab_size`.
    pub vocab_size: u64,
    /// How positions are encoded.
    pub position_embedding: PositionEmbedding,
    /// `GELU` (2·H·I weights) or `GeGLU` (3·H·I weights).
    pub mlp: &'static str,
    /// Every tensor, by state-dict name. Not serialised here: `tokstat budget --tensors` puts
    /// it in its JSON as `ModelBudget::tensors`.
    #[serde(skip)]
    pub tensors: Vec<TensorGroup>,
    /// What was counted and how (pooler, tied weights, missing position table, …).
    pub notes: Vec<String>,
}

fn layer_params(ts: &[TensorGroup], layer: u64) -> LayerParams {
    let mut p = LayerParams {
        attention_weights: 0,
        attention_biases: 0,
        mlp_weights: 0,
        mlp_biases: 0,
        norms: 0,
        total: 0,
    };
    for t in ts {
        let Some((a, b)) = t.layers else { continue };
        if layer < a || layer > b {
            continue;
        }
        let n = t.params_each();
        match t.part {
            Part::AttentionWeight => p.attention_weights += n,
            Part::AttentionBias => p.attention_biases += n,
            Part::MlpWeight => p.mlp_weights += n,
            Part::MlpBias => p.mlp_biases += n,
            Part::LayerNorm => p.norms += n,
            _ => {}
        }
        p.total += n;
    }
    p
}

/// Counts the parameters of `config` as the model class `head` selects.
///
/// ```
/// use tokstat::budget::{breakdown, Head, ModelConfig};
/// let b = breakdown(&ModelConfig::load("roberta-large")?, Head::Base);
/// assert_eq!(b.total_params, 355_359_744);
/// assert_eq!(b.vocab_params, 50_265 * 1_024);
/// # Ok::<(), tokstat::Error>(())
/// ```
pub fn breakdown(c: &ModelConfig, head: Head) -> ParamBreakdown {
    let ts = tensors(c, head);
    let sum = |f: &dyn Fn(Part) -> bool| ts.iter().filter(|t| f(t.part)).map(|t| t.params).sum();
    let word: u64 = sum(&|p| p == Part::WordEmbedding);
    let position: u64 = sum(&|p| p == Part::PositionEmbedding);
    let token_type: u64 = sum(&|p| p == Part::TokenTypeEmbedding);
    let norm: u64 = sum(&|p| p == Part::EmbeddingNorm);
    let encoder_params: u64 = ts
        .iter()
        .filter(|t| t.layers.is_some())
        .map(|t| t.params)
        .sum();
    let final_norm: u64 = sum(&|p| p == Part::FinalNorm);
    let head_sum: u64 = sum(&|p| matches!(p, Part::Pooler | Part::MlmHead));
    let total: u64 = ts.iter().map(|t| t.params).sum();
    let tied = ts.iter().any(|t| t.tied_to.is_some());
    let per_layer = layer_params(&ts, c.num_layers.saturating_sub(1));
    let layer0 = layer_params(&ts, 0).total;
    let head_kind = match (head, c.model_type.is_bert_family()) {
        (Head::Base, true) => "pooler",
        (Head::Base, false) => "none",
        (Head::Mlm, _) => "mlm",
    };
    let notes = breakdown_notes(c, head, head_sum, tied, layer0, per_layer.total);
    ParamBreakdown {
        name: c.name.clone(),
        model_type: c.model_type,
        head,
        total_params: total,
        vocab_params: word,
        vocab_share: ratio(word, total),
        core_params: total - word,
        embedding: EmbeddingParams {
            word,
            position,
            token_type,
            norm,
            total: word + position + token_type + norm,
        },
        per_layer,
        layer0_params: layer0,
        encoder_params,
        final_norm,
        head_params: HeadParams {
            kind: head_kind.to_string(),
            params: head_sum,
            tied_decoder: tied,
        },
        layers: c.num_layers,
        hidden_size: c.hidden_size,
        intermediate_size: c.intermediate_size,
        num_heads: c.num_heads,
        vocab_size: c.vocab_size,
        position_embedding: c.position_embedding,
        mlp: if c.model_type.is_bert_family() {
            "GELU"
        } else {
            "GeGLU"
        },
        tensors: ts,
        notes,
    }
}

/// The notes under a breakdown: which model class was counted (and its head), rotary
/// positions, and ModernBERT's smaller layer 0.
fn breakdown_notes(
    c: &ModelConfig,
    head: Head,
    head_sum: u64,
    tied: bool,
    layer0: u64,
    layer: u64,
) -> Vec<String> {
    let g = |n: u64| crate::render::group_thousands(n as i128);
    let mut notes = Vec::new();
    let class = match c.model_type {
        ModelType::Bert => "Bert",
        ModelType::Roberta => "Roberta",
        ModelType::XlmRoberta => "XLMRoberta",
        ModelType::ModernBert => "ModernBert",
    };
    notes.push(match (head, c.model_type.is_bert_family()) {
        (Head::Base, true) => format!(
            "{}: {class}Model with its pooler (dense H×H + bias = {}).",
            c.name,
            g(head_sum)
        ),
        (Head::Base, false) => format!("{}: {class}Model, no head.", c.name),
        (Head::Mlm, _) => format!(
            "{}: {class}ForMaskedLM ({} MLM-head parameters); {}",
            c.name,
            g(head_sum),
            if tied {
                "decoder weight tied to the word embeddings, counted once"
            } else {
                "decoder weight NOT tied (tie_word_embeddings false), counted separately"
            }
        ),
    });
    if c.model_type.is_bert_family() && c.position_embedding == PositionEmbedding::Rotary {
        notes.push(format!(
            "{}: rotary position embeddings (position_embedding_type \"rotary\"): no position table.",
            c.name
        ));
    }
    if c.model_type == ModelType::ModernBert {
        notes.push(format!(
            "{}: layer 0 has no attention norm (Identity), so it has {} parameters, the others {}.",
            c.name,
            g(layer0),
            g(layer)
        ));
    }
    notes
}

/// Total parameters only (what [`breakdown`] reports as `total_params`).
pub fn total_params(c: &ModelConfig, head: Head) -> u64 {
    tensors(c, head).iter().map(|t| t.params).sum()
}

/// `a / b` for parameter counts, by the crate's one rule ([`crate::units::ratio`]).
pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    crate::units::ratio(a as f64, b as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(name: &str, head: Head) -> u64 {
        breakdown(&ModelConfig::load(name).unwrap(), head).total_params
    }

    // Published totals (HF model cards / `model.num_parameters()` of the base classes).
    #[test]
    fn published_totals() {
        assert_eq!(total("roberta-large", Head::Base), 355_359_744);
        assert_eq!(total("xlm-roberta-large", Head::Base), 559_890_432);
        assert_eq!(total("roberta-base", Head::Base), 124_645_632);
        assert_eq!(total("xlm-roberta-base", Head::Base), 278_043_648);
        assert_eq!(total("bert-base-uncased", Head::Base), 109_482_240);
    }

    #[test]
    fn modernbert_large_by_hand() {
        // H = 1024, I = 2624, L = 28, V = 50368, no biases anywhere.
        // embeddings: 50368·1024 + 1024 (norm) = 51,577,856
        // layer: Wqkv 3·1024² = 3,145,728; Wo 1024² = 1,048,576; Wi 1024·5248 = 5,373,952;
        //        mlp.Wo 2624·1024 = 2,686,976; attn_norm + mlp_norm 2·1024 → 12,257,280
        // 28 layers − 1024 (layer 0 attn_norm is Identity) = 343,202,816; final_norm 1024.
        // total = 51,577,856 + 343,202,816 + 1024 = 394,781,696 (paper: 395M)
        let b = breakdown(&ModelConfig::load("modernbert-large").unwrap(), Head::Base);
        assert_eq!(b.total_params, 394_781_696);
        assert_eq!(b.per_layer.total, 12_257_280);
        assert_eq!(b.layer0_params, 12_256_256);
        assert_eq!(b.per_layer.mlp_weights, 3 * 1024 * 2624);
    }

    #[test]
    fn modernbert_base_by_hand() {
        // H = 768, I = 1152, L = 22, V = 50368.
        // embeddings 50368·768 + 768 = 38,683,392; layer 3·768² + 768² + 3·768·1152 + 2·768
        // = 1,769,472 + 589,824 + 2,654,208 + 1,536 = 5,015,040; 22 layers − 768 = 110,330,112;
        // final norm 768 → 149,014,272 (paper: 149M).
        assert_eq!(total("modernbert-base", Head::Base), 149_014_272);
    }

    #[test]
    fn mlm_heads_by_hand() {
        // RoBERTa-large MLM: base 355,359,744 − pooler (1024² + 1024 = 1,049,600)
        // + dense 1,049,600 + layer_norm 2,048 + decoder bias 50,265 (decoder weight tied).
        assert_eq!(
            total("roberta-large", Head::Mlm),
            355_359_744 - 1_049_600 + 1_049_600 + 2_048 + 50_265
        );
        // bert-base-uncased BertForMaskedLM: 109,482,240 − pooler 590,592 + transform.dense
        // 590,592 + transform.LayerNorm 1,536 + cls.predictions.bias 30,522 = 109,514,298
        // (the count `BertForMaskedLM.from_pretrained("bert-base-uncased")` reports).
        assert_eq!(total("bert-base-uncased", Head::Mlm), 109_514_298);
        // ModernBERT-large MLM: + head.dense 1024² + head.norm 1024 + decoder.bias 50,368.
        assert_eq!(
            total("modernbert-large", Head::Mlm),
            394_781_696 + 1_048_576 + 1_024 + 50_368
        );
    }

    #[test]
    fn jina_drops_the_position_table() {
        // XLM-R-large minus its 514 × 1024 position table.
        assert_eq!(
            total("jina-xlm-roberta", Head::Base),
            559_890_432 - 514 * 1024
        );
    }

    #[test]
    fn untied_decoder_counts_twice() {
        let mut c = ModelConfig::load("roberta-base").unwrap();
        let tied = total_params(&c, Head::Mlm);
        c.tie_word_embeddings = false;
        assert_eq!(total_params(&c, Head::Mlm), tied + 50_265 * 768);
    }
}
