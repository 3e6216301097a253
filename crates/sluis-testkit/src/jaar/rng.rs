//! A small seeded generator (SplitMix64): the kit has no random crate, and the year must be the
//! same for the same seed on every machine.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5EED_1A0A_2026_0599)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// True with `percent` % chance.
    pub fn pct(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// Whether nine digits pass the BSN elfproef (the last digit weighs -1).
pub fn elfproef(bsn: &str) -> bool {
    let d: Vec<i64> = bsn.bytes().map(|b| i64::from(b) - 48).collect();
    if d.len() != 9 || d.iter().any(|x| !(0..=9).contains(x)) || d[0] == 0 {
        return false;
    }
    let sum: i64 = (0..8).map(|i| d[i] * (9 - i as i64)).sum::<i64>() - d[8];
    sum % 11 == 0
}

/// The next BSN passing the elfproef after `from` (nine digits, no leading zero).
pub fn next_bsn(from: &mut u64) -> String {
    loop {
        *from += 1;
        let s = format!("{:09}", *from);
        if elfproef(&s) {
            return s;
        }
    }
}
