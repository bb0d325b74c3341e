//! Summary statistics the benchmarks print.

/// The median of `v` (the upper one of an even count; 0 when empty).
pub(super) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// `a/b NN%`, or `-` when nothing was counted.
pub(super) fn pct((a, b): (usize, usize)) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{a}/{b} {:.0}%", 100.0 * a as f64 / b as f64)
    }
}
