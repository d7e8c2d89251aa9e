//! The splitters against scikit-learn 1.9.1 / NumPy 2.4.6. The reference
//! values were printed by:
//!
//! ```python
//! import numpy as np
//! from sklearn.model_selection import train_test_split, StratifiedKFold, KFold
//! y = np.array([0,1,2,0,1,2,0,1,2,0,0,1,2,2,1,0,0,0,1,2,1,1,2,3,3,0,1]); x = np.arange(len(y))
//! train_test_split(x, y, test_size=0.3, random_state=7, stratify=y)
//! train_test_split(x, y, test_size=0.25, random_state=3)
//! [te for _, te in StratifiedKFold(n_splits=3).split(x, y)]
//! [te for _, te in StratifiedKFold(n_splits=3, shuffle=True, random_state=1).split(x, y)]
//! [te for _, te in KFold(n_splits=4).split(x)]
//! [te for _, te in KFold(n_splits=4, shuffle=True, random_state=5).split(x)]
//! yy = np.arange(60000) % 10
//! train_test_split(np.arange(60000), yy, test_size=0.2, random_state=42)            # and stratify=yy
//! ```

use kerust::model_selection::{KFold, StratifiedKFold, train_test_split, train_test_split_stratified};
use ndarray::Array1;

const Y: [u8; 27] = [
    0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, 1, 0, 0, 0, 1, 2, 1, 1, 2, 3, 3, 0, 1,
];

fn xy() -> (Array1<usize>, Array1<u8>) {
    (Array1::from_iter(0..Y.len()), Array1::from(Y.to_vec()))
}

#[test]
fn train_test_split_selects_what_scikit_learn_selects() {
    let (x, y) = xy();
    let (train, test, y_train, y_test) = train_test_split(&x, &y, 0.25, 3).unwrap();
    assert_eq!(
        train.to_vec(),
        [
            2, 1, 23, 14, 4, 22, 6, 7, 5, 20, 9, 11, 26, 19, 21, 0, 8, 3, 24, 10
        ]
    );
    assert_eq!(test.to_vec(), [18, 17, 12, 25, 15, 16, 13]);
    assert_eq!(y_train.to_vec(), train.iter().map(|&i| Y[i]).collect::<Vec<_>>());
    assert_eq!(y_test.to_vec(), test.iter().map(|&i| Y[i]).collect::<Vec<_>>());

    // The walk-through's split: 60,000 samples, test_size=0.2, random_state=42.
    let x = Array1::from_iter(0..60_000usize);
    let y = x.mapv(|i| (i % 10) as u8);
    let (train, test, _, _) = train_test_split(&x, &y, 0.2, 42).unwrap();
    assert_eq!((train.len(), test.len()), (48_000, 12_000));
    assert_eq!(
        test.to_vec()[..8],
        [12628, 37730, 39991, 8525, 8279, 51012, 14871, 15127]
    );
    assert_eq!(
        train.to_vec()[..8],
        [48572, 38696, 13611, 35213, 31766, 57477, 9165, 21399]
    );
}

#[test]
fn stratified_split_selects_what_scikit_learn_selects() {
    let (x, y) = xy();
    let (train, test, _, _) = train_test_split_stratified(&x, &y, 0.3, 7).unwrap();
    assert_eq!(
        train.to_vec(),
        [26, 23, 18, 25, 19, 15, 20, 17, 8, 0, 7, 6, 22, 11, 12, 14, 9, 5]
    );
    assert_eq!(test.to_vec(), [10, 2, 4, 21, 1, 13, 24, 3, 16]);

    let x = Array1::from_iter(0..60_000usize);
    let y = x.mapv(|i| (i % 10) as u8);
    let (train, test, _, y_test) = train_test_split_stratified(&x, &y, 0.2, 42).unwrap();
    assert_eq!(
        test.to_vec()[..8],
        [37475, 1944, 12215, 30762, 43771, 55975, 35820, 48001]
    );
    assert_eq!(
        train.to_vec()[..8],
        [50696, 26886, 28363, 38913, 53070, 21075, 44069, 40673]
    );
    for class in 0..10 {
        assert_eq!(y_test.iter().filter(|&&c| c == class).count(), 1200);
    }
}

