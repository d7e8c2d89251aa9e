//! The data the examples train on: Fashion-MNIST from wherever
//! `fashion_mnist::load_data()` finds it, or else the sample bundled with
//! kerust, with a loud notice that the results come from the sample.

use kerust::datasets::TrainTest;
use kerust::prelude::*;

/// The full dataset, or the bundled sample with a loud notice.
pub fn fashion_mnist() -> Result<TrainTest> {
    match fashion_mnist::load_data() {
        Ok(data) => Ok(data),
        Err(e) => {
            eprintln!("\n*** Fashion-MNIST is not available: {e}");
            eprintln!(
                "*** Falling back to the SAMPLE bundled with kerust: 2,000 training and 500 test images."
            );
            eprintln!("*** Results below come from that sample, not from the full dataset.\n");
            fashion_mnist::load_sample()
        }
    }
}
