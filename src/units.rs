//! The one parser for counts given on the command line, and the one rule for ratios.

use crate::{Error, Result};

/// Parses a count such as `400000000`, `400_000_000`, `400M`, `1.5B` or `32k`.
pub fn parse_count(s: &str) -> Result<u64> {
    let t = s.trim().replace('_', "");
    let bad = || {
        Error::InvalidArgument(format!(
            "`{s}` is not a count (examples: 400000000, 400_000_000, 400M, 1.5B, 32k)"
        ))
    };
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('m' | 'M') => (&t[..t.len() - 1], 1e6),
        Some('b' | 'B' | 'g' | 'G') => (&t[..t.len() - 1], 1e9),
        _ => (t.as_str(), 1.0),
    };
    if mult == 1.0 {
        return num.parse::<u64>().map_err(|_| bad());
    }
    let x: f64 = num.parse().map_err(|_| bad())?;
    let v = (x * mult).round();
    if !v.is_finite() || v < 0.0 || v > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(v as u64)
}

/// `num / den`, or 0 when `den` is 0: an empty input gives a report of zeros, never NaN.
pub fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 { 0.0 } else { num / den }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse() {
        assert_eq!(parse_count("400000000").unwrap(), 400_000_000);
        assert_eq!(parse_count("400_000_000").unwrap(), 400_000_000);
        assert_eq!(parse_count("400M").unwrap(), 400_000_000);
        assert_eq!(parse_count("1.5B").unwrap(), 1_500_000_000);
        assert_eq!(parse_count("32k").unwrap(), 32_000);
        assert!(parse_count("lots").is_err());
        assert!(parse_count("-5").is_err());
    }

    #[test]
    fn ratio_of_nothing_is_zero() {
        assert_eq!(ratio(3.0, 0.0), 0.0);
        assert_eq!(ratio(0.0, 0.0), 0.0);
        assert_eq!(ratio(1.0, 4.0), 0.25);
    }
}
