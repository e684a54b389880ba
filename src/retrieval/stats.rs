//! Statistics for retrieval results: spread, paired comparisons, and overlap/correlation.
//!
//! Pure functions over per-query scores (e.g. reciprocal ranks); nothing here runs a model.
//! Every definition is the standard one, and `tests/stats_reference.rs` checks each against
//! SciPy (`tests/fixtures/stats_reference.py` writes the reference file).
//!
//! - [`spread`]: mean, sample standard deviation (divisor n − 1) and the two-sided 95% Student-t
//!   interval for the mean, x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n — what `scipy.stats.t.interval(0.95, n − 1,
//!   loc=x̄, scale=s/√n)` gives.
//! - [`student_t_quantile`]: the inverse of the Student-t distribution function, computed from
//!   the regularized incomplete beta function (Abramowitz & Stegun 1964, 26.5.27 and 26.7.1:
//!   P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2)), which is evaluated by its continued fraction (A&S
//!   26.5.8, modified Lentz's method as in Press et al. 2007, *Numerical Recipes* §6.4) and
//!   inverted by safeguarded Newton steps within a bisection bracket.
//! - [`paired_comparison`]: a paired comparison of a against b over the same queries, possibly
//!   split into strata (languages): the unweighted mean over strata of the within-stratum mean
//!   difference, with a stratified percentile bootstrap interval (Efron & Tibshirani 1993, *An
//!   Introduction to the Bootstrap*, §13.3; stratified resampling as in Davison & Hinkley 1997,
//!   *Bootstrap Methods and their Application*, §3.7) and a two-sided paired randomization
//!   (sign-flip) test (Fisher 1935; Good 2005, *Permutation, Parametric and Bootstrap Tests of
//!   Hypotheses*), with the p-value conventions of `scipy.stats.permutation_test`.
//! - [`token_overlap`], [`pearson`], [`spearman`]: the share of a query's distinct tokens that
//!   occur in its code, and the Pearson product-moment and Spearman rank correlations
//!   (Spearman 1904; ranks of ties averaged, as `scipy.stats.spearmanr`).
//!
//! Randomness comes only from [`SeededRng`] (SplitMix64), so every result is a deterministic
//! function of the inputs and the seed.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::encoder::rng::SeededRng;
use crate::error::{Error, Result};

/// Mean, sample standard deviation (n − 1), and a two-sided 95% Student-t interval for the mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Spread {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation, s = √(Σ(xᵢ − x̄)² / (n − 1)); `None` when n < 2.
    pub sd: Option<f64>,
    /// x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n; `None` when n < 2.
    pub ci95: Option<[f64; 2]>,
}

/// Mean, sample standard deviation and 95% Student-t interval of `values`.
///
/// The interval is x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n with s the sample standard deviation (divisor n − 1),
/// i.e. `scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=sd / sqrt(n))`. The mean and the
/// sum of squares are computed in two passes (mean first), in input order.
///
/// Errors with [`Error::InvalidArgument`] when `values` is empty or holds a NaN or infinity.
pub fn spread(values: &[f64]) -> Result<Spread> {
    if values.is_empty() {
        return Err(Error::InvalidArgument(
            "spread of an empty list of values".into(),
        ));
    }
    check_finite(values, "spread")?;
    let n = values.len();
    let mean = mean(values);
    if n < 2 {
        return Ok(Spread {
            n,
            mean,
            sd: None,
            ci95: None,
        });
    }
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let sd = (ss / (n - 1) as f64).sqrt();
    let half = student_t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt();
    Ok(Spread {
        n,
        mean,
        sd: Some(sd),
        ci95: Some([mean - half, mean + half]),
    })
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom (`df` need not be
/// an integer).
///
/// Returns −∞ for p = 0, +∞ for p = 1, and NaN when p is outside [0, 1] or `df` is not a
/// finite positive number. Accurate to about 1e-13 relative (checked against
/// `scipy.stats.t.ppf` to 1e-9 in `tests/stats_reference.rs`).
///
/// Method: by symmetry t_p = −t₁₋ₚ, so only the upper tail is solved: find t > 0 with
/// P(T > t) = q, where q = min(p, 1 − p) (computed without rounding) and
/// P(T > t) = ½ · I_{ν/(ν+t²)}(ν/2, ½) (A&S 26.7.1). Newton steps on ln P(T > t) − ln q,
/// each kept inside a bisection bracket, converge to full double precision.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if !((0.0..=1.0).contains(&p) && df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        -t_upper_quantile(p, df)
    } else {
        // Exact for p in [0.5, 1] (Sterbenz lemma).
        t_upper_quantile(1.0 - p, df)
    }
}

