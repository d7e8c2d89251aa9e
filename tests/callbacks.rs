//! The callbacks on crafted sequences of logged values, and inside `fit`.
//! Expected epochs follow Keras 3's callback code (see each test).

use kerust::callbacks::{Callback, Mode, TrainParams};
use kerust::prelude::*;
use ndarray::{Array1, Array2};

fn model() -> Sequential {
    let mut m = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    m.compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    m
}

fn params() -> TrainParams {
    TrainParams {
        epochs: 100,
        steps: 1,
        verbose: 0,
    }
}

/// Feeds `values` of `key` to `callback` epoch by epoch, as `fit` would;
/// returns the epoch after which the model was asked to stop, if any.
fn drive(callback: &mut dyn Callback, model: &mut Model, key: &str, values: &[f64]) -> Option<usize> {
    callback.on_train_begin(model, &params()).unwrap();
    let mut stopped = None;
    for (epoch, &v) in values.iter().enumerate() {
        callback.on_epoch_begin(model, epoch).unwrap();
        let mut logs = Logs::from([(key.to_string(), v)]);
        callback.on_epoch_end(model, epoch, &mut logs).unwrap();
        if model.is_stopping() {
            stopped = Some(epoch);
            break;
        }
    }
    callback.on_train_end(model, &Logs::new()).unwrap();
    stopped
}

#[test]
fn early_stopping_counts_patience_like_keras() {
    // val_loss improves until epoch 2, then not: with patience 2 the wait
    // reaches 2 at epoch 4, which stops.
    let mut m = model();
    let mut es = EarlyStopping::new().patience(2);
    assert_eq!(
        drive(&mut es, &mut m, "val_loss", &[1.0, 0.8, 0.7, 0.75, 0.71, 0.6]),
        Some(4)
    );
    assert_eq!(es.best_epoch(), 2);
    // patience 0 stops at the first epoch without improvement (but never at epoch 0).
    let mut m = model();
    let mut es = EarlyStopping::new();
    assert_eq!(drive(&mut es, &mut m, "val_loss", &[1.0, 1.2]), Some(1));
}

#[test]
fn early_stopping_min_delta_mode_baseline_and_start() {
    // min_delta 0.1: 0.95 and 0.91 are not improvements on 1.0 → stop at epoch 2.
    let mut m = model();
    let mut es = EarlyStopping::new().min_delta(0.1).patience(1);
    assert_eq!(
        drive(&mut es, &mut m, "val_loss", &[1.0, 0.95, 0.91, 0.5]),
        Some(1)
    );
    // Accuracy goes up in auto mode.
    let mut m = model();
    let mut es = EarlyStopping::new().monitor("val_accuracy").patience(1);
    assert_eq!(
        drive(&mut es, &mut m, "val_accuracy", &[0.5, 0.6, 0.7, 0.65, 0.66]),
        Some(3)
    );
    // An explicit mode overrides the name.
    let mut m = model();
    let mut es = EarlyStopping::new()
        .monitor("val_loss")
        .mode(Mode::Max)
        .patience(0);
    assert_eq!(drive(&mut es, &mut m, "val_loss", &[0.5, 0.4]), Some(1));
    // Baseline 0.5: improvements that do not beat it do not restart the
    // wait, so training stops one epoch sooner than without it.
    let values = [0.9, 0.8, 0.85, 0.86, 0.87];
    let mut m = model();
    let mut es = EarlyStopping::new().baseline(0.5).patience(2);
    assert_eq!(drive(&mut es, &mut m, "val_loss", &values), Some(2));
    let mut m = model();
    let mut es = EarlyStopping::new().patience(2);
    assert_eq!(drive(&mut es, &mut m, "val_loss", &values), Some(3));
    // Epochs before start_from_epoch are not watched.
    let mut m = model();
    let mut es = EarlyStopping::new().start_from_epoch(3);
    assert_eq!(
        drive(&mut es, &mut m, "val_loss", &[1.0, 2.0, 3.0, 4.0, 5.0]),
        Some(4)
    );
    // An unknown direction needs a mode.
    let mut es = EarlyStopping::new().monitor("learning_rate");
    assert!(es.on_train_begin(&mut model(), &params()).is_err());
}

