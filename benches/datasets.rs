//! How long `fashion_mnist::load_data()` takes on the full dataset:
//! decompression, SHA-256 verification and parsing of all four files.
//!
//! ```text
//! cargo bench --bench datasets
//! ```

use std::time::Instant;

use kerust::datasets::fashion_mnist;

fn main() {
    const RUNS: usize = 7;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        match fashion_mnist::load_data() {
            Ok(((x, _), _)) => assert_eq!(x.shape(), &[60000, 28, 28]),
            Err(e) => {
                eprintln!("Fashion-MNIST is not available here, nothing to measure:\n{e}");
                return;
            }
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "fashion_mnist::load_data(): median {:.3} s (min {:.3} s, max {:.3} s, {RUNS} runs)",
        times[RUNS / 2],
        times[0],
        times[RUNS - 1]
    );
}
