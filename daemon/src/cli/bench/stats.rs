//! Summary statistics the benchmarks print.

/// The median of `v` (the upper one of an even count; 0 when empty).
pub(super) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