/// The t > 0 with P(T > t) = q, for 0 < q < ½.
fn t_upper_quantile(q: f64, df: f64) -> f64 {
    let target = q.ln();
    let ln_b = ln_beta(0.5 * df, 0.5);
    // f(t) = ln P(T > t) − ln q is decreasing in t; bracket its root.
    let mut lo = 0.0_f64;
    let mut hi = 1.0_f64;
    while t_ln_upper_tail(hi, df) > target {
        lo = hi;
        hi *= 2.0;
        if !hi.is_finite() {
            return f64::INFINITY;
        }
    }
    let mut t = 0.5 * (lo + hi);
    for _ in 0..200 {
        let f = t_ln_upper_tail(t, df) - target;
        if f == 0.0 {
            return t;
        }
        if f > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        // d/dt ln P(T > t) = −pdf(t) / P(T > t).
        let slope = -(t_ln_pdf(t, df, ln_b) - t_ln_upper_tail(t, df)).exp();
        let mut next = t - f / slope;
        if !(next > lo && next < hi) {
            // Outside the bracket, or NaN: bisect instead.
            next = 0.5 * (lo + hi);
        }
        if (next - t).abs() <= 4.0 * f64::EPSILON * t || hi - lo <= 4.0 * f64::EPSILON * hi {
            return next;
        }
        t = next;
    }
    t
}

/// ln P(T > t) for t ≥ 0: ln(½ · I_x(ν/2, ½)) with x = ν/(ν+t²), 1 − x = t²/(ν+t²), each
/// computed without cancellation.
fn t_ln_upper_tail(t: f64, df: f64) -> f64 {
    let s = t / df.sqrt(); // t²/ν = s²
    let (x, y) = if s <= 1.0 {
        let s2 = s * s;
        (1.0 / (1.0 + s2), s2 / (1.0 + s2))
    } else {
        let r = 1.0 / (s * s); // ν/t²
        (r / (1.0 + r), 1.0 / (1.0 + r))
    };
    (0.5 * reg_inc_beta(0.5 * df, 0.5, x, y)).ln()
}

/// ln of the Student-t density at t: −((ν+1)/2)·ln(1 + t²/ν) − ½ ln ν − ln B(ν/2, ½).
fn t_ln_pdf(t: f64, df: f64, ln_b: f64) -> f64 {
    let s = t.abs() / df.sqrt();
    let ln1p_s2 = if s < 1e100 {
        (s * s).ln_1p()
    } else {
        2.0 * s.ln()
    };
    -0.5 * (df + 1.0) * ln1p_s2 - 0.5 * df.ln() - ln_b
}

/// The regularized incomplete beta function I_x(a, b), given x and y = 1 − x separately (so
/// that neither loses precision near 0 or 1). Continued fraction A&S 26.5.8, applied to
/// I_x(a, b) or 1 − I_y(b, a), whichever converges fast (x < (a+1)/(a+b+2)).
fn reg_inc_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() + b * y.ln() - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_continued_fraction(b, a, y) / b
    }
}

/// The continued fraction of I_x(a, b) (A&S 26.5.8), by the modified Lentz method
/// (Press et al. 2007, §5.2 and §6.4).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const MAX_TERMS: usize = 100_000;
    let fix = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / fix(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_TERMS {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms; about 1e-15 relative), with the
/// reflection formula below ½.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Γ(x)Γ(1−x) = π / sin(πx)
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEF[0];
    for (i, c) in COEF.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π) for x ≥ 10: the Stirling series.
fn ln_gamma_correction(x: f64) -> f64 {
    let r = 1.0 / x;
    let r2 = r * r;
    r * (1.0 / 12.0
        - r2 * (1.0 / 360.0
            - r2 * (1.0 / 1260.0
                - r2 * (1.0 / 1680.0
                    - r2 * (1.0 / 1188.0 - r2 * (691.0 / 360_360.0 - r2 / 156.0))))))
}

