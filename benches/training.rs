//! Training speed against the gemm floor.
//!
//! ```text
//! cargo bench --bench training
//! ```
//!
//! For each workload, one epoch of 48,000 samples is trained through the
//! public API (`Sequential`, `compile`, `fit` with `verbose(0)`) several
//! times, each epoch timed by a callback. In the same process the floor is
//! measured: the matrix products that epoch must compute — forward `x·W`,
//! backward `dW = xᵀ·dZ` and, for every layer but the first, `dX = dZ·Wᵀ` —
//! made bare on preallocated buffers, with one gemm thread and with two,
//! keeping the faster; for the `cnn` workload the convolutions count as
//! their im2col products. The table gives medians and the ratio
//! kerust/floor, and the quartiles of the ratios of the epochs to the
//! floors measured right after them (how much the machine moved). A last
//! column times the epoch's gathering alone: its 48,000 rows copied in a
//! shuffled order into a batch buffer on one core, which no floor includes
//! and which the memory, not the code, sets the speed of.
//! Then `predict` throughput and `fashion_mnist::load_data()` time.

use std::hint::black_box;
use std::time::Instant;

use kerust::callbacks::Callback;
use kerust::prelude::*;
use kerust::tensor::gemm_in_parts;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

/// The walk-through's CNN, the same model the CNN tests train.
#[path = "../tests/support/mod.rs"]
mod support;

const SAMPLES: usize = 48_000;

