//! The Fashion-MNIST sample embedded in kerust.

use kerust::datasets::{Lookup, fashion_mnist};
use ndarray::Axis;

#[test]
fn the_sample_has_every_class_in_the_stated_numbers() {
    let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_sample().unwrap();
    assert_eq!(x_train.shape(), &[2000, 28, 28]);
    assert_eq!(x_test.shape(), &[500, 28, 28]);
    for (labels, per_class) in [(&y_train, 200), (&y_test, 50)] {
        let mut counts = [0usize; 10];
        labels.iter().for_each(|&y| counts[y as usize] += 1);
        assert_eq!(counts, [per_class; 10]);
    }
    assert_eq!(
        y_train.iter().take(10).copied().collect::<Vec<_>>(),
        vec![9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    );
}

/// Re-derives the sample from the full dataset (when installed): the first
/// 200 (train) / 50 (test) images of each class, in the original order.
#[test]
fn the_sample_is_drawn_from_the_real_data_as_documented() {
    let Ok(((x_full, y_full), (xt_full, yt_full))) =
        fashion_mnist::load_data_with(&Lookup::new().download(false))
    else {
        eprintln!("skipping: the full Fashion-MNIST is not installed here");
        return;
    };
    let ((x, y), (xt, yt)) = fashion_mnist::load_sample().unwrap();
    for (full_x, full_y, x, y, per_class) in [
        (&x_full, &y_full, &x, &y, 200),
        (&xt_full, &yt_full, &xt, &yt, 50),
    ] {
        let mut counts = [0usize; 10];
        let picked: Vec<usize> = (0..full_y.len())
            .filter(|&i| {
                let c = &mut counts[full_y[i] as usize];
                *c += 1;
                *c <= per_class
            })
            .take(10 * per_class)
            .collect();
        assert_eq!(picked.len(), y.len());
        for (k, &i) in picked.iter().enumerate() {
            assert_eq!(y[k], full_y[i]);
            assert_eq!(
                x.index_axis(Axis(0), k),
                full_x.index_axis(Axis(0), i),
                "image {k} (original {i})"
            );
        }
    }
}