/// ln B(a, b), without the cancellation of ln Γ(a) + ln Γ(b) − ln Γ(a+b) for large arguments
/// (the arrangement of R's `lbeta`, which uses the Stirling remainder for arguments ≥ 10).
fn ln_beta(a: f64, b: f64) -> f64 {
    let (p, q) = if a < b { (a, b) } else { (b, a) };
    let ln_sqrt_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    if p >= 10.0 {
        let corr = ln_gamma_correction(p) + ln_gamma_correction(q) - ln_gamma_correction(p + q);
        -0.5 * q.ln()
            + ln_sqrt_2pi
            + corr
            + (p - 0.5) * (p / (p + q)).ln()
            + q * (-p / (p + q)).ln_1p()
    } else if q >= 10.0 {
        let corr = ln_gamma_correction(q) - ln_gamma_correction(p + q);
        ln_gamma(p) + corr + p - p * (p + q).ln() + (q - 0.5) * (-p / (p + q)).ln_1p()
    } else {
        ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q)
    }
}

/// A paired comparison of method/tokenizer a against b over the same queries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PairedComparison {
    /// The statistic: the unweighted mean over strata of the within-stratum mean of aᵢ − bᵢ.
    pub mean_difference: f64,
    /// Stratified percentile bootstrap 95% interval of the statistic: the 2.5th and 97.5th
    /// percentiles (linear interpolation, NumPy's default) of the statistic recomputed on
    /// resamples that draw each stratum's queries with replacement within the stratum.
    pub ci95: [f64; 2],
    /// Two-sided p-value of the paired randomization (sign-flip) test of the statistic, with
    /// `scipy.stats.permutation_test`'s conventions (see [`paired_comparison`]).
    pub p_value: f64,
    /// Resamples requested: bootstrap resamples, and random sign patterns of the test unless
    /// it was exact.
    pub resamples: usize,
    /// True when the test enumerated all 2ⁿ sign patterns (2ⁿ ≤ `resamples`, n = all queries).
    pub exact: bool,
}

/// Compares a against b over the same queries, stratum by stratum.
///
/// `strata` holds one (a, b) pair of equal-length slices per stratum (e.g. per language; a
/// single stratum for one language): aᵢ and bᵢ are the two scores of the same query i. With
/// dₛᵢ = aₛᵢ − bₛᵢ, the statistic is T = (1/S) Σₛ mean(dₛ): every stratum weighs the same,
/// however many queries it has (as an unweighted average over languages does).
///
/// **Bootstrap** (`ci95`, `resamples` resamples): each stratum's differences are resampled with
/// replacement within the stratum (nₛ draws), T is recomputed, and the interval is the 2.5th and
/// 97.5th percentiles of those T* with linear interpolation between order statistics (Hyndman &
/// Fan 1996 type 7, NumPy's and `scipy.stats.quantile`'s default) — the percentile interval of
/// `scipy.stats.bootstrap(method='percentile')`, which resamples several samples independently
/// just as strata are resampled here.
///
/// **Randomization test** (`p_value`): under the null hypothesis a and b are exchangeable within
/// each query, so every dᵢ is equally likely to have either sign. T* is recomputed with each
/// difference's sign flipped independently with probability ½ (zero differences are unaffected).
/// With n the total number of queries:
///
/// - if 2ⁿ ≤ `resamples`, all 2ⁿ sign patterns are enumerated (`exact = true`) and
///   p = min(1, 2 · min(#{T* ≤ T}, #{T* ≥ T}) / 2ⁿ);
/// - otherwise `resamples` random patterns are drawn and
///   p = min(1, 2 · min(1 + #{T* ≤ T}, 1 + #{T* ≥ T}) / (1 + R)), the observed pattern counted
///   once as in Phipson & Smyth 2010 ("Permutation p-values should never be zero"). Being
///   twice a one-sided share, it has Monte Carlo standard error ≈ √(p(2 − p)/R).
///
/// This is exactly `scipy.stats.permutation_test(..., permutation_type='samples',
/// alternative='two-sided')` (SciPy 1.17): its two-sided p is twice the smaller one-sided p,
/// capped at 1, rather than the count of #{|T*| ≥ |T|}; the two agree for the exact test except
/// when the null distribution has mass at −T distinct from T's. Comparisons allow a tolerance
/// γ = 1e-12 · M, M = (1/S) Σₛ mean(|dₛ|) the largest possible |T*|, so that sums that are equal
/// in exact arithmetic but round differently count as ties (SciPy uses γ = 100 ε |T|, which
/// misses such ties when T is near 0; the two agree otherwise).
///
/// Random numbers: the bootstrap and the test draw from two independent [`SeededRng`] streams
/// derived from `seed` ([`SeededRng::fork`] with labels 1 and 2); sign patterns take one bit
/// per query from successive 64-bit outputs.
///
/// Errors with [`Error::InvalidArgument`] when there are no strata, a stratum is empty or its
/// slices differ in length, a value is NaN or infinite, or `resamples` is 0.
pub fn paired_comparison(
    strata: &[(&[f64], &[f64])],
    resamples: usize,
    seed: u64,
) -> Result<PairedComparison> {
    if strata.is_empty() {
        return Err(Error::InvalidArgument(
            "paired comparison without any stratum".into(),
        ));
    }
    if resamples == 0 {
        return Err(Error::InvalidArgument(
            "paired comparison needs at least one resample".into(),
        ));
    }
    let diffs = paired_differences(strata)?;
    let observed = stratified_mean(&diffs, mean);
    let ci95 = bootstrap_ci95(&diffs, resamples, seed);
    let (p_value, exact) = sign_flip_p_value(&diffs, observed, resamples, seed);
    Ok(PairedComparison {
        mean_difference: observed,
        ci95,
        p_value: p_value.min(1.0),
        resamples,
        exact,
    })
}

