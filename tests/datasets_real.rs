//! The real Fashion-MNIST, when it is installed (Debian's
//! `dataset-fashion-mnist`) or cached. With `KERUST_REQUIRE_DATA=1` (set by
//! `.ci/run` after installing the package) its absence is a failure.

mod support;

use kerust::datasets::{Lookup, fashion_mnist};
use ndarray::Axis;
use support::fashion_mnist_or_skip as load;

#[test]
fn fashion_mnist_is_what_keras_returns() {
    let Some(((x_train, y_train), (x_test, y_test))) = load() else {
        return;
    };
    assert_eq!(x_train.shape(), &[60000, 28, 28]);
    assert_eq!(y_train.shape(), &[60000]);
    assert_eq!(x_test.shape(), &[10000, 28, 28]);
    assert_eq!(y_test.shape(), &[10000]);
    assert_eq!(
        y_train.iter().take(10).copied().collect::<Vec<_>>(),
        vec![9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    );
    for (labels, per_class) in [(&y_train, 6000), (&y_test, 1000)] {
        let mut counts = [0usize; 10];
        for &y in labels.iter() {
            counts[y as usize] += 1;
        }
        assert_eq!(counts, [per_class; 10]);
    }
    // Pixels span the full byte range, and the first image (an ankle boot) is not blank.
    assert_eq!(x_train.iter().copied().max(), Some(255));
    assert!(x_train.index_axis(Axis(0), 0).iter().filter(|&&p| p > 0).count() > 100);
}

#[test]
fn the_files_have_the_published_hashes() {
    if load().is_none() {
        return;
    }
    // load() succeeded, so every file matched these; check the table itself
    // against the values published with the dataset.
    let expected = [
        (
            "train-images-idx3-ubyte",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ),
        (
            "train-labels-idx1-ubyte",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ),
        (
            "t10k-images-idx3-ubyte",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ),
        (
            "t10k-labels-idx1-ubyte",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    ];
    let files = fashion_mnist::dataset()
        .load(&Lookup::new().download(false))
        .unwrap();
    for ((name, hash), (file, idx)) in expected
        .iter()
        .zip(fashion_mnist::dataset().files.iter().zip(&files))
    {
        assert_eq!(&file.name, name);
        assert_eq!(&file.sha256, hash);
        assert_eq!(&idx.sha256, hash, "{name}");
    }
}