#[test]
fn early_stopping_restores_the_best_weights_even_without_stopping() {
    let mut m = model();
    let mut es = EarlyStopping::new().patience(10).restore_best_weights(true);
    es.on_train_begin(&mut m, &params()).unwrap();
    let mut best = None;
    for (epoch, v) in [0.9, 0.5, 0.7].into_iter().enumerate() {
        // A different weight every epoch.
        let w: Vec<Tensor> = m
            .get_weights()
            .into_iter()
            .map(|t| Tensor::full(t.shape(), epoch as f32))
            .collect();
        m.set_weights(w.clone()).unwrap();
        if epoch == 1 {
            best = Some(w);
        }
        es.on_epoch_end(&mut m, epoch, &mut Logs::from([("val_loss".to_string(), v)]))
            .unwrap();
    }
    assert!(!m.is_stopping());
    es.on_train_end(&mut m, &Logs::new()).unwrap();
    assert_eq!(Some(m.get_weights()), best);
}

#[test]
fn a_missing_monitor_is_a_warning_not_a_crash() {
    let mut m = model();
    let mut es = EarlyStopping::new().monitor("val_accuracy");
    assert_eq!(drive(&mut es, &mut m, "accuracy", &[0.1, 0.1, 0.1]), None);
}

#[test]
fn reduce_lr_on_plateau_with_cooldown() {
    // patience 1, factor 0.5, cooldown 1, lr 0.001:
    // e0 1.0 best; e1 1.0 wait 1 → lr 0.0005, cooldown 1; e2: cooldown → 0, wait 0,
    // not improved, in no cooldown now → wait 1 → lr 0.00025; e3 0.5 improves.
    let mut m = model();
    let mut r = ReduceLROnPlateau::new().patience(1).factor(0.5).cooldown(1);
    r.on_train_begin(&mut m, &params()).unwrap();
    let mut rates = Vec::new();
    for (epoch, v) in [1.0, 1.0, 1.0, 0.5].into_iter().enumerate() {
        let mut logs = Logs::from([("val_loss".to_string(), v)]);
        r.on_epoch_end(&mut m, epoch, &mut logs).unwrap();
        assert!(logs.contains_key("learning_rate"));
        rates.push(m.optimizer().unwrap().learning_rate());
    }
    let expected = [0.001f32, 0.0005, 0.00025, 0.00025];
    for (a, b) in rates.iter().zip(expected) {
        approx::assert_relative_eq!(*a, b, max_relative = 1e-6);
    }
    // min_lr is a floor.
    let mut m = model();
    let mut r = ReduceLROnPlateau::new().patience(0).factor(0.1).min_lr(0.0004);
    drive(&mut r, &mut m, "val_loss", &[1.0, 1.0, 1.0]);
    approx::assert_relative_eq!(
        m.optimizer().unwrap().learning_rate(),
        0.0004,
        max_relative = 1e-6
    );
    assert!(
        ReduceLROnPlateau::new()
            .factor(1.0)
            .on_train_begin(&mut model(), &params())
            .is_err()
    );
}

#[test]
fn learning_rate_scheduler_sets_the_rate_each_epoch() {
    let mut m = model();
    let mut s = LearningRateScheduler::new(|epoch, lr| if epoch == 0 { lr } else { lr * 0.5 });
    let mut seen = Vec::new();
    for epoch in 0..3 {
        s.on_epoch_begin(&mut m, epoch).unwrap();
        let mut logs = Logs::new();
        s.on_epoch_end(&mut m, epoch, &mut logs).unwrap();
        seen.push(logs["learning_rate"]);
    }
    let expected = [0.001, 0.0005, 0.00025];
    for (a, b) in seen.iter().zip(expected) {
        approx::assert_relative_eq!(*a, b, max_relative = 1e-6);
    }
}

#[test]
fn terminate_on_nan_stops_inside_fit() {
    let x = Array2::from_elem((64, 3), 1.0f32);
    let y = Array1::from_elem(64, 1.0f32).insert_axis(ndarray::Axis(1));
    let mut m = Sequential::new(vec![Dense::new(1).input_shape(3)]);
    // A huge learning rate sends the mean squared error to infinity, then NaN.
    m.compile_with(SGD::new().learning_rate(1e30), "mse", ()).unwrap();
    let mut t = TerminateOnNaN::new();
    let h = m
        .fit(
            &x,
            &y,
            FitOptions::default()
                .epochs(50)
                .batch_size(8)
                .verbose(0)
                .callback(&mut t),
        )
        .unwrap();
    assert!(t.terminated_at().is_some());
    assert!(h.epoch.len() < 50, "stopped after {} epochs", h.epoch.len());
}

