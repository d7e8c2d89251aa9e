//! How fast, and in how little memory, hostile inputs fail: a gzip bomb
//! among the dataset files, 2 GiB sparse model and weights files,
//! `/dev/zero`, and a server that drips a byte at a time.
//!
//! ```text
//! cargo bench --bench hostile_files
//! ```
//!
//! Each case runs in a fresh process (this program, started again with the
//! case's name), which reports the time to the error and its own peak
//! resident memory (`VmHWM`, Linux), so no case inherits another's peak.

#[path = "../tests/common/hostile.rs"]
mod hostile;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hostile::{bomb, claiming_header, extend_to_2_gib, peak_rss_kb, small_model};
use kerust::datasets::Lookup;
use kerust::saving::load_model;

const CASES: [(&str, &str); 7] = [
    ("bomb-lying", "1 MiB gzip, header claims 1 GiB of images"),
    ("bomb-trailing", "1 MiB gzip, published header, 1 GiB after it"),
    ("model-extended", "valid model file + 2 GiB of holes"),
    ("model-claiming", "header announcing a 2 GiB payload of holes"),
    ("weights-extended", "valid safetensors + 2 GiB of holes"),
    ("dev-zero", "load_model(\"/dev/zero\")"),
    ("drip", "a byte every 50 ms, deadline 1 s"),
];

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let dir = std::env::temp_dir().join(format!("kerust-hostile-bench-{}", std::process::id()));
    match (args.next(), args.next()) {
        (Some(case), Some(dir)) => run_case(&case, Path::new(&dir)),
        _ => {
            prepare(&dir);
            println!("{:<18} {:>9} {:>12}  what", "case", "time s", "peak RSS KB");
            for (case, what) in CASES {
                let out = std::process::Command::new(std::env::current_exe().expect("this program"))
                    .args([case, &dir.display().to_string()])
                    .output()
                    .expect("start a case");
                let report = String::from_utf8_lossy(&out.stdout);
                let fields: Vec<&str> = report.split_whitespace().collect();
                match fields.as_slice() {
                    [secs, kb] => println!("{case:<18} {secs:>9} {kb:>12}  {what}"),
                    _ => println!(
                        "{case:<18} failed: {report}{}",
                        String::from_utf8_lossy(&out.stderr)
                    ),
                }
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Writes the hostile files into `dir`.
fn prepare(dir: &Path) {
    for (name, dims) in [
        ("bomb-lying", vec![1u32 << 30]),
        ("bomb-trailing", vec![60000, 28, 28]),
    ] {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).expect("a temporary folder");
        std::fs::write(d.join("train-images-idx3-ubyte.gz"), bomb(&dims)).expect("write the bomb");
    }
    let model = small_model();
    let extended = dir.join("extended.kerust");
    model.save(&extended).expect("save");
    extend_to_2_gib(&extended);
    let claiming = dir.join("claiming.kerust");
    std::fs::write(&claiming, claiming_header()).expect("write");
    extend_to_2_gib(&claiming);
    let weights = dir.join("weights.safetensors");
    model.save_weights(&weights).expect("save weights");
    extend_to_2_gib(&weights);
}

/// Runs one case in this process and prints its time and peak RSS.
fn run_case(case: &str, dir: &Path) {
    let start = Instant::now();
    let result = match case {
        "bomb-lying" | "bomb-trailing" => {
            kerust::datasets::fashion_mnist::load_data_from(dir.join(case)).map(|_| ())
        }
        "model-extended" => load_model(dir.join("extended.kerust")).map(|_| ()),
        "model-claiming" => load_model(dir.join("claiming.kerust")).map(|_| ()),
        "weights-extended" => small_model().load_weights(dir.join("weights.safetensors")),
        "dev-zero" => load_model("/dev/zero").map(|_| ()),
        "drip" => drip(&dir.join("cache")),
        _ => panic!("unknown case {case}"),
    };
    let secs = start.elapsed().as_secs_f64();
    assert!(result.is_err(), "{case}: a hostile input was accepted");
    println!("{secs:.3} {}", peak_rss_kb().unwrap_or(0));
}

/// Downloads Fashion-MNIST from a local server that sends a byte every
/// 50 ms, with a 1 s deadline.
fn drip(cache: &Path) -> kerust::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}/", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n");
                while stream.write_all(&[0]).is_ok() {
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
        }
    });
    let lookup = Lookup::new()
        .use_env(false)
        .use_system(false)
        .cache_dir(PathBuf::from(cache))
        .mirrors([base])
        .progress(false)
        .deadline(Duration::from_secs(1));
    let result = kerust::datasets::fashion_mnist::load_data_with(&lookup).map(|_| ());
    let left = std::fs::read_dir(cache).map_or(0, |d| d.count());
    assert_eq!(left, 0, "a partial download was left behind");
    result
}
