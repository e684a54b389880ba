//! `tokstat::retrieval::stats` against SciPy: tests/data/stats/reference.json, written by
//! tests/fixtures/stats_reference.py (the SciPy version is recorded in the file).

use std::path::Path;

use serde::Deserialize;
use tokstat::retrieval::stats::{paired_comparison, pearson, spearman, spread, student_t_quantile};

#[derive(Deserialize)]
struct Reference {
    scipy_version: String,
    t_quantiles: Vec<Quantile>,
    spreads: Vec<SpreadCase>,
    exact_tests: Vec<TestCase>,
    randomized: Vec<RandomizedCase>,
    correlations: Vec<Correlation>,
}

#[derive(Deserialize)]
struct Quantile {
    p: f64,
    df: f64,
    t: f64,
}

#[derive(Deserialize)]
struct SpreadCase {
    values: Vec<f64>,
    mean: f64,
    sd: f64,
    ci95: [f64; 2],
}

#[derive(Deserialize)]
struct Stratum {
    a: Vec<f64>,
    b: Vec<f64>,
}

#[derive(Deserialize)]
struct TestCase {
    strata: Vec<Stratum>,
    mean_difference: f64,
    p_value: f64,
}

#[derive(Deserialize)]
struct RandomizedCase {
    strata: Vec<Stratum>,
    mean_difference: f64,
    resamples: usize,
    p_value: f64,
    ci95: [f64; 2],
    bootstrap_standard_error: f64,
}

#[derive(Deserialize)]
struct Correlation {
    x: Vec<f64>,
    y: Vec<f64>,
    pearson: f64,
    spearman: f64,
}

fn reference() -> Reference {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/stats/reference.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let r: Reference = serde_json::from_str(&text).unwrap();
    assert!(!r.scipy_version.is_empty());
    r
}

fn strata(s: &[Stratum]) -> Vec<(&[f64], &[f64])> {
    s.iter().map(|s| (&s.a[..], &s.b[..])).collect()
}

/// |a − b| ≤ tol · max(1, |b|).
fn assert_close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1.0),
        "{what}: {a} vs reference {b} (Δ = {:e})",
        a - b
    );
}

#[test]
fn t_quantiles_match_scipy() {
    let r = reference();
    assert!(r.t_quantiles.len() > 100);
    for q in &r.t_quantiles {
        let t = student_t_quantile(q.p, q.df);
        // 1e-9 absolute, relative above |t| = 1 (t reaches 3e7 for ν = 1, p = 1 − 1e-7).
        assert_close(t, q.t, 1e-9, &format!("t.ppf({}, {})", q.p, q.df));
    }
}

#[test]
fn spreads_match_scipy() {
    for c in &reference().spreads {
        let s = spread(&c.values).unwrap();
        assert_eq!(s.n, c.values.len());
        assert_close(s.mean, c.mean, 1e-12, "mean");
        assert_close(s.sd.unwrap(), c.sd, 1e-12, "sd");
        let ci = s.ci95.unwrap();
        assert_close(ci[0], c.ci95[0], 1e-12, "ci95 low");
        assert_close(ci[1], c.ci95[1], 1e-12, "ci95 high");
    }
}

#[test]
fn exact_sign_flip_p_values_match_scipy() {
    for (i, c) in reference().exact_tests.iter().enumerate() {
        let n: usize = c.strata.iter().map(|s| s.a.len()).sum();
        let r = paired_comparison(&strata(&c.strata), 1 << n, 7).unwrap();
        assert!(r.exact, "case {i}");
        assert_close(
            r.mean_difference,
            c.mean_difference,
            1e-12,
            "mean difference",
        );
        assert!(
            (r.p_value - c.p_value).abs() <= 1e-12,
            "case {i}: p {} vs scipy {}",
            r.p_value,
            c.p_value
        );
    }
}

