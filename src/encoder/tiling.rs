//! Weight tiling: grow a trained encoder into a wider and/or deeper one.
//!
//! ModernBERT-large was initialised from ModernBERT-base rather than at random (Warner et al.
//! 2024, "Smarter, Better, Faster, Longer", arXiv:2412.13663), with "center tiling" following
//! Gopher (Rae et al. 2021) and Phi-2. The paper's phrase is ambiguous: its training code
//! (`src/bert_layers/initialization.py` of AnswerDotAI/ModernBERT, whose `init_large_from_base`
//! says it uses "Gopher layer scaling and Phi-style weight tiling") has two centred modes,
//! `center_weights` (the small tensor in the middle, the rest left at its fresh initialisation)
//! and `tile_weights_from_middle` (the small tensor in the middle, both sides filled by wrapping
//! around it). Only the second tiles cyclically, as weight tiling is described, so that is the
//! one implemented here. Written as one rule, for a dimension of size n grown to N ≥ n:
//!
//! ```text
//! offset = ⌊(N − n) / 2⌋,   new[i] = old[(i − offset) mod n]   for i in 0..N
//! ```
//!
//! (the code's loops write the left side as `old[n − 1 − (k mod n)]` for the k-th position left
//! of the centre, which is the same index). A matrix is tiled this way along both of its
//! dimensions; fused matrices are split first and each part tiled on its own, as that code does
//! (`tile_fused_qkv`, `tile_fused_glu`): the query, key and value blocks of `Wqkv` and the two
//! GeGLU halves of `Wi`. The embedding table keeps its rows (one per token id) and is tiled along
//! d; norm weights are tiled like vectors.
//!
//! **Depth.** Layer i of L' new layers copies trained layer ⌊i·L / L'⌋ of the L old ones: every
//! trained layer repeated in place, in order (2 → 4 layers: 0, 0, 1, 1). ModernBERT's code maps
//! with `round(i·L/L')`, which can round a tie past the last layer (2 → 4 gives index 2); the
//! floor never does and agrees with it wherever no tie is rounded up. Layer 0 of this encoder has
//! no attention norm (it reads the normalised embeddings); a copy of it placed deeper gets a
//! norm of ones, the initial value. Which layers are global (every third) and their RoPE θ follow
//! the new position, not the copied layer.
//!
//! **What holds.** With unchanged width and depth every map is the identity (offset 0), so the
//! grown encoder computes exactly what the trained one did. When N is a multiple of n, a tiled
//! vector holds each old value N/n times, so its mean and variance — hence a bias-free LayerNorm
//! of it — are those of the old vector, tiled; but a tiled linear layer sums N/n copies of each
//! product and returns (N/n)·(x·W), tiled. Residual branches and attention logits are therefore
//! scaled, and the grown encoder is not the trained one: how far its loss starts from the trained
//! model's is measured (`tokstat tiling`), not assumed. When the head size is kept and the offset
//! is a multiple of it (d → 2d with twice the heads), whole heads are copied, so RoPE's pairing
//! of dimensions inside a head is kept.

use candle_core::{Tensor, Var};

use super::{Encoder, EncoderConfig};
use crate::{Error, Result};

/// The old index that new position `i` copies when a dimension of size `old` grows to `new`:
/// `(i − ⌊(new − old)/2⌋) mod old`.
pub fn source_index(i: usize, old: usize, new: usize) -> usize {
    let offset = (new - old) / 2;
    (i + old - offset % old) % old
}

/// Centre-tiles a vector of length `old.len()` to `new` values.
pub fn tile_vector(old: &[f32], new: usize) -> Vec<f32> {
    (0..new)
        .map(|i| old[source_index(i, old.len(), new)])
        .collect()
}

/// Centre-tiles a row-major `[rows, cols]` matrix to `[new_rows, new_cols]`, along both
/// dimensions.
pub fn tile_matrix(
    old: &[f32],
    (rows, cols): (usize, usize),
    (new_rows, new_cols): (usize, usize),
) -> Vec<f32> {
    let mut out = Vec::with_capacity(new_rows * new_cols);
    for r in 0..new_rows {
        let src = source_index(r, rows, new_rows) * cols;
        out.extend((0..new_cols).map(|c| old[src + source_index(c, cols, new_cols)]));
    }
    out
}