#[test]
fn early_stopping_inside_fit_and_history_sees_added_keys() {
    let x = Array2::from_shape_fn((60, 3), |(i, j)| ((i * 3 + j) % 7) as f32);
    let y = Array1::from_shape_fn(60, |i| (i % 2) as u8);
    let mut m = model();
    let mut es = EarlyStopping::new().monitor("loss").patience(0).min_delta(10.0);
    let mut lr = ReduceLROnPlateau::new().monitor("loss");
    let h = m
        .fit(
            &x,
            &y,
            FitOptions::default()
                .epochs(20)
                .verbose(0)
                .callback(&mut es)
                .callback(&mut lr),
        )
        .unwrap();
    // No epoch improves by 10: Keras stops at epoch 1 (the first where epoch > 0).
    assert_eq!(es.stopped_epoch(), Some(1));
    assert_eq!(h.epoch, [0, 1]);
    assert!(
        h.get("learning_rate").is_some(),
        "ReduceLROnPlateau's key reaches History"
    );
}

#[test]
fn csv_logger_writes_keras_rows_and_appends() {
    let dir = std::env::temp_dir().join(format!("kerust-csv-{}", std::process::id()));
    let path = dir.join("sub").join("training.log");
    let mut m = model();
    let mut csv = CsvLogger::new(&path);
    drive(&mut csv, &mut m, "loss", &[0.5, 0.25]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, "epoch,loss,val_loss\r\n0,0.5,NA\r\n1,0.25,NA\r\n");
    let mut again = CsvLogger::new(&path).append(true);
    drive(&mut again, &mut m, "loss", &[0.125]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "epoch,loss,val_loss\r\n0,0.5,NA\r\n1,0.25,NA\r\n0,0.125,NA\r\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_checkpoint_saves_the_best_epochs_only() {
    let dir = std::env::temp_dir().join(format!("kerust-ckpt-{}", std::process::id()));
    let mut m = model();
    let mut ck = ModelCheckpoint::new(
        dir.join("e{epoch:02d}-{val_loss:.2f}.kerust")
            .to_string_lossy()
            .into_owned(),
    )
    .save_best_only(true);
    drive(&mut ck, &mut m, "val_loss", &[0.9, 0.7, 0.8, 0.6]);
    let names: Vec<String> = ck
        .saved()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["e01-0.90.kerust", "e02-0.70.kerust", "e04-0.60.kerust"]);
    let loaded = load_model(&ck.saved()[2]).unwrap();
    assert_eq!(loaded.get_weights(), m.get_weights());
    // Without save_best_only every epoch is saved, to one path here.
    let mut every = ModelCheckpoint::new(dir.join("last.kerust").to_string_lossy().into_owned());
    drive(&mut every, &mut m, "val_loss", &[0.9, 0.95]);
    assert_eq!(every.saved().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_checkpoint_can_save_weights_only() {
    let dir = std::env::temp_dir().join(format!("kerust-ckpt-w-{}", std::process::id()));
    let path = dir.join("w-{epoch}.safetensors");
    let mut m = model();
    let mut ck = ModelCheckpoint::new(path.to_string_lossy().into_owned()).save_weights_only(true);
    drive(&mut ck, &mut m, "val_loss", &[0.9]);
    let mut other = model();
    other.load_weights(dir.join("w-1.safetensors")).unwrap();
    assert_eq!(other.get_weights(), m.get_weights());
    assert!(
        load_model(dir.join("w-1.safetensors")).is_err(),
        "weights only, not a model file"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn batch_hooks_run_around_every_batch() {
    #[derive(Default)]
    struct Count(usize, usize);
    impl Callback for Count {
        fn on_train_batch_begin(&mut self, _m: &mut Model, _b: usize) -> Result<()> {
            self.0 += 1;
            Ok(())
        }
        fn on_train_batch_end(&mut self, _m: &mut Model, _b: usize, _l: &Logs) -> Result<()> {
            self.1 += 1;
            Ok(())
        }
    }
    let x = Array2::<f32>::zeros((70, 3));
    let y = Array1::<u8>::zeros(70);
    let mut count = Count::default();
    model()
        .fit(
            &x,
            &y,
            FitOptions::default().epochs(2).verbose(0).callback(&mut count),
        )
        .unwrap();
    assert_eq!((count.0, count.1), (6, 6), "3 batches of 32 per epoch");
}