/// Per stratum, the differences a − b of the paired values, after checking the pairs line up,
/// no stratum is empty and every value is finite.
fn paired_differences(strata: &[(&[f64], &[f64])]) -> Result<Vec<Vec<f64>>> {
    let mut diffs: Vec<Vec<f64>> = Vec::with_capacity(strata.len());
    for (s, (a, b)) in strata.iter().enumerate() {
        if a.len() != b.len() {
            return Err(Error::InvalidArgument(format!(
                "paired comparison: stratum {s} has {} values for a but {} for b",
                a.len(),
                b.len()
            )));
        }
        if a.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "paired comparison: stratum {s} is empty"
            )));
        }
        check_finite(a, "paired comparison")?;
        check_finite(b, "paired comparison")?;
        diffs.push(a.iter().zip(b.iter()).map(|(x, y)| x - y).collect());
    }
    Ok(diffs)
}

/// The test statistic: the unweighted mean over strata of `per_stratum` of each stratum.
fn stratified_mean(diffs: &[Vec<f64>], mut per_stratum: impl FnMut(&[f64]) -> f64) -> f64 {
    diffs.iter().map(|d| per_stratum(d)).sum::<f64>() / diffs.len() as f64
}

/// Stratified percentile bootstrap: each resample draws every stratum's differences with
/// replacement (stream 1 of `seed`); the 2.5th and 97.5th percentiles of the statistic.
fn bootstrap_ci95(diffs: &[Vec<f64>], resamples: usize, seed: u64) -> [f64; 2] {
    let mut rng = SeededRng::fork(seed, 1);
    let mut boot = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        boot.push(stratified_mean(diffs, |d| {
            let n = d.len();
            let mut sum = 0.0;
            for _ in 0..n {
                sum += d[rng.below(n)];
            }
            sum / n as f64
        }));
    }
    boot.sort_by(f64::total_cmp);
    [percentile(&boot, 0.025), percentile(&boot, 0.975)]
}

/// Two-sided randomization (sign-flip) p-value and whether it is exact: every sign pattern
/// when there are at most `resamples` of them, else `resamples` random patterns (stream 2 of
/// `seed`) with the +1 correction. Ties within 1e-12 of the mean |difference| count as extreme.
fn sign_flip_p_value(
    diffs: &[Vec<f64>],
    observed: f64,
    resamples: usize,
    seed: u64,
) -> (f64, bool) {
    let total: usize = diffs.iter().map(Vec::len).sum();
    let gamma = 1e-12 * stratified_mean(diffs, mean_abs);
    let exact = total < usize::BITS as usize && (1usize << total) <= resamples;
    // T* for a sign pattern given as a bit source: bit set → the difference's sign flips.
    let flipped = |bit: &mut dyn FnMut() -> bool| {
        stratified_mean(diffs, |d| {
            let mut sum = 0.0;
            for &v in d {
                sum += if bit() { -v } else { v };
            }
            sum / d.len() as f64
        })
    };
    let (mut le, mut ge) = (0usize, 0usize);
    let mut tally = |t: f64| {
        if t <= observed + gamma {
            le += 1;
        }
        if t >= observed - gamma {
            ge += 1;
        }
    };
    if exact {
        let patterns = 1usize << total;
        for mask in 0..patterns {
            let mut i = 0;
            tally(flipped(&mut || {
                let b = (mask >> i) & 1 == 1;
                i += 1;
                b
            }));
        }
        return (2.0 * le.min(ge) as f64 / patterns as f64, true);
    }
    let mut rng = SeededRng::fork(seed, 2);
    for _ in 0..resamples {
        let mut bits = RandomBits::new(&mut rng);
        tally(flipped(&mut || bits.draw()));
    }
    (
        2.0 * (le.min(ge) + 1) as f64 / (resamples + 1) as f64,
        false,
    )
}

