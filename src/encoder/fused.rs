//! Fused CPU kernels of the encoder, as candle custom ops with a forward and a backward pass.
//!
//! The unfused encoder spent most of a training step in candle's element-wise machinery: RoPE
//! built from `narrow`/`cat`/broadcast products, a softmax and a LayerNorm of five broadcast
//! ops each, and a backward pass that mirrors every one of them with fresh temporaries. Each op
//! here does the same arithmetic in one pass over contiguous memory:
//!
//! - [`Linear`]: `x·W` through `gemm` on the calling thread (no nested thread pool), with the
//!   transposed products of the backward pass read through strides instead of copies;
//! - [`LayerNorm`]: bias-free LayerNorm, `(x − mean) / sqrt(var + ε) · w`;
//! - [`GeGlu`]: `gelu(a) ⊙ g` for `[a | g]` = the two halves of the input (exact erf GELU);
//! - [`Attention`]: multi-head attention over a packed `[q | k | v]` projection, with RoPE, the
//!   key-padding mask and the sliding window: only the keys a query may see are touched;
//! - [`MeanPoolNormalize`]: mean over each sequence's real tokens, then L2 normalisation;
//! - [`InfoNce`]: the symmetric InfoNCE loss of [`crate::retrieval::train`].
//!
//! Every kernel runs its reductions in a fixed order on one thread, so the same inputs give the
//! same bits on any thread count. Each op is tested against the unfused candle autograd path it
//! replaces (values and gradients) and against finite differences.

use std::sync::{Arc, Mutex};

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Device, Layout, Shape, Storage, Tensor, bail};

use super::simd::{self, dispatch};

type CResult<T> = candle_core::Result<T>;

/// The contiguous f32 data of a CPU storage.
fn cpu_f32<'a>(s: &'a CpuStorage, l: &Layout, op: &str) -> CResult<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((a, b))) => Ok(&v[a..b]),
        (CpuStorage::F32(_), None) => bail!("{op}: input must be contiguous"),
        _ => bail!("{op}: input must be f32"),
    }
}

/// Runs `f` on the contiguous f32 data of a tensor (copied only when it is strided).
fn with_f32<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> CResult<R> {
    let t = if t.is_contiguous() {
        t.clone()
    } else {
        t.contiguous()?
    };
    let (s, l) = t.storage_and_layout();
    match &*s {
        Storage::Cpu(c) => Ok(f(cpu_f32(c, l, "fused op")?)),
        _ => bail!("fused ops run on the CPU only"),
    }
}

/// The upstream gradient of a scalar output.
fn scalar(t: &Tensor) -> CResult<f32> {
    with_f32(t, |v| v.first().copied().unwrap_or(0.0))
}

fn tensor(v: Vec<f32>, shape: impl Into<Shape>) -> CResult<Tensor> {
    Tensor::from_vec(v, shape, &Device::Cpu)
}

