//! What-if questions about a configuration: other vocabulary sizes, a fixed total budget, and
//! the cost of full versus ModernBERT-style local/global attention.

use serde::Serialize;

use super::config::{ModelConfig, ModelType};
use super::params::{Head, ratio, total_params};

/// Number of Unicode scalar values a code-point vocabulary would need: 0x110000 code points
/// minus the 2,048 surrogates = 1,112,064.
pub const UNICODE_SCALAR_VALUES: u64 = 0x11_0000 - 0x800;

/// Vocabulary sizes used by `--fixed-total` when none are given.
pub const DEFAULT_SWEEP: &[u64] = &[32_000, 50_368, 128_256, 250_002, UNICODE_SCALAR_VALUES];

/// The same architecture with another vocabulary size.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct VocabWhatIf {
    /// Vocabulary size V'.
    pub vocab_size: u64,
    /// A name for well-known sizes (`this model`, `every Unicode code point`); null for the
    /// sizes given with `--vocab-sizes`.
    pub label: Option<String>,
    /// V'·H.
    pub vocab_params: u64,
    /// Total parameters with V' (the MLM decoder bias also changes with `--head mlm`).
    pub total_params: u64,
    /// `vocab_params / total_params`.
    pub vocab_share: f64,
    /// `total_params − vocab_params`.
    pub core_params: u64,
}

fn label(c: &ModelConfig, v: u64) -> Option<String> {
    if v == c.vocab_size {
        Some("this model".into())
    } else if v == UNICODE_SCALAR_VALUES {
        Some("every Unicode code point".into())
    } else {
        None
    }
}

/// Recomputes the vocabulary share of `c` for each vocabulary size (sorted, deduplicated; the
/// model's own size and the every-code-point case, 1,112,064, are always included).
pub fn vocab_sweep(c: &ModelConfig, head: Head, sizes: &[u64]) -> Vec<VocabWhatIf> {
    let mut vs: Vec<u64> = sizes.to_vec();
    vs.push(c.vocab_size);
    vs.push(UNICODE_SCALAR_VALUES);
    vs.sort_unstable();
    vs.dedup();
    vs.into_iter()
        .map(|v| {
            let mut c2 = c.clone();
            c2.vocab_size = v;
            let total = total_params(&c2, head);
            let vocab = v * c.hidden_size;
            VocabWhatIf {
                vocab_size: v,
                label: label(c, v),
                vocab_params: vocab,
                total_params: total,
                vocab_share: ratio(vocab, total),
                core_params: total - vocab,
            }
        })
        .collect()
}

/// One row of the fixed-budget table.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FixedTotalRow {
    /// Vocabulary size V'.
    pub vocab_size: u64,
    /// A name for well-known sizes (`this model`, `every Unicode code point`); null for the
    /// other sizes.
    pub label: Option<String>,
    /// V'·H at the model's hidden size.
    pub vocab_params: u64,
    /// Share of the budget P the vocabulary takes at the model's hidden size.
    pub vocab_share_of_budget: f64,
    /// Deepest model that fits in P at the same hidden and intermediate size (0 if none).
    pub max_layers: u64,
    /// Total parameters of that model.
    pub total_at_max_layers: u64,
    /// Widest model that fits in P at the same depth: hidden size in steps of one head
    /// (head_dim), intermediate scaled by I/H, heads = hidden / head_dim (0 if none).
    pub max_hidden_size: u64,
    /// Its intermediate size.
    pub intermediate_at_max_hidden: u64,
    /// Total parameters of that model.
    pub total_at_max_hidden: u64,
}

/// "At a total budget P, how deep (or wide) can the core be for each vocabulary size?"
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FixedTotal {
    /// The budget P.
    pub budget: u64,
    /// One row per vocabulary size.
    pub rows: Vec<FixedTotalRow>,
}