/// Random bits drawn 64 at a time, lowest first.
struct RandomBits<'a> {
    rng: &'a mut SeededRng,
    word: u64,
    left: u32,
}

impl<'a> RandomBits<'a> {
    fn new(rng: &'a mut SeededRng) -> Self {
        Self {
            rng,
            word: 0,
            left: 0,
        }
    }

    fn draw(&mut self) -> bool {
        if self.left == 0 {
            self.word = self.rng.next_u64();
            self.left = 64;
        }
        let b = self.word & 1 == 1;
        self.word >>= 1;
        self.left -= 1;
        b
    }
}

/// The q quantile of sorted, non-empty `sorted` by linear interpolation between order
/// statistics (Hyndman & Fan 1996 type 7): h = (n − 1)q, x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋₊₁₎ − x₍⌊h⌋₎).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    match sorted.get(lo + 1) {
        Some(&next) if frac > 0.0 => sorted[lo] + frac * (next - sorted[lo]),
        _ => sorted[lo],
    }
}

/// Share of the query's distinct token ids that also occur in the code (0 when the query is
/// empty): |set(query) ∩ set(code)| / |set(query)|.
pub fn token_overlap(query: &[u32], code: &[u32]) -> f64 {
    let q: HashSet<u32> = query.iter().copied().collect();
    if q.is_empty() {
        return 0.0;
    }
    let c: HashSet<u32> = code.iter().copied().collect();
    q.iter().filter(|t| c.contains(t)).count() as f64 / q.len() as f64
}

/// Pearson's product-moment correlation r = Σ(xᵢ−x̄)(yᵢ−ȳ) / √(Σ(xᵢ−x̄)² Σ(yᵢ−ȳ)²), clamped to
/// [−1, 1].
///
/// `None` when n < 2, when a side has zero variance (all its values equal), when the slices
/// differ in length, or when a value is NaN or infinite.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    if !x.iter().chain(y).all(|v| v.is_finite()) {
        return None;
    }
    if x.iter().all(|&v| v == x[0]) || y.iter().all(|&v| v == y[0]) {
        return None;
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Spearman's rank correlation: Pearson's r of the ranks, tied values getting the average of
/// the ranks they span (as `scipy.stats.spearmanr`).
///
/// `None` in the same cases as [`pearson`] (a side with all values equal has constant ranks).
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || !x.iter().chain(y).all(|v| v.is_finite()) {
        return None;
    }
    pearson(&average_ranks(x), &average_ranks(y))
}

/// 1-based ranks, ties given the mean of the ranks they occupy.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end; their mean is (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn mean_abs(values: &[f64]) -> f64 {
    values.iter().map(|v| v.abs()).sum::<f64>() / values.len() as f64
}