#[test]
fn rows_of_two_dimensional_data_move_together() {
    let x = ndarray::Array2::from_shape_fn((10, 3), |(i, j)| (10 * i + j) as f32);
    let y = Array1::from_iter(0..10u32);
    let (x_train, x_test, y_train, y_test) = train_test_split(&x, &y, 0.3, 0).unwrap();
    assert_eq!((x_train.dim(), x_test.dim()), ((7, 3), (3, 3)));
    // np.random.RandomState(0).permutation(10) = [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]
    assert_eq!(y_test.to_vec(), [2, 8, 4]);
    for (row, &label) in x_train.outer_iter().zip(&y_train) {
        assert_eq!(row[0], 10.0 * label as f32);
    }
}

#[test]
fn k_fold_splitters_match_scikit_learn() {
    let tests = |folds: Vec<(Vec<usize>, Vec<usize>)>| folds.into_iter().map(|(_, t)| t).collect::<Vec<_>>();
    assert_eq!(
        tests(StratifiedKFold::new(3).split(&Y).unwrap()),
        vec![
            vec![0, 1, 2, 3, 4, 5, 6, 7, 8],
            vec![9, 10, 11, 12, 13, 14, 15, 18, 23],
            vec![16, 17, 19, 20, 21, 22, 24, 25, 26]
        ]
    );
    assert_eq!(
        tests(StratifiedKFold::new(3).shuffle(1).split(&Y).unwrap()),
        vec![
            vec![2, 3, 10, 11, 12, 13, 15, 20, 26],
            vec![1, 8, 14, 16, 17, 18, 22, 24, 25],
            vec![0, 4, 5, 6, 7, 9, 19, 21, 23]
        ]
    );
    assert_eq!(
        tests(KFold::new(4).split(27).unwrap()),
        vec![
            (0..7).collect::<Vec<_>>(),
            (7..14).collect(),
            (14..21).collect(),
            (21..27).collect()
        ]
    );
    assert_eq!(
        tests(KFold::new(4).shuffle(5).split(27).unwrap()),
        vec![
            vec![2, 10, 11, 18, 19, 20, 23],
            vec![1, 5, 12, 13, 17, 24, 26],
            vec![0, 4, 7, 8, 9, 21, 25],
            vec![3, 6, 14, 15, 16, 22]
        ]
    );
    // Train and test partition the samples in every fold.
    for (train, test) in StratifiedKFold::new(5).split(&Y).unwrap() {
        let mut all = [train, test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..27).collect::<Vec<_>>());
    }
}

#[test]
fn bad_arguments_are_errors() {
    let (x, y) = xy();
    for bad in [0.0, 1.0, -0.5, f64::NAN] {
        assert!(train_test_split(&x, &y, bad, 0).is_err());
    }
    let short = Array1::from_iter(0..5u8);
    assert_eq!(
        train_test_split(&x, &short, 0.2, 0).unwrap_err().to_string(),
        "train_test_split: expected x and y with the same number of samples along axis 0, found x shape [27] and y shape [5]"
    );
    assert!(train_test_split(&Array1::from_iter(0..1u8), &Array1::from_iter(0..1u8), 0.5, 0).is_err());
    let singles = Array1::from_iter(0..4u8);
    assert!(train_test_split_stratified(&singles, &singles, 0.5, 0).is_err());
    assert!(KFold::new(1).split(10).is_err());
    assert!(KFold::new(11).split(10).is_err());
    assert!(StratifiedKFold::new(3).split(&[0u8, 1, 2, 3]).is_err());
}