/// Answers the fixed-budget question for `c` at budget `p`, for the model's own vocabulary and
/// `sizes` (or [`DEFAULT_SWEEP`] when empty).
///
/// Depth: total(L) is affine in L for L ≥ 1 (every layer after the first has the same size), so
/// the deepest fit is `1 + ⌊(P − total(1)) / layer⌋`, checked exactly. Width: hidden sizes
/// k·head_dim are tried in turn, keeping the model's depth, I/H ratio and head size.
pub fn fixed_total(c: &ModelConfig, head: Head, p: u64, sizes: &[u64]) -> FixedTotal {
    let mut vs: Vec<u64> = if sizes.is_empty() {
        DEFAULT_SWEEP.to_vec()
    } else {
        sizes.to_vec()
    };
    vs.push(c.vocab_size);
    vs.sort_unstable();
    vs.dedup();
    let rows = vs
        .into_iter()
        .map(|v| {
            let mut cv = c.clone();
            cv.vocab_size = v;
            let (max_layers, total_at_max_layers) = deepest(&cv, head, p);
            let (max_hidden_size, intermediate_at_max_hidden, total_at_max_hidden) =
                widest(&cv, head, p);
            FixedTotalRow {
                vocab_size: v,
                label: label(c, v),
                vocab_params: v * c.hidden_size,
                vocab_share_of_budget: ratio(v * c.hidden_size, p),
                max_layers,
                total_at_max_layers,
                max_hidden_size,
                intermediate_at_max_hidden,
                total_at_max_hidden,
            }
        })
        .collect();
    FixedTotal { budget: p, rows }
}

fn with_layers(c: &ModelConfig, l: u64) -> ModelConfig {
    let mut c2 = c.clone();
    c2.num_layers = l;
    c2
}

fn deepest(c: &ModelConfig, head: Head, p: u64) -> (u64, u64) {
    let t1 = total_params(&with_layers(c, 1), head);
    if t1 > p {
        return (0, total_params(&with_layers(c, 0), head));
    }
    let t2 = total_params(&with_layers(c, 2), head);
    let layer = t2 - t1;
    let mut l = 1 + (p - t1) / layer.max(1);
    // Exact check (guards against any non-affine term).
    while l > 1 && total_params(&with_layers(c, l), head) > p {
        l -= 1;
    }
    (l, total_params(&with_layers(c, l), head))
}

fn widest(c: &ModelConfig, head: Head, p: u64) -> (u64, u64, u64) {
    let hd = c.head_dim();
    let mut best = (0, 0, 0);
    let mut k = 1;
    loop {
        let h = k * hd;
        let mut c2 = c.clone();
        c2.hidden_size = h;
        c2.num_heads = k;
        c2.intermediate_size = (c.intermediate_size * h / c.hidden_size).max(1);
        let t = total_params(&c2, head);
        if t > p || h > super::config::MAX_HIDDEN {
            return best;
        }
        best = (h, c2.intermediate_size, t);
        k += 1;
    }
}

/// Attention cost of one forward pass of one sequence.
///
/// Definitions (n tokens, H hidden, heads h, L layers): a global layer computes QKᵀ and the
/// weighted sum of V over all n² query–key pairs, 2·n²·H multiply-adds each way, so
/// 4·n²·H FLOPs, and holds h·n² attention scores. A sliding-window layer of width w (HF
/// ModernBERT: a query attends to keys within distance w/2) touches only the pairs with
/// |i − j| ≤ w/2: n + 2·Σ_{d=1}^{min(w/2, n−1)} (n − d) pairs, so 4·pairs·H FLOPs and h·pairs
/// scores when the kernel skips masked blocks (FlashAttention's window). Projections (Q, K, V,
/// O: 8·n·H² FLOPs per layer) are the same under both patterns and not included.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AttentionCost {
    /// Sequence length n.
    pub seq_len: u64,
    /// Whether n exceeds the model's `max_position_embeddings`.
    pub exceeds_max_positions: bool,
    /// `global_attn_every_n_layers` used for the pattern.
    pub global_every: u64,
    /// `local_attention` window used for the pattern.
    pub window: u64,
    /// Whether the pattern is the model's own (ModernBERT) or applied hypothetically.
    pub pattern_is_models_own: bool,
    /// Layers that stay global under the pattern (i mod every = 0).
    pub global_layers: u64,
    /// Layers that use the sliding window.
    pub local_layers: u64,
    /// Score FLOPs with global attention in every layer: L·4·n²·H.
    pub full_flops: u128,
    /// Score FLOPs under the pattern.
    pub pattern_flops: u128,
    /// `full_flops / pattern_flops`.
    pub flops_ratio: f64,
    /// Attention scores per layer with global attention: h·n².
    pub full_scores_per_layer: u128,
    /// Attention scores in a sliding-window layer: h·pairs.
    pub local_scores_per_layer: u128,
    /// Attention scores summed over all layers, all global.
    pub full_scores_total: u128,
    /// Attention scores summed over all layers under the pattern.
    pub pattern_scores_total: u128,
}

