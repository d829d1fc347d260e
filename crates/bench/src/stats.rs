//! Latency percentiles and medians of repeated runs.

/// p50, p90 and p99 of `micros` in milliseconds; zeros when empty.
pub fn percentiles(micros: &mut [u32]) -> [f64; 3] {
    if micros.is_empty() {
        return [0.0; 3];
    }
    micros.sort_unstable();
    [0.50, 0.90, 0.99].map(|q| {
        let rank = ((micros.len() as f64) * q).ceil() as usize;
        f64::from(micros[rank.clamp(1, micros.len()) - 1]) / 1000.0
    })
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut micros: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentiles(&mut micros), [50.0, 90.0, 99.0]);
        assert_eq!(percentiles(&mut []), [0.0; 3]);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
