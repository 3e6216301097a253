//! Median and 90th percentile of lead times in whole days.
//!
//! - **mediaan**: the middle value of the sorted list; for an even count the mean of the two
//!   middle values (so half days occur: 4.5).
//! - **p90**: nearest rank: the value at rank ⌈0.9 · n⌉ (1-based) of the sorted list, always one
//!   of the values measured (n = 1..=10 gives the largest; n = 20 the 18th).

/// The median of `sorted` (ascending); `None` when empty.
pub fn mediaan(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
    })
}

/// The 90th percentile of `sorted` (ascending) by nearest rank; `None` when empty.
pub fn p90(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // ⌈0.9 · n⌉ in integers: (9n + 9) / 10.
    let rank = (9 * n).div_ceil(10);
    Some(sorted[rank.max(1) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mediaan_odd_even_and_empty() {
        assert_eq!(mediaan(&[]), None);
        assert_eq!(mediaan(&[7]), Some(7.0));
        assert_eq!(mediaan(&[1, 3, 10]), Some(3.0));
        assert_eq!(mediaan(&[2, 4, 5, 9]), Some(4.5));
        assert_eq!(mediaan(&[-2, 0]), Some(-1.0));
    }

    #[test]
    fn p90_is_nearest_rank() {
        assert_eq!(p90(&[]), None);
        assert_eq!(p90(&[5]), Some(5));
        // n = 10: rank 9.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(p90(&ten), Some(9));
        // n = 11: rank ⌈9.9⌉ = 10.
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(p90(&eleven), Some(10));
        // n = 5: rank ⌈4.5⌉ = 5, the largest.
        assert_eq!(p90(&[1, 2, 3, 4, 50]), Some(50));
        // n = 20: rank 18.
        let twenty: Vec<i64> = (1..=20).map(|i| i * 10).collect();
        assert_eq!(p90(&twenty), Some(180));
    }
}