fn dims2(l: &Layout, op: &str) -> CResult<(usize, usize)> {
    match l.dims() {
        &[a, b] => Ok((a, b)),
        d => bail!("{op}: expected a matrix, got shape {d:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Matrix products.

/// A row-major or transposed view of a matrix for [`gemm`]: data, row stride, column stride.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f32],
    rs: usize,
    cs: usize,
}

impl<'a> View<'a> {
    /// Row-major `[rows, cols]`.
    fn rows(data: &'a [f32], cols: usize) -> Self {
        View {
            data,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose of a row-major matrix with `cols` columns.
    fn transposed(data: &'a [f32], cols: usize) -> Self {
        View {
            data,
            rs: 1,
            cs: cols,
        }
    }
    fn fits(&self, rows: usize, cols: usize) -> bool {
        rows == 0 || cols == 0 || (rows - 1) * self.rs + (cols - 1) * self.cs < self.data.len()
    }
}

/// `dst[m × n] = a[m × k] · b[k × n]` (row-major `dst`), single-threaded `gemm`.
fn gemm(m: usize, n: usize, k: usize, dst: &mut [f32], a: View, b: View) -> CResult<()> {
    if dst.len() != m * n {
        bail!(
            "matrix product: destination holds {} elements, not {m}×{n}",
            dst.len()
        );
    }
    gemm_into(m, n, k, dst, n, a, b)
}

/// `dst[m × n] = a[m × k] · b[k × n]` where row i of `dst` starts at `i · dst_rs`; elements of
/// `dst` outside those rows are left alone.
fn gemm_into(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    dst_rs: usize,
    a: View,
    b: View,
) -> CResult<()> {
    if m == 0 || n == 0 {
        return Ok(());
    }
    if dst_rs < n || (m - 1) * dst_rs + n > dst.len() || !a.fits(m, k) || !b.fits(k, n) {
        bail!("matrix product: operand sizes do not match {m}×{k} · {k}×{n}");
    }
    if k == 0 {
        for row in dst.chunks_mut(dst_rs).take(m) {
            row[..n].fill(0.0);
        }
        return Ok(());
    }
    // SAFETY: every index gemm reads, i·rs + j·cs over the stated extents, lies inside the
    // operand slices (checked by `fits`), and every index it writes, i·dst_rs + j with i < m,
    // j < n, lies inside `dst` (checked above).
    unsafe { gemm_raw(m, n, k, dst.as_mut_ptr(), dst_rs, a, b) };
    Ok(())
}

/// A new row-major `[m × n]` matrix `a · b`, written once by `gemm` (no zero-fill first).
fn gemm_new(m: usize, n: usize, k: usize, a: View, b: View) -> CResult<Vec<f32>> {
    if !a.fits(m, k) || !b.fits(k, n) {
        bail!("matrix product: operand sizes do not match {m}×{k} · {k}×{n}");
    }
    if m == 0 || n == 0 || k == 0 {
        return Ok(vec![0f32; m * n]);
    }
    let mut out: Vec<f32> = Vec::with_capacity(m * n);
    // SAFETY: the operands are in bounds (checked by `fits`); with `read_dst = false` gemm only
    // writes the m·n destination elements, which are exactly the capacity reserved above, so
    // after the call all of them are initialised.
    unsafe {
        gemm_raw(m, n, k, out.as_mut_ptr(), n, a, b);
        out.set_len(m * n);
    }
    Ok(out)
}

/// `dst = a · b` through `gemm`, single-threaded, without reading `dst`.
///
/// # Safety
/// `a` and `b` must hold their m × k and k × n extents, and `dst` must be valid for writes at
/// i·dst_rs + j for every i < m, j < n.
unsafe fn gemm_raw(m: usize, n: usize, k: usize, dst: *mut f32, dst_rs: usize, a: View, b: View) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs as isize,
            false,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `y = x·W` for `x: [n, k]`, `W: [k, m]` (weights stored `[in, out]`).
#[derive(Debug, Clone, Copy)]
pub struct Linear;

impl CustomOp2 for Linear {
    fn name(&self) -> &'static str {
        "fused-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> CResult<(CpuStorage, Shape)> {
        let (x, w) = (cpu_f32(s1, l1, "linear")?, cpu_f32(s2, l2, "linear")?);
        let ((n, k), (k2, m)) = (dims2(l1, "linear")?, dims2(l2, "linear")?);
        if k != k2 {
            bail!("linear: input has {k} columns, weight has {k2} rows");
        }
        let y = gemm_new(n, m, k, View::rows(x, k), View::rows(w, m))?;
        Ok((CpuStorage::F32(y), Shape::from((n, m))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _y: &Tensor,
        g: &Tensor,
    ) -> CResult<(Option<Tensor>, Option<Tensor>)> {
        let (n, k) = x.dims2()?;
        let m = w.dim(1)?;
        let (dx, dw) = with_f32(g, |g| -> CResult<_> {
            let dx = with_f32(w, |w| {
                gemm_new(n, k, m, View::rows(g, m), View::transposed(w, m))
            })??;
            let dw = with_f32(x, |x| {
                gemm_new(k, m, n, View::transposed(x, k), View::rows(g, m))
            })??;
            Ok((dx, dw))
        })??;
        Ok((Some(tensor(dx, (n, k))?), Some(tensor(dw, (k, m))?)))
    }
}

// ---------------------------------------------------------------------------------------------
// LayerNorm.

/// Bias-free LayerNorm over the last dimension of `[n, d]`: `(x − mean) / sqrt(var + ε) · w`
/// (biased variance, as PyTorch's `nn.LayerNorm`).
#[derive(Debug, Clone, Copy)]
pub struct LayerNorm {
    /// ε added to the variance.
    pub eps: f32,
}

/// Mean and 1/sqrt(var + ε) of one row.
#[inline(always)]
fn row_moments(x: &[f32], eps: f32) -> (f32, f32) {
    let d = x.len() as f32;
    let mean = simd::sum(x) / d;
    let mut acc = [0f32; 8];
    let mut c = x.chunks_exact(8);
    for v in &mut c {
        for l in 0..8 {
            let t = v[l] - mean;
            acc[l] = t.mul_add(t, acc[l]);
        }
    }
    let mut ss = simd::sum(&acc);
    for &v in c.remainder() {
        ss = (v - mean).mul_add(v - mean, ss);
    }
    (mean, 1.0 / (ss / d + eps).sqrt())
}

#[inline(always)]
fn layer_norm_fwd_body(x: &[f32], w: &[f32], eps: f32, y: &mut [f32]) {
    let d = w.len();
    for (xr, yr) in x.chunks_exact(d).zip(y.chunks_exact_mut(d)) {
        let (mean, rstd) = row_moments(xr, eps);
        for ((o, &v), &wi) in yr.iter_mut().zip(xr).zip(w) {
            *o = (v - mean) * rstd * wi;
        }
    }
}

dispatch!(fn layer_norm_fwd(x: &[f32], w: &[f32], eps: f32, y: &mut [f32]) => layer_norm_fwd_body);

#[inline(always)]
fn layer_norm_bwd_body(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    eps: f32,
    dx: &mut [f32],
    dw: &mut [f32],
    scratch: &mut [f32],
) {
    let d = w.len();
    let inv_d = 1.0 / d as f32;
    for ((xr, gr), dxr) in x
        .chunks_exact(d)
        .zip(g.chunks_exact(d))
        .zip(dx.chunks_exact_mut(d))
    {
        let (mean, rstd) = row_moments(xr, eps);
        // scratch = x̂; dxr = g ⊙ w (the gradient of x̂).
        for (((s, &v), o), (&gi, &wi)) in scratch
            .iter_mut()
            .zip(xr)
            .zip(dxr.iter_mut())
            .zip(gr.iter().zip(w))
        {
            *s = (v - mean) * rstd;
            *o = gi * wi;
        }
        let mean_g = simd::sum(dxr) * inv_d;
        let mean_gx = simd::dot(dxr, scratch) * inv_d;
        for ((o, &xh), (dwi, &gi)) in dxr
            .iter_mut()
            .zip(scratch.iter())
            .zip(dw.iter_mut().zip(gr))
        {
            *dwi = gi.mul_add(xh, *dwi);
            *o = rstd * (*o - mean_g - xh * mean_gx);
        }
    }
}

dispatch!(fn layer_norm_bwd(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    eps: f32,
    dx: &mut [f32],
    dw: &mut [f32],
    scratch: &mut [f32],
) => layer_norm_bwd_body);

impl CustomOp2 for LayerNorm {
    fn name(&self) -> &'static str {
        "fused-layer-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> CResult<(CpuStorage, Shape)> {
        let (x, w) = (
            cpu_f32(s1, l1, "layer norm")?,
            cpu_f32(s2, l2, "layer norm")?,
        );
        let (n, d) = dims2(l1, "layer norm")?;
        if w.len() != d {
            bail!(
                "layer norm: weight has {} elements for rows of {d}",
                w.len()
            );
        }
        let mut y = vec![0f32; n * d];
        layer_norm_fwd(x, w, self.eps, &mut y);
        Ok((CpuStorage::F32(y), Shape::from((n, d))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _y: &Tensor,
        g: &Tensor,
    ) -> CResult<(Option<Tensor>, Option<Tensor>)> {
        let (n, d) = x.dims2()?;
        let mut dx = vec![0f32; n * d];
        let mut dw = vec![0f32; d];
        let mut scratch = vec![0f32; d];
        with_f32(x, |x| {
            with_f32(w, |w| {
                with_f32(g, |g| {
                    layer_norm_bwd(x, w, g, self.eps, &mut dx, &mut dw, &mut scratch)
                })
            })
        })???;
        Ok((Some(tensor(dx, (n, d))?), Some(tensor(dw, d)?)))
    }
}

// ---------------------------------------------------------------------------------------------
// GeGLU.

/// GeGLU's gate: `[n, 2I] → [n, I]`, `gelu(a) ⊙ g` where `a` is the first half of each row and
/// `g` the second, GELU exact: `x/2 · (1 + erf(x/√2))`.
#[derive(Debug, Clone, Copy)]
pub struct GeGlu;

/// 1 + erf(x/√2), the CDF of GELU times 2 (vectorisable; accurate also where it is tiny).
#[inline(always)]
fn gelu_cdf2(a: f32) -> f32 {
    simd::one_plus_erf(a * std::f32::consts::FRAC_1_SQRT_2)
}

#[inline(always)]
fn geglu_fwd_body(h: &[f32], i: usize, y: &mut [f32]) {
    for (hr, yr) in h.chunks_exact(2 * i).zip(y.chunks_exact_mut(i)) {
        let (a, g) = hr.split_at(i);
        for ((o, &a), &g) in yr.iter_mut().zip(a).zip(g) {
            *o = gelu_cdf2(a) * 0.5 * a * g;
        }
    }
}

dispatch!(fn geglu_fwd(h: &[f32], i: usize, y: &mut [f32]) => geglu_fwd_body);

#[inline(always)]
fn geglu_bwd_body(h: &[f32], dy: &[f32], i: usize, dh: &mut [f32]) {
    const INV_SQRT_2PI: f32 = 0.398_942_3;
    for ((hr, gr), dr) in h
        .chunks_exact(2 * i)
        .zip(dy.chunks_exact(i))
        .zip(dh.chunks_exact_mut(2 * i))
    {
        let (a, g) = hr.split_at(i);
        let (da, dg) = dr.split_at_mut(i);
        for ((((&a, &g), &gy), da), dg) in a.iter().zip(g).zip(gr).zip(da).zip(dg) {
            let cdf2 = gelu_cdf2(a);
            let gelu = cdf2 * 0.5 * a;
            let slope = 0.5 * cdf2 + INV_SQRT_2PI * simd::exp(-0.5 * a * a) * a;
            *da = gy * g * slope;
            *dg = gy * gelu;
        }
    }
}

dispatch!(fn geglu_bwd(h: &[f32], dy: &[f32], i: usize, dh: &mut [f32]) => geglu_bwd_body);

impl CustomOp1 for GeGlu {
    fn name(&self) -> &'static str {
        "fused-geglu"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> CResult<(CpuStorage, Shape)> {
        let h = cpu_f32(s, l, "geglu")?;
        let (n, two_i) = dims2(l, "geglu")?;
        if two_i % 2 != 0 {
            bail!("geglu: input width {two_i} is odd");
        }
        let i = two_i / 2;
        let mut y = vec![0f32; n * i];
        geglu_fwd(h, i, &mut y);
        Ok((CpuStorage::F32(y), Shape::from((n, i))))
    }

    fn bwd(&self, h: &Tensor, _y: &Tensor, g: &Tensor) -> CResult<Option<Tensor>> {
        let (n, two_i) = h.dims2()?;
        let mut dh = vec![0f32; n * two_i];
        with_f32(h, |h| with_f32(g, |g| geglu_bwd(h, g, two_i / 2, &mut dh)))??;
        Ok(Some(tensor(dh, (n, two_i))?))
    }
}

// ---------------------------------------------------------------------------------------------
// Attention.

/// The fixed part of one attention call: batch geometry, masks and RoPE tables.
#[derive(Debug, Clone)]
pub struct AttentionShape {
    /// Sequences in the batch.
    pub batch: usize,
    /// Padded length.
    pub len: usize,
    /// Heads.
    pub heads: usize,
    /// Size of one head (even).
    pub head_dim: usize,
    /// Real length of each sequence; keys at or beyond it are masked, and query rows beyond it
    /// (padding) produce zeros.
    pub lens: Vec<usize>,
    /// Sliding window: a query attends to keys at distance ≤ this (`None`: global attention).
    pub half_window: Option<usize>,
    /// RoPE cosines `[≥ len, head_dim/2]` (half-split layout; a longer table is fine).
    pub cos: Arc<[f32]>,
    /// RoPE sines `[≥ len, head_dim/2]`.
    pub sin: Arc<[f32]>,
}

impl AttentionShape {
    fn dim(&self) -> usize {
        self.heads * self.head_dim
    }

    /// Keys `j0..j1` that query `i` of a sequence of `n` real tokens may attend to.
    #[inline(always)]
    fn keys(&self, i: usize, n: usize) -> (usize, usize) {
        match self.half_window {
            Some(h) => (i.saturating_sub(h), (i + h + 1).min(n)),
            None => (0, n),
        }
    }

    /// Every (sequence, head) block with at least one real token.
    fn blocks(&self) -> impl Iterator<Item = Block> + '_ {
        self.lens.iter().enumerate().flat_map(move |(s, &n)| {
            (0..self.heads)
                .filter(move |_| n > 0)
                .map(move |head| Block {
                    row: s * self.len,
                    n,
                    head,
                    index: s * self.heads + head,
                })
        })
    }

    fn check(&self) -> CResult<()> {
        let half = self.head_dim / 2;
        if self.head_dim % 2 != 0
            || self.lens.len() != self.batch
            || self.lens.iter().any(|&n| n > self.len)
            || self.cos.len() < self.len * half
            || self.sin.len() < self.len * half
        {
            bail!("attention: inconsistent shape {self:?}");
        }
        Ok(())
    }
}

/// Multi-head attention with RoPE over `qkv: [batch·len, 3·d]` (each row `[q | k | v]`, heads
/// contiguous inside each part) → `[batch·len, d]`:
/// `softmax(rope(q)·rope(k)ᵀ / √head_dim + mask)·v`, the mask hiding padding keys and, for local
/// layers, keys outside the window. Padding query rows give zeros.
#[derive(Debug)]
pub struct Attention {
    shape: Arc<AttentionShape>,
    keep: bool,
    cache: Mutex<Option<AttentionCache>>,
}

/// Rotated queries and keys `[batch, heads, len, head_dim]` and attention probabilities (an
/// n × n block per sequence and head, blocks len² apart) of a forward pass, kept for the
/// backward pass.
#[derive(Debug)]
struct AttentionCache {
    q: Vec<f32>,
    k: Vec<f32>,
    p: Vec<f32>,
}

impl Attention {
    /// The op for one layer; with `keep`, the forward pass keeps what the backward pass needs
    /// (otherwise the backward pass recomputes it).
    pub fn new(shape: Arc<AttentionShape>, keep: bool) -> Self {
        Attention {
            shape,
            keep,
            cache: Mutex::new(None),
        }
    }

    fn forward(&self, qkv: &[f32]) -> CResult<(Vec<f32>, AttentionCache)> {
        let sh = &*self.shape;
        sh.check()?;
        let (b, l, h, hd) = (sh.batch, sh.len, sh.heads, sh.head_dim);
        if qkv.len() != b * l * 3 * sh.dim() {
            bail!(
                "attention: qkv has {} elements, expected {}",
                qkv.len(),
                b * l * 3 * sh.dim()
            );
        }
        let mut cache = AttentionCache {
            q: vec![0f32; b * h * l * hd],
            k: vec![0f32; b * h * l * hd],
            p: vec![0f32; b * h * l * l],
        };
        let mut ctx = vec![0f32; b * l * sh.dim()];
        attention_fwd(sh, qkv, &mut cache, &mut ctx)?;
        Ok((ctx, cache))
    }
}

/// Rotates one head vector: `y = x·cos + rotate_half(x)·sin` (candle's `rope_slow`).
#[inline(always)]
fn rope(x: &[f32], cos: &[f32], sin: &[f32], y: &mut [f32]) {
    let half = cos.len();
    let (x1, x2) = x.split_at(half);
    let (y1, y2) = y.split_at_mut(half);
    for i in 0..half {
        y1[i] = x1[i] * cos[i] + -x2[i] * sin[i];
        y2[i] = x2[i] * cos[i] + x1[i] * sin[i];
    }
}

/// The transpose of [`rope`]: `dx = Rᵀ·dy`.
#[inline(always)]
fn rope_transpose(dy: &[f32], cos: &[f32], sin: &[f32], dx: &mut [f32]) {
    let half = cos.len();
    let (d1, d2) = dy.split_at(half);
    let (x1, x2) = dx.split_at_mut(half);
    for i in 0..half {
        x1[i] = d1[i] * cos[i] + d2[i] * sin[i];
        x2[i] = d2[i] * cos[i] - d1[i] * sin[i];
    }
}

/// Softmax of `row[j0..j1] · scale` in place; the rest of the row (masked keys) becomes 0.
#[inline(always)]
fn masked_softmax(row: &mut [f32], j0: usize, j1: usize, scale: f32) {
    row[..j0].fill(0.0);
    row[j1..].fill(0.0);
    let open = &mut row[j0..j1];
    let mut max = f32::NEG_INFINITY;
    for v in open.iter_mut() {
        *v *= scale;
        max = max.max(*v);
    }
    for v in open.iter_mut() {
        *v = simd::exp(*v - max);
    }
    let inv = 1.0 / simd::sum(open);
    for v in open.iter_mut() {
        *v *= inv;
    }
}

/// Views of one (sequence, head) block: where its rows start in `qkv` / `ctx`.
#[derive(Clone, Copy)]
struct Block {
    /// First row of the sequence in the packed `[batch·len, ·]` matrices.
    row: usize,
    /// Real tokens.
    n: usize,
    /// Head index.
    head: usize,
    /// Index of the block in the caches.
    index: usize,
}

#[inline(always)]
fn attention_fwd_body(
    sh: &AttentionShape,
    qkv: &[f32],
    cache: &mut AttentionCache,
    ctx: &mut [f32],
) -> CResult<()> {
    let (l, hd, d) = (sh.len, sh.head_dim, sh.dim());
    let half = hd / 2;
    let scale = 1.0 / (hd as f32).sqrt();
    for blk in sh.blocks() {
        let (n, o) = (blk.n, blk.head * hd);
        let qr = &mut cache.q[blk.index * l * hd..][..n * hd];
        let kr = &mut cache.k[blk.index * l * hd..][..n * hd];
        for p in 0..n {
            let row = &qkv[(blk.row + p) * 3 * d..][..3 * d];
            let (c, sn) = (&sh.cos[p * half..][..half], &sh.sin[p * half..][..half]);
            rope(&row[o..o + hd], c, sn, &mut qr[p * hd..(p + 1) * hd]);
            rope(
                &row[d + o..d + o + hd],
                c,
                sn,
                &mut kr[p * hd..(p + 1) * hd],
            );
        }
        let probs = &mut cache.p[blk.index * l * l..][..n * n];
        gemm(
            n,
            n,
            hd,
            probs,
            View::rows(qr, hd),
            View::transposed(kr, hd),
        )?;
        for (i, row) in probs.chunks_exact_mut(n).enumerate() {
            let (j0, j1) = sh.keys(i, n);
            masked_softmax(row, j0, j1, scale);
        }
        let v = View::rows(&qkv[blk.row * 3 * d + 2 * d + o..], 3 * d);
        let out = &mut ctx[blk.row * d + o..];
        gemm_into(n, hd, n, out, d, View::rows(probs, n), v)?;
    }
    Ok(())
}

dispatch!(fn attention_fwd(
    sh: &AttentionShape,
    qkv: &[f32],
    cache: &mut AttentionCache,
    ctx: &mut [f32],
) -> CResult<()> => attention_fwd_body);

/// Scratch matrices of the backward pass, sized for the padded length.
struct AttentionScratch {
    dp: Vec<f32>,
    dq: Vec<f32>,
    dk: Vec<f32>,
}

#[inline(always)]
fn attention_bwd_body(
    sh: &AttentionShape,
    qkv: &[f32],
    cache: &AttentionCache,
    dctx: &[f32],
    dqkv: &mut [f32],
    scratch: &mut AttentionScratch,
) -> CResult<()> {
    let (l, hd, d) = (sh.len, sh.head_dim, sh.dim());
    let half = hd / 2;
    let scale = 1.0 / (hd as f32).sqrt();
    for blk in sh.blocks() {
        let (n, o) = (blk.n, blk.head * hd);
        let qr = &cache.q[blk.index * l * hd..][..n * hd];
        let kr = &cache.k[blk.index * l * hd..][..n * hd];
        let probs = &cache.p[blk.index * l * l..][..n * n];
        let go = View::rows(&dctx[blk.row * d + o..], d);
        let v_part = &qkv[blk.row * 3 * d + 2 * d + o..];
        // dP = dctx·Vᵀ and dV = Pᵀ·dctx.
        let dp = &mut scratch.dp[..n * n];
        gemm(n, n, hd, dp, go, View::transposed(v_part, 3 * d))?;
        let dv = &mut dqkv[blk.row * 3 * d + 2 * d + o..];
        gemm_into(n, hd, n, dv, 3 * d, View::transposed(probs, n), go)?;
        // Softmax backward: dS = P ⊙ (dP − rowsum(P ⊙ dP)), times the score scale.
        for (pr, dr) in probs.chunks_exact(n).zip(dp.chunks_exact_mut(n)) {
            let rowdot = simd::dot(pr, dr);
            for (x, &p) in dr.iter_mut().zip(pr) {
                *x = p * (*x - rowdot) * scale;
            }
        }
        // dQ = dS·K and dK = dSᵀ·Q (rotated), then back through RoPE.
        let (dq, dk) = (&mut scratch.dq[..n * hd], &mut scratch.dk[..n * hd]);
        gemm(n, hd, n, dq, View::rows(dp, n), View::rows(kr, hd))?;
        gemm(n, hd, n, dk, View::transposed(dp, n), View::rows(qr, hd))?;
        for p in 0..n {
            let (c, sn) = (&sh.cos[p * half..][..half], &sh.sin[p * half..][..half]);
            let row = &mut dqkv[(blk.row + p) * 3 * d..][..3 * d];
            rope_transpose(&dq[p * hd..][..hd], c, sn, &mut row[o..o + hd]);
            rope_transpose(&dk[p * hd..][..hd], c, sn, &mut row[d + o..d + o + hd]);
        }
    }
    Ok(())
}

dispatch!(fn attention_bwd(
    sh: &AttentionShape,
    qkv: &[f32],
    cache: &AttentionCache,
    dctx: &[f32],
    dqkv: &mut [f32],
    scratch: &mut AttentionScratch,
) -> CResult<()> => attention_bwd_body);

impl CustomOp1 for Attention {
    fn name(&self) -> &'static str {
        "fused-rope-attention"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> CResult<(CpuStorage, Shape)> {
        let qkv = cpu_f32(s, l, "attention")?;
        let (ctx, cache) = self.forward(qkv)?;
        if self.keep {
            if let Ok(mut slot) = self.cache.lock() {
                *slot = Some(cache);
            }
        }
        let sh = &self.shape;
        Ok((
            CpuStorage::F32(ctx),
            Shape::from((sh.batch * sh.len, sh.dim())),
        ))
    }

    fn bwd(&self, qkv: &Tensor, _ctx: &Tensor, g: &Tensor) -> CResult<Option<Tensor>> {
        let kept = self.cache.lock().ok().and_then(|mut c| c.take());
        let dqkv = with_f32(qkv, |qkv| -> CResult<Vec<f32>> {
            let cache = match kept {
                Some(c) => c,
                None => self.forward(qkv)?.1,
            };
            let mut dqkv = vec![0f32; qkv.len()];
            let (l, hd) = (self.shape.len, self.shape.head_dim);
            let mut scratch = AttentionScratch {
                dp: vec![0f32; l * l],
                dq: vec![0f32; l * hd],
                dk: vec![0f32; l * hd],
            };
            with_f32(g, |g| {
                attention_bwd(&self.shape, qkv, &cache, g, &mut dqkv, &mut scratch)
            })??;
            Ok(dqkv)
        })??;
        Ok(Some(tensor(dqkv, qkv.shape().clone())?))
    }
}

// ---------------------------------------------------------------------------------------------
// Mean pooling + L2 normalisation.

/// `[batch·len, d] → [batch, d]`: the mean of each sequence's first `lens[b]` rows, divided by
/// its L2 norm (`sqrt(Σ x² + 1e-12)`).
#[derive(Debug, Clone)]
pub struct MeanPoolNormalize {
    /// Real length of each sequence.
    pub lens: Vec<usize>,
}

impl MeanPoolNormalize {
    /// Pooled (unnormalised) rows and their norms.
    fn pooled(&self, x: &[f32], d: usize) -> (Vec<f32>, Vec<f32>) {
        let b = self.lens.len();
        let l = x.len() / (b.max(1) * d.max(1));
        let mut pooled = vec![0f32; b * d];
        let mut norms = vec![0f32; b];
        for (s, &n) in self.lens.iter().enumerate() {
            let out = &mut pooled[s * d..(s + 1) * d];
            let w = 1.0 / n.max(1) as f32;
            for p in 0..n.min(l) {
                let row = &x[(s * l + p) * d..(s * l + p + 1) * d];
                for (o, &v) in out.iter_mut().zip(row) {
                    *o += v * w;
                }
            }
            norms[s] = (simd::dot(out, out) + 1e-12).sqrt();
        }
        (pooled, norms)
    }
}

impl CustomOp1 for MeanPoolNormalize {
    fn name(&self) -> &'static str {
        "fused-mean-pool-normalize"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> CResult<(CpuStorage, Shape)> {
        let x = cpu_f32(s, l, "mean pool")?;
        let (rows, d) = dims2(l, "mean pool")?;
        let b = self.lens.len();
        if b == 0 || rows % b != 0 || self.lens.iter().any(|&n| n > rows / b) {
            bail!("mean pool: {rows} rows do not split into {b} sequences");
        }
        let (mut y, norms) = self.pooled(x, d);
        for (row, n) in y.chunks_exact_mut(d).zip(&norms) {
            row.iter_mut().for_each(|v| *v /= n);
        }
        Ok((CpuStorage::F32(y), Shape::from((b, d))))
    }

    fn bwd(&self, x: &Tensor, y: &Tensor, g: &Tensor) -> CResult<Option<Tensor>> {
        let (rows, d) = x.dims2()?;
        let b = self.lens.len();
        let l = rows / b;
        let norms = with_f32(x, |x| self.pooled(x, d).1)?;
        let mut dx = vec![0f32; rows * d];
        with_f32(y, |y| {
            with_f32(g, |g| {
                let mut dp = vec![0f32; d];
                for (s, &n) in self.lens.iter().enumerate() {
                    let (yr, gr) = (&y[s * d..(s + 1) * d], &g[s * d..(s + 1) * d]);
                    // y = p/‖p‖ → dp = (g − y·(y·g)) / ‖p‖.
                    let yg = simd::dot(yr, gr);
                    for ((o, &yi), &gi) in dp.iter_mut().zip(yr).zip(gr) {
                        *o = (gi - yi * yg) / norms[s];
                    }
                    let w = 1.0 / n.max(1) as f32;
                    for p in 0..n {
                        let row = &mut dx[(s * l + p) * d..(s * l + p + 1) * d];
                        for (o, &v) in row.iter_mut().zip(&dp) {
                            *o = v * w;
                        }
                    }
                }
            })
        })??;
        Ok(Some(tensor(dx, (rows, d))?))
    }
}

// ---------------------------------------------------------------------------------------------
// Symmetric InfoNCE.

/// Loss and gradients of the symmetric InfoNCE loss for `q, c: [b, d]` and temperature τ:
/// S = Q·Cᵀ/τ, loss = ½·(mean_i CE(S_i·, i) + mean_j CE(S_·j, j)).
/// Returns (loss, ∂loss/∂Q, ∂loss/∂C).
pub fn info_nce_with_grad(q: &[f32], c: &[f32], d: usize, tau: f32) -> (f32, Vec<f32>, Vec<f32>) {
    let b = q.len() / d.max(1);
    let mut s = vec![0f32; b * b];
    for i in 0..b {
        for j in 0..b {
            s[i * b + j] = simd::dot(&q[i * d..(i + 1) * d], &c[j * d..(j + 1) * d]) / tau;
        }
    }
    // Row softmax (query → code) and column softmax (code → query).
    let mut pr = vec![0f32; b * b];
    let mut pc = vec![0f32; b * b];
    let mut loss = 0f64;
    for i in 0..b {
        let (max, lse) = log_sum_exp((0..b).map(|j| s[i * b + j]));
        for j in 0..b {
            pr[i * b + j] = (s[i * b + j] - max).exp() / lse.exp();
        }
        loss += (max + lse - s[i * b + i]) as f64;
    }
    for j in 0..b {
        let (max, lse) = log_sum_exp((0..b).map(|i| s[i * b + j]));
        for i in 0..b {
            pc[i * b + j] = (s[i * b + j] - max).exp() / lse.exp();
        }
        loss += (max + lse - s[j * b + j]) as f64;
    }
    let loss = (0.5 * loss / b as f64) as f32;
    // dS = ½/b · ((Pr − I) + (Pc − I)); dQ = dS·C/τ; dC = dSᵀ·Q/τ.
    let k = 0.5 / b as f32;
    let mut ds = vec![0f32; b * b];
    for i in 0..b {
        for j in 0..b {
            let eye = if i == j { 2.0 } else { 0.0 };
            ds[i * b + j] = k * (pr[i * b + j] + pc[i * b + j] - eye) / tau;
        }
    }
    let mut dq = vec![0f32; b * d];
    let mut dc = vec![0f32; b * d];
    for i in 0..b {
        for j in 0..b {
            let g = ds[i * b + j];
            simd::axpy(&mut dq[i * d..(i + 1) * d], g, &c[j * d..(j + 1) * d]);
            simd::axpy(&mut dc[j * d..(j + 1) * d], g, &q[i * d..(i + 1) * d]);
        }
    }
    (loss, dq, dc)
}

/// (max, ln Σ exp(x − max)).
fn log_sum_exp(x: impl Iterator<Item = f32> + Clone) -> (f32, f32) {
    let max = x.clone().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = x.map(|v| (v - max).exp()).sum();
    (max, sum.ln())
}

/// The symmetric InfoNCE loss `(q [b, d], c [b, d]) → scalar` (see [`info_nce_with_grad`]).
#[derive(Debug, Clone, Copy)]
pub struct InfoNce {
    /// Temperature τ.
    pub temperature: f32,
}

impl CustomOp2 for InfoNce {
    fn name(&self) -> &'static str {
        "fused-info-nce"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> CResult<(CpuStorage, Shape)> {
        let (q, c) = (cpu_f32(s1, l1, "info nce")?, cpu_f32(s2, l2, "info nce")?);
        let (b, d) = dims2(l1, "info nce")?;
        if l2.dims() != [b, d] {
            bail!(
                "info nce: query {:?} and code {:?} shapes differ",
                l1.dims(),
                l2.dims()
            );
        }
        let (loss, _, _) = info_nce_with_grad(q, c, d, self.temperature);
        Ok((CpuStorage::F32(vec![loss]), Shape::from(())))
    }

    fn bwd(
        &self,
        q: &Tensor,
        c: &Tensor,
        _loss: &Tensor,
        g: &Tensor,
    ) -> CResult<(Option<Tensor>, Option<Tensor>)> {
        let (b, d) = q.dims2()?;
        let up = scalar(g)?;
        let (_, mut dq, mut dc) = with_f32(q, |q| {
            with_f32(c, |c| info_nce_with_grad(q, c, d, self.temperature))
        })??;
        dq.iter_mut().chain(dc.iter_mut()).for_each(|v| *v *= up);
        Ok((Some(tensor(dq, (b, d))?), Some(tensor(dc, (b, d))?)))
    }
}

/// A scalar 0 whose backward pass hands fixed gradients to its two inputs: used to continue a
/// backward pass on one shard of a batch after the loss was differentiated for the whole batch.
#[derive(Debug, Clone)]
pub struct SeedGradient {
    /// Gradient for the first input (same shape).
    pub first: Tensor,
    /// Gradient for the second input (same shape).
    pub second: Tensor,
}

impl CustomOp2 for SeedGradient {
    fn name(&self) -> &'static str {
        "seed-gradient"
    }

    fn cpu_fwd(
        &self,
        _: &CpuStorage,
        _: &Layout,
        _: &CpuStorage,
        _: &Layout,
    ) -> CResult<(CpuStorage, Shape)> {
        Ok((CpuStorage::F32(vec![0.0]), Shape::from(())))
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> CResult<(Option<Tensor>, Option<Tensor>)> {
        let up = scalar(g)? as f64;
        if self.first.dims() != a.dims() || self.second.dims() != b.dims() {
            bail!("seed gradient: shapes do not match the inputs");
        }
        let scale = |t: &Tensor| if up == 1.0 { Ok(t.clone()) } else { t * up };
        Ok((Some(scale(&self.first)?), Some(scale(&self.second)?)))
    }
}

#[cfg(test)]
mod tests {
    //! Each fused op against the unfused candle path it replaces (values and gradients within
    //! 1e-5 of the reference, relative to the reference's largest magnitude) and against
    //! central finite differences along a random direction.

    use candle_core::{Tensor, Var};

    use super::*;
    use crate::encoder::rng::SeededRng;
    use crate::encoder::{self as enc, Encoder, EncoderConfig, GatheredRows, TokenBatch};

    type Op<'a> = &'a dyn Fn(&[Tensor]) -> crate::Result<Tensor>;

    fn random(shape: &[usize], seed: u64, scale: f64) -> Tensor {
        let mut rng = SeededRng::new(seed);
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| (rng.normal() * scale) as f32).collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    }

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// max |a − b| ≤ tol · max |b|.
    fn assert_close(what: &str, a: &Tensor, b: &Tensor, tol: f32) {
        assert_eq!(a.dims(), b.dims(), "{what}: shapes");
        let (a, b) = (values(a), values(b));
        let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-30);
        let err = a
            .iter()
            .zip(&b)
            .fold(0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(
            err <= tol * scale,
            "{what}: max error {err} vs scale {scale}"
        );
    }

    /// Output and input gradients of `Σ weight ⊙ f(inputs)`.
    fn output_and_grads(f: Op, inputs: &[Tensor], weight: &Tensor) -> (Tensor, Vec<Tensor>) {
        let vars: Vec<Var> = inputs
            .iter()
            .map(|t| Var::from_tensor(t).unwrap())
            .collect();
        let ts: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
        let out = f(&ts).unwrap();
        let loss = out.broadcast_mul(weight).unwrap().sum_all().unwrap();
        let g = loss.backward().unwrap();
        let grads = vars
            .iter()
            .map(|v| g.get(v.as_tensor()).unwrap().clone())
            .collect();
        (out, grads)
    }

    /// Fused and unfused agree on the output (optionally only the rows `weight` selects) and
    /// on every input gradient.
    fn check_equivalent(fused: Op, unfused: Op, inputs: &[Tensor], weight: &Tensor) {
        let (a, ga) = output_and_grads(fused, inputs, weight);
        let (b, gb) = output_and_grads(unfused, inputs, weight);
        let mask = weight
            .ne(0f32)
            .unwrap()
            .to_dtype(candle_core::DType::F32)
            .unwrap();
        let (a, b) = (
            a.broadcast_mul(&mask).unwrap(),
            b.broadcast_mul(&mask).unwrap(),
        );
        assert_close("output", &a, &b, 1e-5);
        for (k, (x, y)) in ga.iter().zip(&gb).enumerate() {
            assert_close(&format!("gradient of input {k}"), x, y, 1e-5);
        }
    }

    /// The gradient of `Σ weight ⊙ f` along a random direction matches a central difference.
    fn check_finite_differences(f: Op, inputs: &[Tensor], weight: &Tensor, h: f64) {
        let (_, grads) = output_and_grads(f, inputs, weight);
        let objective = |ins: &[Tensor]| -> f64 {
            let out = values(&f(ins).unwrap().broadcast_as(weight.shape()).unwrap());
            out.iter()
                .zip(values(weight))
                .map(|(&o, w)| o as f64 * w as f64)
                .sum()
        };
        for k in 0..inputs.len() {
            let u = random(inputs[k].dims(), 1000 + k as u64, 1.0);
            let shifted = |s: f64| -> f64 {
                let mut ins = inputs.to_vec();
                ins[k] = (&inputs[k] + (&u * s).unwrap()).unwrap();
                objective(&ins)
            };
            let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
            let analytic: f64 = values(&grads[k])
                .iter()
                .zip(values(&u))
                .map(|(&g, u)| g as f64 * u as f64)
                .sum();
            let tol = 2e-2 * analytic.abs().max(numeric.abs()).max(1e-2);
            assert!(
                (numeric - analytic).abs() <= tol,
                "input {k}: finite difference {numeric} vs gradient {analytic}"
            );
        }
    }

    #[test]
    fn linear_matches_matmul() {
        let inputs = [random(&[9, 12], 1, 1.0), random(&[12, 7], 2, 0.5)];
        let w = random(&[9, 7], 3, 1.0);
        let fused: Op = &|t| Ok(t[0].apply_op2(&t[1], Linear)?);
        let unfused: Op = &|t| Ok(t[0].matmul(&t[1])?);
        check_equivalent(fused, unfused, &inputs, &w);
        check_finite_differences(fused, &inputs, &w, 1e-2);
    }

    #[test]
    fn layer_norm_matches_elementary_ops() {
        let x = (random(&[7, 24], 4, 1.0) + 0.3).unwrap();
        let inputs = [x, (random(&[24], 5, 0.2) + 1.0).unwrap()];
        let w = random(&[7, 24], 6, 1.0);
        let fused: Op = &|t| Ok(t[0].apply_op2(&t[1], LayerNorm { eps: 1e-5 })?);
        let unfused: Op = &|t| enc::layer_norm(&t[0], &t[1], 1e-5);
        check_equivalent(fused, unfused, &inputs, &w);
        check_finite_differences(fused, &inputs, &w, 1e-2);
    }

    #[test]
    fn geglu_matches_gelu_erf_times_gate() {
        let inputs = [random(&[6, 2 * 10], 7, 1.5)];
        let w = random(&[6, 10], 8, 1.0);
        let fused: Op = &|t| Ok(t[0].apply_op1(GeGlu)?);
        let unfused: Op = &|t| {
            let (a, g) = (t[0].narrow(1, 0, 10)?, t[0].narrow(1, 10, 10)?);
            Ok((a.gelu_erf()? * g)?)
        };
        check_equivalent(fused, unfused, &inputs, &w);
        check_finite_differences(fused, &inputs, &w, 1e-2);
    }

    fn attention_case(window: Option<usize>) {
        // Three sequences of 9 positions, 5 and 1 of them real; 2 heads of size 6; a window of
        // 4 (distance ≤ 2) on the local case so that the window cuts inside the sequences.
        let (lens, l, heads, hd) = (vec![9, 5, 1], 9, 2, 6);
        let d = heads * hd;
        let theta = 100.0;
        let (cos, sin) = enc::rope_table_data(l + 3, hd, theta);
        let (cos, sin) = (cos.into(), sin.into());
        let shape = Arc::new(AttentionShape {
            batch: 3,
            len: l,
            heads,
            head_dim: hd,
            lens: lens.clone(),
            half_window: window.map(|w| w / 2),
            cos,
            sin,
        });
        // Padding rows of the output are not compared (the fused op leaves them at 0): their
        // weight is 0, so they do not reach the gradients either.
        let mut w = values(&random(&[3 * l, d], 9, 1.0));
        for (s, &n) in lens.iter().enumerate() {
            for p in n..l {
                w[(s * l + p) * d..(s * l + p + 1) * d].fill(0.0);
            }
        }
        let w = Tensor::from_vec(w, (3 * l, d), &Device::Cpu).unwrap();
        let inputs = [random(&[3 * l, 3 * d], 10, 0.8)];
        for keep in [true, false] {
            let sh = shape.clone();
            let fused = move |t: &[Tensor]| -> crate::Result<Tensor> {
                Ok(t[0].apply_op1(Attention::new(sh.clone(), keep))?)
            };
            let lens = lens.clone();
            let unfused =
                move |t: &[Tensor]| enc::attention_unfused(&t[0], &lens, heads, window, theta);
            check_equivalent(&fused, &unfused, &inputs, &w);
            check_finite_differences(&fused, &inputs, &w, 1e-2);
        }
    }

    #[test]
    fn global_attention_matches_rope_softmax_path() {
        attention_case(None);
    }

    #[test]
    fn sliding_window_attention_matches_masked_path() {
        attention_case(Some(4));
    }

    #[test]
    fn mean_pool_normalize_matches_elementary_ops() {
        let lens = vec![4, 2, 3];
        let inputs = [random(&[3 * 4, 8], 11, 1.0)];
        let w = random(&[3, 8], 12, 1.0);
        let fused: Op = &|t| {
            Ok(t[0].apply_op1(MeanPoolNormalize {
                lens: vec![4, 2, 3],
            })?)
        };
        let unfused: Op = &|t| enc::mean_pool_normalize(&t[0], &lens, 4);
        check_equivalent(fused, unfused, &inputs, &w);
        check_finite_differences(fused, &inputs, &w, 1e-2);
    }

    #[test]
    fn info_nce_matches_cross_entropy_both_ways() {
        let unit = |t: Tensor| {
            let n = t.sqr().unwrap().sum_keepdim(1).unwrap().sqrt().unwrap();
            t.broadcast_div(&n).unwrap()
        };
        let inputs = [
            unit(random(&[5, 8], 13, 1.0)),
            unit(random(&[5, 8], 14, 1.0)),
        ];
        let w = Tensor::new(1.7f32, &Device::Cpu).unwrap();
        let fused: Op = &|t| crate::retrieval::train::info_nce(&t[0], &t[1], 0.5);
        let unfused: Op = &|t| crate::retrieval::train::info_nce_unfused(&t[0], &t[1], 0.5);
        check_equivalent(fused, unfused, &inputs, &w);
        check_finite_differences(fused, &inputs, &w, 1e-2);
    }

    #[test]
    fn fused_encoder_matches_unfused_encoder() {
        // Three layers (global, local, local), a window shorter than the sequences, padding:
        // every fused op on the path, compared on the output and on every parameter gradient.
        let mut cfg = EncoderConfig::with_shape(60, 16, 3, 2);
        cfg.local_window = 4;
        let e = Encoder::new(cfg, 3).unwrap();
        let seqs: Vec<Vec<u32>> = vec![(1..12).collect(), vec![20, 21, 22], vec![30]];
        let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
        let batch = TokenBatch::new(&refs, 16);
        let rows = GatheredRows::of(&[&batch]);
        let rows_var = Var::from_tensor(&e.gather(&rows).unwrap()).unwrap();
        let w = random(&[3, 16], 15, 1.0);
        let run = |fused: bool| {
            let t = rows_var.as_tensor();
            let out = if fused {
                e.forward(&batch, &rows, t, true).unwrap()
            } else {
                e.forward_unfused(&batch, &rows, t).unwrap()
            };
            let g = (&out * &w).unwrap().sum_all().unwrap().backward().unwrap();
            let mut grads: Vec<Tensor> = e
                .core
                .iter()
                .map(|v| g.get(v.as_tensor()).unwrap().clone())
                .collect();
            grads.push(g.get(t).unwrap().clone());
            (out, grads)
        };
        let ((a, ga), (b, gb)) = (run(true), run(false));
        assert_close("embeddings", &a, &b, 1e-5);
        for (k, (x, y)) in ga.iter().zip(&gb).enumerate() {
            assert_close(&format!("gradient {k}"), x, y, 1e-4);
        }
    }

    #[test]
    fn seed_gradient_hands_on_its_gradients() {
        let (a, b) = (random(&[2, 3], 16, 1.0), random(&[4], 17, 1.0));
        let (ga, gb) = (random(&[2, 3], 18, 1.0), random(&[4], 19, 1.0));
        let (va, vb) = (Var::from_tensor(&a).unwrap(), Var::from_tensor(&b).unwrap());
        let seed = SeedGradient {
            first: ga.clone(),
            second: gb.clone(),
        };
        let s = va.as_tensor().apply_op2(vb.as_tensor(), seed).unwrap();
        let g = (s * 2.0).unwrap().backward().unwrap();
        assert_eq!(
            values(g.get(va.as_tensor()).unwrap()),
            values(&(ga * 2.0).unwrap())
        );
        assert_eq!(
            values(g.get(vb.as_tensor()).unwrap()),
            values(&(gb * 2.0).unwrap())
        );
    }
}