fn check_finite(values: &[f64], what: &str) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::InvalidArgument(format!(
            "{what}: value {i} is {} (every value must be a finite number)",
            values[i]
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn spread_by_hand() {
        // [1, 2, 3]: mean 2, s² = (1 + 0 + 1)/2 = 1, half-width t₀.₉₇₅,₂/√3. For ν = 2,
        // t_p = (2p − 1)/√(2p(1 − p)), so t₀.₉₇₅,₂ = 0.95/√0.04875 = 4.302652729749464
        // (scipy.stats.t.ppf(0.975, 2) = 4.302652729749462; the often-quoted 4.302652729911275
        // is off by 1.6e-10).
        let s = spread(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.n, 3);
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.sd, Some(1.0));
        let t = 0.95 / 0.04875f64.sqrt();
        assert!(close(t, 4.302_652_729_749_464, 1e-15));
        assert!(close(student_t_quantile(0.975, 2.0), t, 1e-14));
        let half = t / 3f64.sqrt();
        let [lo, hi] = s.ci95.unwrap();
        assert!(
            close(lo, 2.0 - half, 1e-13) && close(hi, 2.0 + half, 1e-13),
            "{lo} {hi}"
        );

        let one = spread(&[0.25]).unwrap();
        assert_eq!((one.n, one.mean, one.sd, one.ci95), (1, 0.25, None, None));
        assert!(matches!(spread(&[]), Err(Error::InvalidArgument(_))));
        assert!(matches!(
            spread(&[1.0, f64::NAN]),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn t_quantiles_known_values() {
        // Closed forms: ν = 1 is Cauchy, t_p = tan(π(p − ½)) = ±1/tan(π·min(p, 1 − p)) (the
        // second form keeps full precision near 0 and 1); ν = 2: t_p = (2p − 1)/√(2p(1 − p)).
        for &p in &[0.6f64, 0.9, 0.975, 0.999, 1e-6, 0.3] {
            let tail = p.min(1.0 - p);
            let cauchy = (p - 0.5).signum() / (std::f64::consts::PI * tail).tan();
            assert!(close(student_t_quantile(p, 1.0), cauchy, 1e-12), "p={p}");
            let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
            assert!(close(student_t_quantile(p, 2.0), two, 1e-12), "p={p}");
        }
        assert_eq!(student_t_quantile(0.5, 7.0), 0.0);
        assert_eq!(student_t_quantile(0.0, 7.0), f64::NEG_INFINITY);
        assert_eq!(student_t_quantile(1.0, 7.0), f64::INFINITY);
        assert!(student_t_quantile(1.5, 7.0).is_nan());
        assert!(student_t_quantile(0.5, 0.0).is_nan());
        // Symmetry, exact when 1 − p is exact in binary (1 − 0.975 is not 0.025).
        assert_eq!(
            student_t_quantile(0.125, 9.0),
            -student_t_quantile(0.875, 9.0)
        );
    }

    #[test]
    fn exact_sign_flip_by_hand() {
        // d = [1, 2, −3, 4]: T = 4/4 = 1. The 16 signed sums ±1 ± 2 ± 3 ± 4 are
        // 10, 8, 6, 4, 4, 2, 2, 0, 0, −2, −2, −4, −4, −6, −8, −10 (the observed sum is 4).
        // #{T* ≥ 1} = #{sum ≥ 4} = 5, #{T* ≤ 1} = 13 → p = 2·min(5, 13)/16 = 0.625.
        let a = [1.0, 2.0, 0.0, 4.0];
        let b = [0.0, 0.0, 3.0, 0.0];
        let r = paired_comparison(&[(&a, &b)], 16, 1).unwrap();
        assert!(r.exact);
        assert_eq!(r.mean_difference, 1.0);
        assert_eq!(r.p_value, 0.625);
        // One resample fewer than 2⁴: randomized instead.
        assert!(!paired_comparison(&[(&a, &b)], 15, 1).unwrap().exact);
    }

    #[test]
    fn exact_sign_flip_with_zero_and_ties() {
        // d = [1, 1, 0]: T = 2/3. Sums over 8 patterns: ±1 ±1 (the 0 flips to itself):
        // 2 (×2), 0 (×4), −2 (×2). #{≥ 2} = 2, #{≤ 2} = 8 → p = 2·2/8 = 0.5.
        let r = paired_comparison(&[(&[1.0, 1.0, 0.5], &[0.0, 0.0, 0.5])], 100, 3).unwrap();
        assert!(r.exact);
        assert_eq!(r.p_value, 0.5);
        // All differences zero: every T* equals T, p = min(1, 2·8/8) = 1.
        let r = paired_comparison(&[(&[0.5; 3], &[0.5; 3])], 100, 3).unwrap();
        assert_eq!(
            (r.mean_difference, r.p_value, r.ci95),
            (0.0, 1.0, [0.0, 0.0])
        );
    }

    #[test]
    fn all_positive_exact_p_is_two_over_two_to_the_n() {
        // Only the identity pattern reaches T, so the one-sided count is 1 and p = 2/2ⁿ.
        for n in 1..=10usize {
            let a: Vec<f64> = (0..n).map(|i| 1.0 / (i + 1) as f64).collect();
            let b = vec![0.0; n];
            let r = paired_comparison(&[(&a, &b)], 1 << n, 5).unwrap();
            assert!(r.exact);
            assert_eq!(r.p_value, (2.0 / (1u64 << n) as f64).min(1.0), "n={n}");
        }
    }

    #[test]
    fn randomized_test_and_bootstrap_are_seeded() {
        let a: Vec<f64> = (0..100).map(|i| ((i * 37) % 11) as f64 / 10.0).collect();
        let b: Vec<f64> = (0..100).map(|i| ((i * 13) % 7) as f64 / 6.0).collect();
        let r1 = paired_comparison(&[(&a, &b)], 500, 9).unwrap();
        let r2 = paired_comparison(&[(&a, &b)], 500, 9).unwrap();
        assert_eq!(r1, r2);
        assert!(!r1.exact);
        assert!(r1.ci95[0] <= r1.mean_difference && r1.mean_difference <= r1.ci95[1]);
        let r3 = paired_comparison(&[(&a, &b)], 500, 10).unwrap();
        assert_ne!(r1.ci95, r3.ci95);
        // The smallest possible randomized p is 2/(R + 1).
        let big: Vec<f64> = vec![1.0; 100];
        let r = paired_comparison(&[(&big, &b)], 500, 9).unwrap();
        assert_eq!(r.p_value, 2.0 / 501.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let a = [1.0, 2.0];
        let short = [1.0];
        for bad in [
            paired_comparison(&[], 10, 0),
            paired_comparison(&[(&a, &short)], 10, 0),
            paired_comparison(&[(&[], &[])], 10, 0),
            paired_comparison(&[(&a, &[1.0, f64::NAN])], 10, 0),
            paired_comparison(&[(&a, &a)], 0, 0),
        ] {
            assert!(matches!(bad, Err(Error::InvalidArgument(_))), "{bad:?}");
        }
    }

    #[test]
    fn percentile_is_numpy_linear() {
        let v = [1.0, 2.0, 4.0, 8.0, 16.0];
        // np.percentile(v, 2.5) = 1 + 0.1·(2 − 1) = 1.1; 97.5 → h = 3.9: 8 + 0.9·8 = 15.2.
        assert!(close(percentile(&v, 0.025), 1.1, 1e-15));
        assert!(close(percentile(&v, 0.975), 15.2, 1e-15));
        assert_eq!(percentile(&v, 1.0), 16.0);
        assert_eq!(percentile(&[3.0], 0.5), 3.0);
    }

    #[test]
    fn overlap_by_hand() {
        assert_eq!(token_overlap(&[], &[1, 2]), 0.0);
        assert_eq!(token_overlap(&[1, 2], &[]), 0.0);
        // Distinct query ids {1, 2, 3}; 1 and 3 occur in the code.
        assert_eq!(token_overlap(&[1, 1, 2, 3], &[3, 1, 9]), 2.0 / 3.0);
        assert_eq!(token_overlap(&[5, 5], &[5]), 1.0);
    }

    #[test]
    fn correlations_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!(close(
            pearson(&x, &[2.0, 4.0, 6.0, 8.0]).unwrap(),
            1.0,
            1e-15
        ));
        assert!(close(
            pearson(&x, &[4.0, 3.0, 2.0, 1.0]).unwrap(),
            -1.0,
            1e-15
        ));
        assert_eq!(pearson(&x, &[1.0; 4]), None);
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        assert_eq!(pearson(&x, &[1.0, 2.0]), None);
        // Monotone but not linear: Spearman 1.
        assert!(close(
            spearman(&x, &[1.0, 10.0, 100.0, 1000.0]).unwrap(),
            1.0,
            1e-15
        ));
        // Ranks with ties: [1, 2.5, 2.5, 4].
        assert_eq!(
            average_ranks(&[0.1, 0.5, 0.5, 0.9]),
            vec![1.0, 2.5, 2.5, 4.0]
        );
        // x = [1, 2, 3], y = [1, 3, 2]: ranks the same as values; r = (0·… ) = 0.5.
        let r = spearman(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]).unwrap();
        assert!(close(r, 0.5, 1e-15), "{r}");
    }
}