#[test]
fn randomized_p_values_and_bootstrap_intervals_match_scipy() {
    for (i, c) in reference().randomized.iter().enumerate() {
        let big_r = c.resamples;
        let r = paired_comparison(&strata(&c.strata), big_r, 2024).unwrap();
        assert!(!r.exact);
        assert_eq!(r.resamples, big_r);
        assert_close(
            r.mean_difference,
            c.mean_difference,
            1e-12,
            "mean difference",
        );

        // Both p-values are Monte Carlo estimates from R = 20,000 independent sign patterns.
        // The two-sided p is twice a one-sided count share whose expectation is p/2, so each
        // estimate has standard error √(4·(p/2)(1 − p/2)/R) = √(p(2 − p)/R) (not √(p(1−p)/R)),
        // and the difference of two independent estimates √2 times that. Allow four standard
        // errors of the difference, plus 1e-3 for the discreteness of small p. (A 800,000-pattern
        // NumPy run put the four true p-values at 0.0011, 0.750, 0.557 and 0.789; tokstat's
        // and SciPy's estimates are each within 2 of their own standard errors of those.)
        let p = c.p_value.min(1.0);
        let tol = 4.0 * (2.0 * p * (2.0 - p) / big_r as f64).sqrt() + 1e-3;
        assert!(
            (r.p_value - c.p_value).abs() <= tol,
            "case {i}: p {} vs scipy {} (tolerance {tol})",
            r.p_value,
            c.p_value
        );

        // Bootstrap percentile ends: the q = 2.5% / 97.5% quantile of R resampled statistics has
        // Monte Carlo standard error √(q(1−q)/R) / f(x_q) (the asymptotic standard error of a
        // sample quantile); the bootstrap distribution is close to normal with standard
        // deviation SE (SciPy's `standard_error`), so f(x_q) = φ(1.96)/SE and the standard
        // error is √(0.025·0.975/R)/φ(1.96)·SE ≈ 0.027·SE for R = 20,000. Two independent
        // estimates differ by √2 times that; allow five of those standard errors (≈ 0.19·SE).
        let q: f64 = 0.025;
        let phi = (-0.5 * 1.959_964_f64.powi(2)).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let se_end = (q * (1.0 - q) / big_r as f64).sqrt() / phi * c.bootstrap_standard_error;
        let tol = 5.0 * 2f64.sqrt() * se_end;
        eprintln!(
            "case {i}: p {:.5} vs scipy {:.5}; ci95 [{:.5}, {:.5}] vs scipy [{:.5}, {:.5}] \
             (tolerance {tol:.5})",
            r.p_value, c.p_value, r.ci95[0], r.ci95[1], c.ci95[0], c.ci95[1]
        );
        for k in 0..2 {
            assert!(
                (r.ci95[k] - c.ci95[k]).abs() <= tol,
                "case {i}: ci95[{k}] {} vs scipy {} (tolerance {tol})",
                r.ci95[k],
                c.ci95[k]
            );
        }
    }
}

#[test]
fn correlations_match_scipy() {
    for c in &reference().correlations {
        assert_close(pearson(&c.x, &c.y).unwrap(), c.pearson, 1e-12, "pearson");
        assert_close(spearman(&c.x, &c.y).unwrap(), c.spearman, 1e-12, "spearman");
    }
}

#[test]
fn paired_comparison_is_deterministic_given_the_seed() {
    let r = reference();
    let c = &r.randomized[1];
    let s = strata(&c.strata);
    let first = paired_comparison(&s, 2_000, 99).unwrap();
    let again = paired_comparison(&s, 2_000, 99).unwrap();
    assert_eq!(first, again);
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
    let other = paired_comparison(&s, 2_000, 100).unwrap();
    assert_eq!(other.mean_difference, first.mean_difference);
    assert_ne!((other.ci95, other.p_value), (first.ci95, first.p_value));
}

#[test]
fn stratified_statistic_is_the_unweighted_mean_of_stratum_means() {
    // Stratum 1: differences [1, 0, 0.5, 0.5] → mean 0.5; stratum 2 (one query, weighs the
    // same): difference −0.25. T = (0.5 − 0.25)/2 = 0.125, whereas the pooled mean over all five
    // queries would be 1.75/5 = 0.35.
    let a1 = [1.0, 0.5, 1.0, 0.5];
    let b1 = [0.0, 0.5, 0.5, 0.0];
    let a2 = [0.25];
    let b2 = [0.5];
    let r = paired_comparison(&[(&a1, &b1), (&a2, &b2)], 1_000, 1).unwrap();
    assert_eq!(r.mean_difference, 0.125);
    // 2⁵ = 32 ≤ 1,000 sign patterns: exact. d₁ = [1, 0, 0.5, 0.5], d₂ = −0.25. The signed sums
    // s of d₁ over its 16 patterns (the 0 counts twice) are 2 (×2), 1 (×4), 0 (×4), −1 (×4),
    // −2 (×2); T* = (s/4 ± 0.25)/2. T* ≥ 0.125 ⇔ s/4 ± 0.25 ≥ 0.25: s ≥ 0 (10) or s ≥ 2 (2),
    // 12 in all; T* ≤ 0.125: s ≤ 0 (10) or s ≤ 2 (16), 26 in all. p = 2·min(12, 26)/32 = 0.75.
    assert!(r.exact);
    assert_eq!(r.p_value, 0.75);

    // With many queries per stratum the same holds for the randomized path, and the bootstrap
    // interval brackets the statistic.
    let r = reference();
    let c = &r.randomized[3];
    let s = strata(&c.strata);
    let per_stratum: Vec<f64> = c
        .strata
        .iter()
        .map(|s| s.a.iter().zip(&s.b).map(|(a, b)| a - b).sum::<f64>() / s.a.len() as f64)
        .collect();
    let two = paired_comparison(&s[..2], 1_000, 3).unwrap();
    assert!(
        (two.mean_difference - (per_stratum[0] + per_stratum[1]) / 2.0).abs() < 1e-15,
        "{} vs {:?}",
        two.mean_difference,
        per_stratum
    );
    assert!(two.ci95[0] <= two.mean_difference && two.mean_difference <= two.ci95[1]);
}
