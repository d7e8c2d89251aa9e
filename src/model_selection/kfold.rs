//! K-fold cross-validation splitters, as scikit-learn's `KFold` and
//! `StratifiedKFold`.

use std::collections::BTreeMap;

use super::RandomState;
use crate::error::{Error, Result};

/// One fold: the indices to train on and the indices to test on, each in
/// increasing order (as scikit-learn yields them).
///
/// ```
/// use kerust::model_selection::KFold;
/// for (train, test) in KFold::new(5).split(100)? {
///     assert_eq!((train.len(), test.len()), (80, 20));
/// }
/// # Ok::<(), kerust::Error>(())
/// ```
pub type Fold = (Vec<usize>, Vec<usize>);

/// `KFold(n_splits, shuffle=False)`: consecutive test blocks, the first
/// `n % n_splits` of them one sample longer.
///
/// ```
/// use kerust::model_selection::KFold;
///
/// let folds = KFold::new(3).split(10)?;
/// assert_eq!(folds[0].1, [0, 1, 2, 3]);
/// assert_eq!(folds[2].0, [0, 1, 2, 3, 4, 5, 6]);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct KFold {
    n_splits: usize,
    seed: Option<u32>,
}

impl KFold {
    /// `n_splits` consecutive folds (scikit-learn's default is 5).
    ///
    /// ```
    /// use kerust::model_selection::KFold;
    /// assert_eq!(KFold::new(5).split(10)?.len(), 5);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn new(n_splits: usize) -> Self {
        KFold { n_splits, seed: None }
    }

    /// Shuffles the samples before cutting the folds, as `KFold(shuffle=True,
    /// random_state=seed)`.
    ///
    /// ```
    /// use kerust::model_selection::KFold;
    /// let folds = KFold::new(2).shuffle(42).split(6)?; // KFold(2, shuffle=True, random_state=42)
    /// assert_eq!(folds[0].1.len(), 3);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn shuffle(mut self, seed: u32) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The folds of `n` samples.
    ///
    /// ```
    /// use kerust::model_selection::KFold;
    /// assert!(KFold::new(5).split(3).is_err()); // fewer samples than folds
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `n_splits < 2` or `n_splits > n`.
    pub fn split(&self, n: usize) -> Result<Vec<Fold>> {
        check_splits("KFold", self.n_splits, n)?;
        let mut order: Vec<usize> = (0..n).collect();
        if let Some(seed) = self.seed {
            RandomState::new(seed).shuffle(&mut order);
        }
        let mut fold_of = vec![0; n];
        let mut start = 0;
        for fold in 0..self.n_splits {
            let size = n / self.n_splits + usize::from(fold < n % self.n_splits);
            for &i in &order[start..start + size] {
                fold_of[i] = fold;
            }
            start += size;
        }
        Ok(folds_from(&fold_of, self.n_splits))
    }
}

/// `StratifiedKFold(n_splits, shuffle=False)`: folds that keep each class's
/// share, assigned exactly as scikit-learn assigns them (the default
/// cross-validation of `cross_validate` for a classifier).
///
/// ```
/// use kerust::model_selection::StratifiedKFold;
///
/// let y = [0u8, 0, 0, 1, 1, 1];
/// let folds = StratifiedKFold::new(3).split(&y)?;
/// assert_eq!(folds[0].1, [0, 3]); // one sample of each class per fold
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct StratifiedKFold {
    n_splits: usize,
    seed: Option<u32>,
}

impl StratifiedKFold {
    /// `n_splits` stratified folds.
    ///
    /// ```
    /// use kerust::model_selection::StratifiedKFold;
    /// let folds = StratifiedKFold::new(2).split(&[0, 0, 1, 1])?;
    /// assert_eq!(folds[0].1, [0, 2]); // one sample of each class per test fold
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn new(n_splits: usize) -> Self {
        StratifiedKFold { n_splits, seed: None }
    }

    /// Shuffles each class's fold assignment, as `StratifiedKFold(shuffle=True,
    /// random_state=seed)`.
    ///
    /// ```
    /// use kerust::model_selection::StratifiedKFold;
    /// let folds = StratifiedKFold::new(2).shuffle(0).split(&[0, 0, 1, 1])?;
    /// assert_eq!(folds.len(), 2);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn shuffle(mut self, seed: u32) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The folds for samples of classes `y`.
    ///
    /// ```
    /// use kerust::model_selection::StratifiedKFold;
    /// assert!(StratifiedKFold::new(3).split(&[0, 0, 1, 1]).is_err()); // 2 per class < 3 folds
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `n_splits < 2`, `n_splits` exceeds the
    /// number of samples, or every class has fewer than `n_splits` samples.
    pub fn split<L: Ord>(&self, y: &[L]) -> Result<Vec<Fold>> {
        const OP: &str = "StratifiedKFold";
        let (n, k) = (y.len(), self.n_splits);
        check_splits(OP, k, n)?;
        // Encode classes in sorted order, as np.unique(return_inverse=True).
        let mut classes: BTreeMap<&L, usize> = y.iter().map(|l| (l, 0)).collect();
        for (code, slot) in classes.values_mut().enumerate() {
            *slot = code;
        }
        let encoded: Vec<usize> = y.iter().map(|l| classes[l]).collect();
        let n_classes = classes.len();
        let mut counts = vec![0usize; n_classes];
        encoded.iter().for_each(|&c| counts[c] += 1);
        if counts.iter().all(|&c| c < k) {
            return Err(Error::invalid(
                OP,
                format!("at least one class with n_splits={k} or more samples"),
                format!("class sizes {counts:?}"),
            ));
        }
        // Deal the sorted labels round-robin to the folds: fold f gets
        // allocation[f][c] samples of class c.
        let mut sorted = encoded.clone();
        sorted.sort_unstable();
        let mut allocation = vec![vec![0usize; n_classes]; k];
        for (i, &c) in sorted.iter().enumerate() {
            allocation[i % k][c] += 1;
        }
        let mut rng = self.seed.map(RandomState::new);
        let mut fold_of = vec![0; n];
        for class in 0..n_classes {
            let mut folds: Vec<usize> = allocation
                .iter()
                .enumerate()
                .flat_map(|(f, per_class)| std::iter::repeat_n(f, per_class[class]))
                .collect();
            if let Some(rng) = &mut rng {
                rng.shuffle(&mut folds);
            }
            let members = (0..n).filter(|&i| encoded[i] == class);
            for (i, f) in members.zip(folds) {
                fold_of[i] = f;
            }
        }
        Ok(folds_from(&fold_of, k))
    }
}

fn check_splits(op: &'static str, k: usize, n: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::invalid(
            op,
            "n_splits of at least 2",
            format!("n_splits={k}"),
        ));
    }
    if k > n {
        return Err(Error::invalid(
            op,
            format!("n_splits={k} no larger than the number of samples"),
            format!("{n} samples"),
        ));
    }
    Ok(())
}

fn folds_from(fold_of: &[usize], k: usize) -> Vec<Fold> {
    (0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..fold_of.len()).partition(|&i| fold_of[i] == f);
            (train, test)
        })
        .collect()
}