/// What a workload trains.
#[derive(Clone, Copy)]
enum Net {
    /// 784 inputs through Dense layers of these widths (relu), then
    /// Dense(10, softmax).
    Dense(&'static [usize]),
    /// The Fashion-MNIST CNN: Conv2D(32, 3, same) → MaxPooling2D(2) →
    /// Conv2D(64, 3, same) → MaxPooling2D(2) → Flatten → Dense(100) →
    /// Dropout(0.4) → Dense(10, softmax), on 28×28×1 images.
    Cnn,
}

struct Workload {
    name: &'static str,
    net: Net,
    batch: usize,
    adam: bool,
    /// Timed epochs (after one warm-up): more for the short workloads,
    /// whose medians a shared machine otherwise moves by tens of percent.
    runs: usize,
}

const WORKLOADS: [Workload; 4] = [
    Workload {
        name: "seed",
        net: Net::Dense(&[]),
        batch: 32,
        adam: false,
        runs: 15,
    },
    Workload {
        name: "mlp",
        net: Net::Dense(&[100]),
        batch: 32,
        adam: true,
        runs: 15,
    },
    Workload {
        name: "wide",
        net: Net::Dense(&[512, 512]),
        batch: 256,
        adam: true,
        runs: 7,
    },
    Workload {
        name: "cnn",
        net: Net::Cnn,
        batch: 32,
        adam: true,
        runs: 3,
    },
];

/// Records the wall time of every epoch.
#[derive(Default)]
struct EpochTimer {
    start: Option<Instant>,
    seconds: Vec<f64>,
}

impl Callback for EpochTimer {
    fn on_epoch_begin(&mut self, _model: &mut Model, _epoch: usize) -> Result<()> {
        self.start = Some(Instant::now());
        Ok(())
    }
    fn on_epoch_end(&mut self, _model: &mut Model, _epoch: usize, _logs: &mut Logs) -> Result<()> {
        if let Some(t) = self.start.take() {
            self.seconds.push(t.elapsed().as_secs_f64());
        }
        Ok(())
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn data() -> (Array2<f32>, Array1<u8>) {
    let mut rng = StdRng::seed_from_u64(0);
    let x = Array2::from_shape_simple_fn((SAMPLES, 784), || rng.random::<f32>());
    let y = Array1::from_shape_simple_fn(SAMPLES, || rng.random_range(0..10u8));
    (x, y)
}

fn model(w: &Workload) -> Sequential {
    let mut model = match w.net {
        Net::Dense(hidden) => {
            let mut model = Sequential::new(Vec::<Dense>::new());
            let mut first = true;
            for &units in hidden {
                let layer = Dense::new(units).activation(Relu);
                model
                    .add(if first { layer.input_shape(784) } else { layer })
                    .unwrap();
                first = false;
            }
            let out = Dense::new(10).activation(Softmax);
            model.add(if first { out.input_shape(784) } else { out }).unwrap();
            model
        }
        Net::Cnn => support::book_cnn(),
    };
    if w.adam {
        model
            .compile_with(
                Adam::new(),
                Loss::SparseCategoricalCrossentropy,
                [Metric::Accuracy],
            )
            .unwrap();
    } else {
        model
            .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
            .unwrap();
    }
    model
}

/// One matrix product of a training step: `(m×k)·(k×n)`, with the left
/// operand read transposed (`xᵀ·dZ`) or the right one (`dZ·Wᵀ`) as the
/// step reads them.
#[derive(Clone, Copy)]
struct Product {
    m: usize,
    k: usize,
    n: usize,
    a_t: bool,
    b_t: bool,
}

impl Product {
    /// A layer's forward `x·W`.
    fn forward(m: usize, k: usize, n: usize) -> Product {
        Product {
            m,
            k,
            n,
            a_t: false,
            b_t: false,
        }
    }
    /// Its weight gradient `xᵀ·dZ` (x: m×k, W: k×n).
    fn weights(m: usize, k: usize, n: usize) -> Product {
        Product {
            m: k,
            k: m,
            n,
            a_t: true,
            b_t: false,
        }
    }
    /// Its input gradient `dZ·Wᵀ`.
    fn input(m: usize, k: usize, n: usize) -> Product {
        Product {
            m,
            k: n,
            n: k,
            a_t: false,
            b_t: true,
        }
    }
}

/// The products one training step must compute: forward, weight gradients
/// and, for every layer but the first, input gradients. Convolutions in
/// their im2col form: `(N·OH·OW, kh·kw·C)·(kh·kw·C, F)`.
fn products(net: Net, b: usize) -> Vec<Product> {
    // (rows, fan-in, units) of each layer as a matrix product.
    let layers: Vec<(usize, usize, usize)> = match net {
        Net::Dense(hidden) => {
            let widths: Vec<usize> = std::iter::once(784)
                .chain(hidden.iter().copied())
                .chain([10])
                .collect();
            widths.windows(2).map(|p| (b, p[0], p[1])).collect()
        }
        Net::Cnn => vec![
            // 3×3 kernels over 1 channel, then over 32.
            (b * 28 * 28, 3 * 3, 32),
            (b * 14 * 14, 3 * 3 * 32, 64),
            (b, 7 * 7 * 64, 100),
            (b, 100, 10),
        ],
    };
    let mut out: Vec<Product> = layers
        .iter()
        .map(|&(m, k, n)| Product::forward(m, k, n))
        .collect();
    for (l, &(m, k, n)) in layers.iter().enumerate().rev() {
        out.push(Product::weights(m, k, n));
        if l > 0 {
            out.push(Product::input(m, k, n));
        }
    }
    out
}

/// One epoch's products on preallocated buffers, each split over `threads`.
fn floor(w: &Workload, threads: usize) -> f64 {
    let products = products(w.net, w.batch);
    let buffers: Vec<(Array2<f32>, Array2<f32>, Array2<f32>)> = products
        .iter()
        .map(|p| {
            let a = if p.a_t { (p.k, p.m) } else { (p.m, p.k) };
            let b = if p.b_t { (p.n, p.k) } else { (p.k, p.n) };
            (
                Array2::from_elem(a, 0.5),
                Array2::from_elem(b, 0.01),
                Array2::zeros((p.m, p.n)),
            )
        })
        .collect();
    let mut outs: Vec<Array2<f32>> = buffers.iter().map(|(_, _, c)| c.clone()).collect();
    let steps = SAMPLES.div_ceil(w.batch);
    let start = Instant::now();
    for _ in 0..steps {
        for ((p, (a, b, _)), c) in products.iter().zip(&buffers).zip(&mut outs) {
            let a = if p.a_t { a.t() } else { a.view() };
            let b = if p.b_t { b.t() } else { b.view() };
            gemm_in_parts(threads, 1.0, a, b, 0.0, c.view_mut()).unwrap();
        }
        black_box(&outs);
    }
    start.elapsed().as_secs_f64()
}

/// One epoch's gathering alone: the rows of `x` copied in a new shuffled
/// order, `batch` at a time, into a reused buffer, on one core.
fn gather(x: &Array2<f32>, batch: usize, rng: &mut StdRng) -> f64 {
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    order.shuffle(rng);
    let width = x.ncols();
    let flat = x.as_slice().expect("row-major data");
    let mut buffer = vec![0.0f32; batch * width];
    let start = Instant::now();
    for rows in order.chunks(batch) {
        for (row, &r) in buffer.chunks_exact_mut(width).zip(rows) {
            row.copy_from_slice(&flat[r * width..(r + 1) * width]);
        }
        black_box(&buffer);
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let (x, y) = data();
    let mut shuffles = StdRng::seed_from_u64(1);
    println!(
        "{:<6} {:>10} {:>12} {:>10} {:>8} {:>8} {:>13} {:>9}",
        "", "epoch s", "samples/s", "floor s", "threads", "ratio", "pairs p25–p75", "gather s"
    );
    // KERUST_BENCH_ONLY=seed (or mlp, wide) runs one workload, for profiling.
    let only = std::env::var("KERUST_BENCH_ONLY").ok();
    for w in WORKLOADS
        .iter()
        .filter(|w| only.as_deref().is_none_or(|o| o == w.name))
    {
        set_random_seed(0);
        let mut m = model(w);
        // One epoch of warm-up (optimizer state, buffers, the helper thread),
        // then epochs and floors interleaved, so that drifts in the
        // machine's speed hit both alike.
        let mut timer = EpochTimer::default();
        let mut floors = [Vec::new(), Vec::new()];
        let mut gathers = Vec::new();
        // The samples as a 48,000 × 784 matrix, for timing the gather.
        let matrix = &x;
        let x = match w.net {
            Net::Dense(_) => x.view().into_dyn(),
            Net::Cnn => x
                .view()
                .into_shape_with_order((SAMPLES, 28, 28, 1))
                .unwrap()
                .into_dyn(),
        };
        for run in 0..=w.runs {
            let options = FitOptions::default()
                .batch_size(w.batch)
                .verbose(0)
                .callback(&mut timer);
            m.fit(&x, &y, options).unwrap();
            if run > 0 {
                floors[0].push(floor(w, 1));
                floors[1].push(floor(w, 2));
                gathers.push(gather(matrix, w.batch, &mut shuffles));
            }
        }
        let epochs = &timer.seconds[1..];
        let epoch = median(epochs.to_vec());
        let [one, two] = floors.clone().map(median);
        let (floor_s, threads) = if two < one { (two, 2) } else { (one, 1) };
        // The spread of the ratio over the epoch/floor pairs measured side
        // by side: how much the machine moved during this workload.
        let mut pairs: Vec<f64> = epochs
            .iter()
            .zip(&floors[threads - 1])
            .map(|(e, f)| e / f)
            .collect();
        pairs.sort_by(f64::total_cmp);
        let quartile = |q: usize| pairs[(pairs.len() - 1) * q / 4];
        println!(
            "{:<6} {:>10.4} {:>12.0} {:>10.4} {:>8} {:>8.2} {:>8.2}–{:.2} {:>9.4}",
            w.name,
            epoch,
            SAMPLES as f64 / epoch,
            floor_s,
            threads,
            epoch / floor_s,
            quartile(1),
            quartile(3),
            median(gathers)
        );
    }

    if only.is_some() {
        return;
    }
    // predict throughput of the mlp on 10,000 samples.
    let mut mlp = model(&WORKLOADS[1]);
    let x10 = x.slice(ndarray::s![..10_000, ..]).to_owned();
    let t = median(
        (0..7)
            .map(|_| {
                let start = Instant::now();
                black_box(mlp.predict(&x10).unwrap());
                start.elapsed().as_secs_f64()
            })
            .collect(),
    );
    println!(
        "predict mlp: 10,000 samples in {t:.4} s ({:.0} samples/s)",
        10_000.0 / t
    );

    let loads: Vec<f64> = (0..5)
        .filter_map(|_| {
            let start = Instant::now();
            fashion_mnist::load_data()
                .ok()
                .map(|_| start.elapsed().as_secs_f64())
        })
        .collect();
    if loads.is_empty() {
        println!("fashion_mnist::load_data(): data not available here");
    } else {
        println!("fashion_mnist::load_data(): median {:.3} s", median(loads));
    }
}