/// Tiles a `[rows, blocks·cols]` matrix whose columns are `blocks` fused parts (Q|K|V, or the
/// two GeGLU halves) to `[new_rows, blocks·new_cols]`: each part is tiled on its own.
pub fn tile_fused(
    old: &[f32],
    (rows, cols): (usize, usize),
    (new_rows, new_cols): (usize, usize),
    blocks: usize,
) -> Vec<f32> {
    let parts: Vec<Vec<f32>> = (0..blocks)
        .map(|b| {
            let part: Vec<f32> = (0..rows)
                .flat_map(|r| {
                    let start = r * blocks * cols + b * cols;
                    old[start..start + cols].iter().copied()
                })
                .collect();
            tile_matrix(&part, (rows, cols), (new_rows, new_cols))
        })
        .collect();
    let mut out = Vec::with_capacity(new_rows * blocks * new_cols);
    for r in 0..new_rows {
        for p in &parts {
            out.extend_from_slice(&p[r * new_cols..(r + 1) * new_cols]);
        }
    }
    out
}

/// The trained layer each of `new` layers copies when `old` layers grow: ⌊i·old/new⌋.
pub fn layer_map(old: usize, new: usize) -> Vec<usize> {
    (0..new).map(|i| i * old / new).collect()
}

/// Checks that `to` can be grown from `from`: the same vocabulary and attention settings, and
/// width, depth and intermediate size that do not shrink.
fn check_growth(from: &EncoderConfig, to: &EncoderConfig) -> Result<()> {
    to.validate()?;
    let same = EncoderConfig {
        dim: from.dim,
        layers: from.layers,
        heads: from.heads,
        intermediate: from.intermediate,
        ..to.clone()
    };
    if &same != from {
        return Err(Error::InvalidArgument(
            "grow: only dim, layers, heads and the intermediate size may change (vocabulary, \
             attention pattern, RoPE θ and norm ε must match the checkpoint)"
                .into(),
        ));
    }
    if to.dim < from.dim || to.layers < from.layers || to.intermediate < from.intermediate {
        return Err(Error::InvalidArgument(format!(
            "grow: the new shape (dim {}, {} layers) must not be smaller than the checkpoint's \
             (dim {}, {} layers)",
            to.dim, to.layers, from.dim, from.layers
        )));
    }
    Ok(())
}

/// The weights of one tensor of the grown encoder, by its name in [`EncoderConfig::core_shapes`]
/// order; `old` looks a tensor of the trained encoder up by name.
fn grown_tensor(
    name: &str,
    from: &EncoderConfig,
    to: &EncoderConfig,
    old: &dyn Fn(&str) -> Result<Vec<f32>>,
) -> Result<Vec<f32>> {
    let (d, dn, i, inn) = (from.dim, to.dim, from.intermediate, to.intermediate);
    let Some(rest) = name.strip_prefix("layers.") else {
        return Ok(tile_vector(&old(name)?, dn)); // embedding norm, final norm
    };
    let (layer, tensor) = rest
        .split_once('.')
        .ok_or_else(|| Error::Model(format!("grow: unexpected tensor `{name}`")))?;
    let layer: usize = layer
        .parse()
        .map_err(|_| Error::Model(format!("grow: unexpected tensor `{name}`")))?;
    let src = layer_map(from.layers, to.layers)[layer];
    if tensor == "attn_norm.weight" && src == 0 {
        return Ok(vec![1.0; dn]);
    }
    let w = old(&format!("layers.{src}.{tensor}"))?;
    Ok(match tensor {
        "attn.Wqkv.weight" => tile_fused(&w, (d, d), (dn, dn), 3),
        "attn.Wo.weight" => tile_matrix(&w, (d, d), (dn, dn)),
        "mlp.Wi.weight" => tile_fused(&w, (d, i), (dn, inn), 2),
        "mlp.Wo.weight" => tile_matrix(&w, (i, d), (inn, dn)),
        _ => tile_vector(&w, dn), // attn_norm, mlp_norm
    })
}

