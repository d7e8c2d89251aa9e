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
//! keeping the faster. The table gives medians and the ratio kerust/floor.
//! Then `predict` throughput and `fashion_mnist::load_data()` time.

use std::hint::black_box;
use std::time::Instant;

use kerust::callbacks::Callback;
use kerust::prelude::*;
use kerust::tensor::gemm_in_parts;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SAMPLES: usize = 48_000;
const EPOCHS: usize = 7;

struct Workload {
    name: &'static str,
    hidden: &'static [usize],
    batch: usize,
    adam: bool,
}

const WORKLOADS: [Workload; 3] = [
    Workload {
        name: "seed",
        hidden: &[],
        batch: 32,
        adam: false,
    },
    Workload {
        name: "mlp",
        hidden: &[100],
        batch: 32,
        adam: true,
    },
    Workload {
        name: "wide",
        hidden: &[512, 512],
        batch: 256,
        adam: true,
    },
];

/// Records the wall time of every epoch.
#[derive(Default)]
struct EpochTimer {
    start: Option<Instant>,
    seconds: Vec<f64>,
}

impl Callback for EpochTimer {
    fn on_epoch_begin(&mut self, _model: &mut Sequential, _epoch: usize) -> Result<()> {
        self.start = Some(Instant::now());
        Ok(())
    }
    fn on_epoch_end(&mut self, _model: &mut Sequential, _epoch: usize, _logs: &mut Logs) -> Result<()> {
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
    let mut model = Sequential::new(Vec::<Dense>::new());
    let mut first = true;
    for &units in w.hidden {
        let layer = Dense::new(units).activation(Relu);
        model
            .add(if first { layer.input_shape(784) } else { layer })
            .unwrap();
        first = false;
    }
    let out = Dense::new(10).activation(Softmax);
    model.add(if first { out.input_shape(784) } else { out }).unwrap();
    if w.adam {
        model
            .compile_with(
                Adam::new(),
                Loss::SparseCategoricalCrossentropy,
                &[Metric::Accuracy],
            )
            .unwrap();
    } else {
        model
            .compile(Loss::SparseCategoricalCrossentropy, &[Metric::Accuracy])
            .unwrap();
    }
    model
}

/// One epoch's gemm calls on preallocated buffers, each split over `threads`.
fn floor(w: &Workload, threads: usize) -> f64 {
    let widths: Vec<usize> = std::iter::once(784)
        .chain(w.hidden.iter().copied())
        .chain([10])
        .collect();
    let b = w.batch;
    let acts: Vec<Array2<f32>> = widths.iter().map(|&n| Array2::from_elem((b, n), 0.5)).collect();
    let mut outs: Vec<Array2<f32>> = widths[1..].iter().map(|&n| Array2::zeros((b, n))).collect();
    let weights: Vec<Array2<f32>> = widths
        .windows(2)
        .map(|p| Array2::from_elem((p[0], p[1]), 0.01))
        .collect();
    let mut dws: Vec<Array2<f32>> = weights.iter().map(|w| Array2::zeros(w.dim())).collect();
    let mut dxs: Vec<Array2<f32>> = widths.iter().map(|&n| Array2::zeros((b, n))).collect();
    let steps = SAMPLES.div_ceil(b);
    let start = Instant::now();
    for _ in 0..steps {
        for l in 0..weights.len() {
            gemm_in_parts(
                threads,
                1.0,
                acts[l].view(),
                weights[l].view(),
                0.0,
                outs[l].view_mut(),
            )
            .unwrap();
        }
        for l in (0..weights.len()).rev() {
            gemm_in_parts(threads, 1.0, acts[l].t(), outs[l].view(), 0.0, dws[l].view_mut()).unwrap();
            if l > 0 {
                gemm_in_parts(
                    threads,
                    1.0,
                    outs[l].view(),
                    weights[l].t(),
                    0.0,
                    dxs[l].view_mut(),
                )
                .unwrap();
            }
        }
        black_box((&dws, &dxs));
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let (x, y) = data();
    println!(
        "{:<6} {:>10} {:>12} {:>10} {:>8} {:>8}",
        "", "epoch s", "samples/s", "floor s", "threads", "ratio"
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
        for run in 0..=EPOCHS {
            let options = FitOptions::default()
                .batch_size(w.batch)
                .verbose(0)
                .callback(&mut timer);
            m.fit(&x, &y, options).unwrap();
            if run > 0 {
                floors[0].push(floor(w, 1));
                floors[1].push(floor(w, 2));
            }
        }
        let epoch = median(timer.seconds[1..].to_vec());
        let [one, two] = floors.map(median);
        let (floor_s, threads) = if two < one { (two, 2) } else { (one, 1) };
        println!(
            "{:<6} {:>10.4} {:>12.0} {:>10.4} {:>8} {:>8.2}",
            w.name,
            epoch,
            SAMPLES as f64 / epoch,
            floor_s,
            threads,
            epoch / floor_s
        );
    }

    if only.is_some() {
        return;
    }
    // predict throughput of the mlp on 10,000 samples.
    let mut mlp = model(&WORKLOADS[1]);
    let x10 = x.slice(ndarray::s![..10_000, ..]).to_owned();
    let t = median(
        (0..EPOCHS)
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
