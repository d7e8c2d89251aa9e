//! The download path against an HTTP server started on 127.0.0.1.
#![cfg(feature = "download")]

mod common;

use std::time::{Duration, Instant};

use common::idx_server::*;
use kerust::Error;
use kerust::datasets::Lookup;

/// A search that only downloads, from `server`, into `cache`.
fn downloading(server: &Server, cache: &std::path::Path) -> Lookup {
    Lookup::new()
        .use_env(false)
        .use_system(false)
        .download(true)
        .progress(false)
        .cache_dir(cache)
        .mirrors([server.base.clone()])
        .timeout(Duration::from_secs(5))
}

fn serve_all(server: &Server, synthetic: &Synthetic) {
    for (name, bytes) in &synthetic.files {
        server.route(&format!("/{name}.gz"), Reply::Body(gzip(bytes)));
    }
}

#[test]
fn a_good_download_lands_in_the_cache_and_a_second_load_needs_no_request() {
    let server = Server::start();
    let data = synthetic("dl-good", None);
    serve_all(&server, &data);
    let cache = temp_dir("dl-good");

    let files = data.dataset.load(&downloading(&server, &cache)).unwrap();
    assert_eq!(server.requests(), 4);
    assert_eq!(files[0].array.shape(), &[6, 2, 2]);
    assert_eq!(
        files[1].array.iter().copied().collect::<Vec<_>>(),
        vec![9, 0, 0, 3, 0, 2]
    );
    assert_eq!(
        listing(&cache),
        vec![
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz"
        ]
    );

    let again = data.dataset.load(&downloading(&server, &cache)).unwrap();
    assert_eq!(server.requests(), 4, "the second load must come from the cache");
    assert_eq!(again, files);
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_payload_with_the_wrong_hash_is_rejected_and_leaves_nothing() {
    let server = Server::start();
    let data = synthetic("dl-hash", None);
    serve_all(&server, &data);
    // Same shape, one label changed: a valid IDX file, but not the published one.
    server.route(
        "/train-labels-idx1-ubyte.gz",
        Reply::Body(gzip(&idx_bytes(&[6], &[9, 0, 0, 3, 0, 3]))),
    );
    let cache = temp_dir("dl-hash");

    let err = data.dataset.load(&downloading(&server, &cache)).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::DatasetUnavailable { .. }), "{message}");
    assert!(message.contains("train-labels-idx1-ubyte"), "{message}");
    assert!(message.contains("found a file with SHA-256"), "{message}");
    // The good train-images file may stay; the bad labels left no trace, not even a temporary file.
    assert_eq!(listing(&cache), vec!["train-images-idx3-ubyte.gz"]);
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_server_that_hangs_hits_the_timeout() {
    let server = Server::start();
    let data = synthetic("dl-hang", None);
    server.route(
        "/train-images-idx3-ubyte.gz",
        Reply::Hang(Duration::from_secs(30)),
    );
    let cache = temp_dir("dl-hang");

    let start = Instant::now();
    let lookup = downloading(&server, &cache).timeout(Duration::from_millis(500));
    let err = data.dataset.load(&lookup).unwrap_err().to_string();
    let waited = start.elapsed();
    assert!(waited < Duration::from_secs(10), "gave up after {waited:?}");
    assert!(err.contains("timeout"), "{err}");
    assert!(listing(&cache).is_empty(), "{:?}", listing(&cache));
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn mirrors_are_tried_in_order() {
    let empty = Server::start(); // answers 404 to everything
    let good = Server::start();
    let data = synthetic("dl-mirrors", None);
    serve_all(&good, &data);
    let cache = temp_dir("dl-mirrors");
    let lookup = downloading(&good, &cache).mirrors([empty.base.clone(), good.base.clone()]);
    let files = data.dataset.load(&lookup).unwrap();
    assert_eq!(files.len(), 4);
    assert_eq!((empty.requests(), good.requests()), (4, 4));
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_damaged_cache_file_is_replaced_by_a_download() {
    let server = Server::start();
    let data = synthetic("dl-repair", None);
    serve_all(&server, &data);
    let cache = temp_dir("dl-repair");
    data.write_to(&cache);
    std::fs::write(cache.join("t10k-labels-idx1-ubyte.gz"), b"not a gzip file").unwrap();

    let files = data.dataset.load(&downloading(&server, &cache)).unwrap();
    assert_eq!(server.requests(), 1, "only the damaged file is fetched");
    assert_eq!(files[3].array.iter().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_server_that_drips_a_byte_a_second_is_abandoned_at_the_deadline() {
    let server = Server::start();
    let data = synthetic("dl-drip", None);
    serve_all(&server, &data);
    let body = gzip(&data.files[0].1);
    server.route(
        "/train-images-idx3-ubyte.gz",
        Reply::Drip(body, Duration::from_millis(200)),
    );
    let cache = temp_dir("dl-drip");
    // Each byte arrives well within the per-read timeout; only the
    // deadline on the whole download can end it.
    let lookup = downloading(&server, &cache)
        .timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(1));
    let start = Instant::now();
    let err = data.dataset.load(&lookup).unwrap_err().to_string();
    let waited = start.elapsed();
    assert!(err.contains("not finished within the 1.0 s deadline"), "{err}");
    assert!(waited < Duration::from_secs(4), "gave up after {waited:?}");
    // No partial file is left behind.
    assert!(listing(&cache).is_empty(), "{:?}", listing(&cache));
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_gzip_bomb_or_an_oversized_body_is_refused_without_inflating_it() {
    let server = Server::start();
    let data = synthetic("dl-bomb", None);
    serve_all(&server, &data);
    // The labels file (6 labels) served as a header claiming 64 MiB of
    // labels, followed by them: a 65 kB gzip that inflates 1000-fold,
    // far longer than the published file could be compressed to.
    let mut bomb = idx_bytes(&[64 << 20], &[]);
    bomb.resize(bomb.len() + (64 << 20), 0);
    server.route("/train-labels-idx1-ubyte.gz", Reply::Body(gzip(&bomb)));
    let cache = temp_dir("dl-bomb");
    let err = data
        .dataset
        .load(&downloading(&server, &cache))
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than the 1043 the file can be"), "{err}");
    assert_eq!(listing(&cache), vec!["train-images-idx3-ubyte.gz"]);
    // A small bomb that fits the size: refused by its header's dimensions
    // before anything is inflated.
    let small = gzip(&idx_bytes(&[1 << 30], &[]));
    assert!(small.len() < 1043);
    server.route("/train-labels-idx1-ubyte.gz", Reply::Body(small));
    let err = data
        .dataset
        .load(&downloading(&server, &cache))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected dimensions [6], found dimensions [1073741824]"),
        "{err}"
    );
    assert_eq!(listing(&cache), vec!["train-images-idx3-ubyte.gz"]);
    std::fs::remove_dir_all(&cache).unwrap();
}