/// Grows a trained encoder to the shape `to` (see the module docs): the embedding table and
/// every tensor centre-tiled along the widened dimensions, new layers copied from trained ones.
/// With `to` equal to the encoder's own shape the result computes exactly what `enc` does.
pub fn grow(enc: &Encoder, to: &EncoderConfig) -> Result<Encoder> {
    let from = &enc.config;
    check_growth(from, to)?;
    let names: Vec<String> = from.core_shapes().into_iter().map(|(n, _)| n).collect();
    let old = |name: &str| -> Result<Vec<f32>> {
        let k = names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::Model(format!("grow: no tensor `{name}` in the checkpoint")))?;
        Ok(enc.core[k].as_tensor().flatten_all()?.to_vec1::<f32>()?)
    };
    let mut grown = Encoder::new(to.clone(), 0)?;
    grown.embeddings = tile_matrix(
        &enc.embeddings,
        (from.vocab_size, from.dim),
        (to.vocab_size, to.dim),
    );
    let mut core = Vec::new();
    for (name, shape) in to.core_shapes() {
        let data = grown_tensor(&name, from, to, &old)?;
        let t = Tensor::from_vec(data, shape.as_slice(), &candle_core::Device::Cpu)?;
        core.push(Var::from_tensor(&t)?);
    }
    grown.core = core;
    Ok(grown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_tiling_of_a_vector_by_hand() {
        // n = 3 → N = 7: offset ⌊4/2⌋ = 2. Positions 2, 3, 4 hold a, b, c; to the left wrap
        // c, b … backwards: position 1 = c, 0 = b; to the right a, b: [b c a b c a b].
        let v = tile_vector(&[1.0, 2.0, 3.0], 7);
        assert_eq!(v, [2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]);
        // 2 → 4: offset 1: [b a b a].
        assert_eq!(tile_vector(&[1.0, 2.0], 4), [2.0, 1.0, 2.0, 1.0]);
        // Unchanged size: identity.
        assert_eq!(tile_vector(&[1.0, 2.0, 3.0], 3), [1.0, 2.0, 3.0]);
    }

    #[test]
    fn centre_tiling_of_a_matrix_by_hand() {
        // [[1 2] [3 4]] → 3 × 4. Rows: offset ⌊1/2⌋ = 0 → rows 0, 1, 0. Columns: offset 1 →
        // columns 1, 0, 1, 0.
        let m = tile_matrix(&[1.0, 2.0, 3.0, 4.0], (2, 2), (3, 4));
        #[rustfmt::skip]
        let expected = [
            2.0, 1.0, 2.0, 1.0,
            4.0, 3.0, 4.0, 3.0,
            2.0, 1.0, 2.0, 1.0,
        ];
        assert_eq!(m, expected);
        let same = tile_matrix(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3), (2, 3));
        assert_eq!(same, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn fused_parts_are_tiled_apart() {
        // One row, Q|K|V of width 2 each: [q0 q1 | k0 k1 | v0 v1] → width 4 each, offset 1:
        // [q1 q0 q1 q0 | k1 k0 k1 k0 | v1 v0 v1 v0]. Tiling the fused row as a whole would mix
        // query and key columns.
        let w = [1.0, 2.0, 10.0, 20.0, 100.0, 200.0];
        let t = tile_fused(&w, (1, 2), (1, 4), 3);
        assert_eq!(
            t,
            [
                2.0, 1.0, 2.0, 1.0, 20.0, 10.0, 20.0, 10.0, 200.0, 100.0, 200.0, 100.0
            ]
        );
    }

    #[test]
    fn layers_repeat_in_place() {
        assert_eq!(layer_map(2, 4), [0, 0, 1, 1]);
        assert_eq!(layer_map(2, 3), [0, 0, 1]);
        assert_eq!(layer_map(1, 2), [0, 0]);
        assert_eq!(layer_map(3, 3), [0, 1, 2]);
        // ModernBERT base → large: 22 → 28 layers, never past the last.
        assert!(layer_map(22, 28).iter().all(|&l| l < 22));
    }

    #[test]
    fn unchanged_shape_is_the_identity() {
        let c = EncoderConfig::with_shape(60, 16, 3, 2);
        let e = Encoder::new(c.clone(), 7).unwrap();
        let g = grow(&e, &c).unwrap();
        assert_eq!(g.embeddings, e.embeddings);
        for (a, b) in e.core.iter().zip(&g.core) {
            let a = a
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            let b = b
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            assert_eq!(a, b);
        }
        let seqs = vec![vec![1, 2, 3, 4], vec![5, 9, 7]];
        assert_eq!(
            e.embed_all(&seqs, 8, 2, |_| {}).unwrap(),
            g.embed_all(&seqs, 8, 2, |_| {}).unwrap()
        );
    }

    #[test]
    fn doubling_keeps_layer_norm_and_doubles_linear_outputs() {
        // x = [1 2 3 4] tiled to 8 holds each value twice: same mean and variance, so
        // LayerNorm(tile(x)) = tile(LayerNorm(x)). A tiled 4 × 4 matrix applied to tile(x) sums
        // every product twice: tile(x)·tile(W) = 2 · tile(x·W).
        use candle_core::Device;
        let x = [1.0f32, 2.0, 3.0, 4.0];
        let ln = |v: &[f32]| {
            let t = Tensor::from_slice(v, (1, v.len()), &Device::Cpu).unwrap();
            let w = Tensor::ones(v.len(), candle_core::DType::F32, &Device::Cpu).unwrap();
            crate::encoder::layer_norm(&t, &w, 1e-5)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        };
        let tiled_then_norm = ln(&tile_vector(&x, 8));
        let norm_then_tiled = tile_vector(&ln(&x), 8);
        for (a, b) in tiled_then_norm.iter().zip(&norm_then_tiled) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        let w: Vec<f32> = (0..16).map(|k| k as f32 - 7.5).collect();
        let xw: Vec<f32> = (0..4)
            .map(|c| (0..4).map(|r| x[r] * w[r * 4 + c]).sum())
            .collect();
        let (tx, tw) = (tile_vector(&x, 8), tile_matrix(&w, (4, 4), (8, 8)));
        let big: Vec<f32> = (0..8)
            .map(|c| (0..8).map(|r| tx[r] * tw[r * 8 + c]).sum())
            .collect();
        let expected: Vec<f32> = tile_vector(&xw, 8).iter().map(|v| 2.0 * v).collect();
        assert_eq!(big, expected);
    }

    #[test]
    fn grown_encoder_has_the_new_shape_and_copied_layers() {
        let small = EncoderConfig::with_shape(40, 8, 1, 2);
        let e = Encoder::new(small.clone(), 3).unwrap();
        let big = EncoderConfig::with_shape(40, 16, 2, 4);
        let g = grow(&e, &big).unwrap();
        assert_eq!(g.embeddings.len(), 40 * 16);
        // Token 5's row: old row tiled with offset 4 → new[j] = old[(j − 4) mod 8].
        assert_eq!(g.embeddings[5 * 16], e.embeddings[5 * 8 + 4]);
        assert_eq!(g.embeddings[5 * 16 + 4], e.embeddings[5 * 8]);
        let names: Vec<String> = big.core_shapes().into_iter().map(|(n, _)| n).collect();
        let get = |enc: &Encoder, names: &[String], n: &str| {
            let k = names.iter().position(|x| x == n).unwrap();
            enc.core[k]
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        };
        // Layer 1 copies layer 0: the same tiled Wo; its attention norm is ones.
        assert_eq!(
            get(&g, &names, "layers.1.attn.Wo.weight"),
            get(&g, &names, "layers.0.attn.Wo.weight")
        );
        assert_eq!(get(&g, &names, "layers.1.attn_norm.weight"), vec![1.0; 16]);
        let shrink = EncoderConfig::with_shape(40, 4, 1, 2);
        assert!(grow(&e, &shrink).is_err());
        let other_vocab = EncoderConfig::with_shape(41, 16, 1, 4);
        assert!(grow(&e, &other_vocab).is_err());
    }
}
