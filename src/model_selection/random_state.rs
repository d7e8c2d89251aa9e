//! NumPy's legacy `RandomState`: the Mersenne Twister MT19937 and the
//! shuffling algorithm built on it.
//!
//! scikit-learn draws its splits from `np.random.RandomState(seed)`, so with
//! this generator `train_test_split(.., random_state=42)` in kerust selects
//! exactly the samples it selects in Python, and a validation score can be
//! compared with the one in a Keras walk-through.

/// NumPy's `np.random.RandomState(seed)`, for the operations the
/// splitters need: integers, `permutation` and `shuffle`.
///
/// ```
/// use kerust::model_selection::RandomState;
///
/// // np.random.RandomState(42).permutation(10)
/// assert_eq!(RandomState::new(42).permutation(10), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
/// ```
#[derive(Clone)]
pub struct RandomState {
    mt: [u32; 624],
    index: usize,
}

impl std::fmt::Debug for RandomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RandomState")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl RandomState {
    /// Seeds the generator as `np.random.RandomState(seed)` does for an
    /// integer seed (Matsumoto and Nishimura's `init_genrand`).
    ///
    /// ```
    /// use kerust::model_selection::RandomState;
    /// // The first output of MT19937 seeded with 5489 (C++'s std::mt19937 default).
    /// assert_eq!(RandomState::new(5489).next_u32(), 3_499_211_612);
    /// ```
    pub fn new(seed: u32) -> Self {
        let mut mt = [0u32; 624];
        mt[0] = seed;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        RandomState { mt, index: 624 }
    }

    /// The next 32 random bits (`genrand_int32`).
    ///
    /// ```
    /// use kerust::model_selection::RandomState;
    /// let mut rs = RandomState::new(1);
    /// assert_ne!(rs.next_u32(), rs.next_u32());
    /// ```
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            self.twist();
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for i in 0..624 {
            let y = (self.mt[i] & UPPER) | (self.mt[(i + 1) % 624] & LOWER);
            let mut next = self.mt[(i + 397) % 624] ^ (y >> 1);
            if y & 1 != 0 {
                next ^= 0x9908_b0df;
            }
            self.mt[i] = next;
        }
        self.index = 0;
    }

    /// A uniform integer in `0..=max`, drawn as NumPy's `random_interval`
    /// does: mask to the smallest covering power of two and reject.
    ///
    /// ```
    /// use kerust::model_selection::RandomState;
    /// let mut rs = RandomState::new(7);
    /// assert!((0..100).all(|_| rs.interval(9) <= 9));
    /// ```
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                ((u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())) & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// Shuffles in place as `RandomState.shuffle` does (Fisher–Yates from
    /// the end).
    ///
    /// ```
    /// use kerust::model_selection::RandomState;
    /// let mut items = [1, 2, 3, 4];
    /// RandomState::new(0).shuffle(&mut items);
    /// items.sort();
    /// assert_eq!(items, [1, 2, 3, 4]); // the same items, in another order
    /// ```
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `RandomState.permutation(n)`: `0..n` shuffled.
    ///
    /// ```
    /// use kerust::model_selection::RandomState;
    /// // np.random.RandomState(42).permutation(10)
    /// assert_eq!(RandomState::new(42).permutation(10), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    /// ```
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }

    /// `RandomState.choice(n, size, replace=False)`: the first `size`
    /// entries of a permutation of `0..n`.
    ///
    /// ```
    /// use kerust::model_selection::RandomState;
    /// let picked = RandomState::new(0).choice_without_replacement(10, 3);
    /// assert_eq!(picked.len(), 3);
    /// assert!(picked.iter().all(|&i| i < 10));
    /// ```
    pub fn choice_without_replacement(&mut self, n: usize, size: usize) -> Vec<usize> {
        let mut p = self.permutation(n);
        p.truncate(size);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy() {
        // Reference values printed by NumPy 2.4:
        //   rs = np.random.RandomState(42); rs.permutation(60000)[:10]
        let mut rs = RandomState::new(42);
        assert_eq!(
            rs.permutation(60000)[..10],
            [12628, 37730, 39991, 8525, 8279, 51012, 14871, 15127, 9366, 33322]
        );
        // The first output of MT19937 seeded with 5489 is the reference 3499211612.
        assert_eq!(RandomState::new(5489).next_u32(), 3_499_211_612);
    }
}
