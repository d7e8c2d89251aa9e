//! Where splitting a matrix product over two threads starts to pay: each
//! shape (the products of the dense workloads, and a ladder of sizes) timed
//! on one thread and split in two.
//!
//! ```text
//! cargo bench --bench gemm_threads
//! ```

use std::hint::black_box;
use std::time::Instant;

use kerust::tensor::gemm_in_parts;
use ndarray::Array2;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn time(m: usize, k: usize, n: usize, parts: usize) -> f64 {
    let a = Array2::<f32>::from_elem((m, k), 0.5);
    let b = Array2::<f32>::from_elem((k, n), 0.25);
    let mut c = Array2::<f32>::zeros((m, n));
    let reps = (2e8 / (m * k * n) as f64).clamp(3.0, 20_000.0) as usize;
    median(
        (0..7)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..reps {
                    gemm_in_parts(parts, 1.0, a.view(), b.view(), 0.0, c.view_mut()).unwrap();
                    black_box(&c);
                }
                start.elapsed().as_secs_f64() / reps as f64
            })
            .collect(),
    )
}

fn main() {
    println!(
        "{:>18} {:>12} {:>12} {:>12} {:>8}",
        "m×k×n", "mult-adds", "1 thread µs", "2 threads µs", "speedup"
    );
    let shapes = [
        (32, 784, 10),
        (784, 32, 10),
        (32, 784, 100),
        (784, 32, 100),
        (32, 100, 784),
        (64, 256, 256),
        (128, 256, 256),
        (256, 256, 256),
        (256, 784, 512),
        (784, 256, 512),
        (256, 512, 784),
        (256, 512, 512),
        (512, 256, 512),
        (256, 512, 10),
    ];
    for (m, k, n) in shapes {
        let one = time(m, k, n, 1);
        let two = time(m, k, n, 2);
        println!(
            "{:>18} {:>12} {:>12.1} {:>12.1} {:>8.2}",
            format!("{m}×{k}×{n}"),
            m * k * n,
            one * 1e6,
            two * 1e6,
            one / two
        );
    }
}
