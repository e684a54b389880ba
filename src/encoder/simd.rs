//! Small vector helpers for the fused kernels, and the dispatch that compiles a kernel twice:
//! once for the baseline x86-64 target and once with AVX2 + FMA, chosen at run time.
//!
//! The helpers fix the order of every floating-point reduction (eight lanes, then a fixed
//! pairwise sum), so a kernel gives the same bits whichever thread runs it. The AVX2 copy and the
//! baseline copy may differ in the last bits (fused multiply-adds), but a given machine always
//! takes the same one.

/// Defines `$vis fn $name(args) -> R` that calls `$body(args)` compiled with AVX2 and FMA when
/// the CPU has them, and the baseline build of `$body` otherwise. `$body` should be
/// `#[inline(always)]` so that it is compiled into each copy.
macro_rules! dispatch {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)? => $body:path) => {
        $(#[$m])*
        $vis fn $name($($a: $t),*) $(-> $r)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn fast($($a: $t),*) $(-> $r)? {
                    $body($($a),*)
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports the features `fast` was compiled for.
                    return unsafe { fast($($a),*) };
                }
            }
            $body($($a),*)
        }
    };
}
pub(crate) use dispatch;

/// Σ aᵢ·bᵢ with eight independent accumulators, summed pairwise in a fixed order.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] = x[l].mul_add(y[l], acc[l]);
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s = x.mul_add(*y, s);
    }
    s
}

/// Σ aᵢ with eight independent accumulators, summed pairwise in a fixed order.
#[inline(always)]
pub fn sum(a: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut ca = a.chunks_exact(8);
    for x in &mut ca {
        for l in 0..8 {
            acc[l] += x[l];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for x in ca.remainder() {
        s += x;
    }
    s
}

/// y ← y + α·x.
#[inline(always)]
pub fn axpy(y: &mut [f32], alpha: f32, x: &[f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = alpha.mul_add(*xi, *yi);
    }
}

/// eˣ for f32 in branch-free arithmetic that vectorises (Cephes `expf`: x = k·ln 2 + r with
/// |r| ≤ ln 2 / 2, a degree-6 polynomial for eʳ, then 2ᵏ through the exponent bits); relative
/// error below 3e-7 over the clamped range [−87, 88] (e⁻⁸⁷ ≈ 1.6e-38 stands in for smaller
/// results).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5·2²³: adding and subtracting it rounds to an integer
    let x = x.clamp(-87.0, 88.0);
    let k = (x * std::f32::consts::LOG2_E + ROUND) - ROUND;
    let r = (x - k * 0.693_359_4) - k * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((k as i32 + 127) as u32) << 23)
}

/// 1 + erf(z) in branch-free arithmetic that vectorises, with small relative error also for
/// very negative z where it is tiny: erfc(|z|) by the Chebyshev fit of Press et al.,
/// *Numerical Recipes* §6.2 (`erfcc`, fractional error < 1.2e-7), then 1 + erf(z) = 2 − erfc(z)
/// for z ≥ 0 and erfc(−z) otherwise. In f32 the relative error is below 1e-6 for |z| ≤ 2 and
/// grows with z² (the rounding of z²) to ~1e-5 where the result underflows.
#[inline(always)]
pub fn one_plus_erf(z: f32) -> f32 {
    let a = z.abs();
    let t = 1.0 / (1.0 + 0.5 * a);
    let mut p = 0.170_872_77f32;
    p = p * t - 0.822_152_23;
    p = p * t + 1.488_515_9;
    p = p * t - 1.135_204;
    p = p * t + 0.278_868_07;
    p = p * t - 0.186_288_06;
    p = p * t + 0.096_784_18;
    p = p * t + 0.374_091_96;
    p = p * t + 1.000_023_7;
    p = p * t - 1.265_512_2;
    let erfc = t * exp(p - a * a);
    if z >= 0.0 { 2.0 - erfc } else { erfc }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_match_plain_sums() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - want).abs() < 1e-4);
        assert_eq!(sum(&a), a.iter().sum::<f32>());
        let mut y = b.clone();
        axpy(&mut y, 2.0, &a);
        assert_eq!(y[3], b[3] + 2.0 * a[3]);
    }

    #[test]
    fn exp_and_erf_match_libm() {
        for i in -4000..=4000 {
            let x = i as f32 * 0.02;
            let (want, got) = (x.exp(), exp(x));
            assert!(
                (got - want).abs() <= 5e-7 * want,
                "exp({x}): {got} vs {want}"
            );
            let want = one_plus_erf_reference(x as f64);
            let got = one_plus_erf(x) as f64;
            // The rounding of z² in f32 costs relative accuracy as the result shrinks.
            assert!(
                (got - want).abs() <= 1e-6 * (1.0 + (x * x / 8.0) as f64) * want + 1e-37,
                "1 + erf({x}): {got} vs {want}"
            );
        }
        assert!(exp(-1000.0) > 0.0 && exp(-1000.0) < 1e-37);
    }

    /// 1 + erf(x) in f64: Maclaurin series of erf for |x| < 3, the continued fraction of erfc
    /// beyond (Abramowitz & Stegun 7.1.5 and 7.1.14); relative error ~1e-12.
    fn one_plus_erf_reference(x: f64) -> f64 {
        let erf_series = |x: f64| {
            let (mut term, mut sum, mut n) = (x, x, 0.0);
            while term.abs() > 1e-17 * sum.abs() {
                n += 1.0;
                term *= -x * x / n;
                sum += term / (2.0 * n + 1.0);
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        };
        let erfc_fraction = |x: f64| {
            let mut f = 0.0;
            for k in (1..200).rev() {
                f = (k as f64 / 2.0) / (x + f);
            }
            (-x * x).exp() / ((x + f) * std::f64::consts::PI.sqrt())
        };
        let a = x.abs();
        let erfc_a = if a < 3.0 {
            1.0 - erf_series(a)
        } else {
            erfc_fraction(a)
        };
        if x >= 0.0 { 2.0 - erfc_a } else { erfc_a }
    }
}