/// Query–key pairs with |i − j| ≤ `half` among `n` tokens.
pub fn window_pairs(n: u64, half: u64) -> u128 {
    if n == 0 {
        return 0;
    }
    let (n, m) = (n as u128, half.min(n - 1) as u128);
    n + 2 * (m * n - m * (m + 1) / 2)
}

/// Attention cost of `c` at each sequence length, full global attention versus the
/// global/local pattern (the model's own for ModernBERT, ModernBERT's — every third layer
/// global, 128-token window — for the others).
pub fn attention_costs(c: &ModelConfig, seqs: &[u64]) -> Vec<AttentionCost> {
    let own = c.model_type == ModelType::ModernBert;
    let every = c.global_attn_every_n_layers.unwrap_or(3).max(1);
    let window = c.local_attention.unwrap_or(128);
    let l = c.num_layers;
    let global_layers = if l == 0 { 0 } else { (l - 1) / every + 1 };
    let local_layers = l - global_layers;
    let (h, heads) = (c.hidden_size as u128, c.num_heads as u128);
    seqs.iter()
        .map(|&n| {
            let n2 = (n as u128) * (n as u128);
            let pairs = window_pairs(n, window / 2);
            let full_flops = l as u128 * 4 * n2 * h;
            let pattern_flops =
                global_layers as u128 * 4 * n2 * h + local_layers as u128 * 4 * pairs * h;
            AttentionCost {
                seq_len: n,
                exceeds_max_positions: n > c.max_position_embeddings,
                global_every: every,
                window,
                pattern_is_models_own: own,
                global_layers,
                local_layers,
                full_flops,
                pattern_flops,
                flops_ratio: if pattern_flops == 0 {
                    f64::NAN
                } else {
                    full_flops as f64 / pattern_flops as f64
                },
                full_scores_per_layer: heads * n2,
                local_scores_per_layer: heads * pairs,
                full_scores_total: l as u128 * heads * n2,
                pattern_scores_total: global_layers as u128 * heads * n2
                    + local_layers as u128 * heads * pairs,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_scalar_values() {
        assert_eq!(UNICODE_SCALAR_VALUES, 1_112_064);
    }

    #[test]
    fn window_pairs_by_hand() {
        // n = 5, half = 1: pairs (i, i) ×5 and (i, i±1) ×8 = 13.
        assert_eq!(window_pairs(5, 1), 13);
        // Window wider than the sequence: all n² pairs.
        assert_eq!(window_pairs(4, 10), 16);
        // n = 8192, half = 64: 8192·129 − 64·65 = 1,056,768 − 4,160 = 1,052,608.
        assert_eq!(window_pairs(8192, 64), 1_052_608);
    }

    #[test]
    fn modernbert_large_layers_split() {
        // 28 layers, global at 0, 3, …, 27 → 10 global, 18 local.
        let c = ModelConfig::load("modernbert-large").unwrap();
        let a = &attention_costs(&c, &[512])[0];
        assert_eq!((a.global_layers, a.local_layers), (10, 18));
        assert!(a.pattern_is_models_own);
    }

    #[test]
    fn code_point_vocabulary_is_over_a_billion_at_1024() {
        let c = ModelConfig::load("jina-xlm-roberta").unwrap();
        let rows = vocab_sweep(&c, Head::Base, &[]);
        let u = rows
            .iter()
            .find(|r| r.vocab_size == UNICODE_SCALAR_VALUES)
            .unwrap();
        // 1,112,064 × 1,024 = 1,138,753,536 ("1B" in the background text).
        assert_eq!(u.vocab_params, 1_138_753_536);
        assert_eq!(u.label.as_deref(), Some("every Unicode code point"));
    }

    #[test]
    fn deepest_fits_exactly() {
        let c = ModelConfig::load("roberta-large").unwrap();
        // Its own total as the budget gives back its own depth.
        let t = total_params(&c, Head::Base);
        let f = fixed_total(&c, Head::Base, t, &[]);
        let own = f.rows.iter().find(|r| r.vocab_size == 50_265).unwrap();
        assert_eq!(own.max_layers, 24);
        assert_eq!(own.total_at_max_layers, t);
        assert_eq!(own.max_hidden_size, 1024);
        // One parameter less: one layer fewer.
        let f = fixed_total(&c, Head::Base, t - 1, &[]);
        let own = f.rows.iter().find(|r| r.vocab_size == 50_265).unwrap();
        assert_eq!(own.max_layers, 23);
    }
}
