//! Downloading a dataset file into the cache: streamed to a temporary file
//! beside the target, verified, then renamed into place, so the cache never
//! holds a partial or unverified file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::idx::{self, Idx};
use super::lookup::{DataFile, verify};
use crate::error::{Error, Result};
use crate::utils::progbar::{Progbar, Sink};

/// Refuse bodies larger than this: no dataset file served here comes near it.
const MAX_BYTES: u64 = 512 << 20;

pub(super) struct Options {
    pub timeout: Duration,
    pub progress: bool,
}

/// Downloads `url` (a gzip-compressed IDX file) into `cache` as
/// `<file.name>.gz` and returns its verified contents.
pub(super) fn fetch(url: &str, cache: &Path, file: &DataFile, options: &Options) -> Result<Idx> {
    std::fs::create_dir_all(cache).map_err(|e| Error::io(cache, e))?;
    let target = cache.join(format!("{}.gz", file.name));
    let temp = temp_path(cache, &file.name);
    let result = download_to(url, &temp, options)
        .and_then(|()| idx::read(&temp))
        .and_then(|idx| verify(file, idx, url))
        .and_then(|idx| {
            std::fs::rename(&temp, &target).map_err(|e| Error::io(&target, e))?;
            // Make the rename itself durable (best effort: not every system can sync a folder).
            if let Ok(dir) = File::open(cache) {
                let _ = dir.sync_all();
            }
            Ok(idx)
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// A fresh temporary name in `dir`, unique within and across processes.
fn temp_path(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.gz.{}-{n}.part", std::process::id()))
}

fn download_to(url: &str, temp: &Path, options: &Options) -> Result<()> {
    let fail = |reason: String| Error::Download {
        url: url.to_string(),
        reason,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(options.timeout))
        .timeout_per_read(Some(options.timeout))
        .timeout_send_request(Some(options.timeout))
        .timeout_recv_response(Some(options.timeout))
        .build()
        .into();
    if options.progress {
        eprintln!("Downloading data from {url}");
    }
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| fail(describe(&e, options.timeout)))?;
    let length = response.body().content_length();
    if let Some(len) = length.filter(|&l| l > MAX_BYTES) {
        return Err(fail(format!(
            "the server announced {len} bytes, more than the {MAX_BYTES} allowed"
        )));
    }
    let mut out = File::create(temp).map_err(|e| Error::io(temp, e))?;
    let mut reader = response.body_mut().as_reader();
    let mut bar = (options.progress).then(|| Progbar::new(length.unwrap_or(0), 1, Sink::Stderr));
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(fail(describe_io(&e, options.timeout))),
        };
        total += n as u64;
        if total > MAX_BYTES {
            return Err(fail(format!("more than the {MAX_BYTES} bytes allowed")));
        }
        out.write_all(&buf[..n]).map_err(|e| Error::io(temp, e))?;
        if let Some(bar) = &mut bar
            && length.is_some()
        {
            bar.update(total, &[]);
        }
    }
    if let Some(bar) = &mut bar {
        bar.finish(total, &[]);
    }
    if let Some(len) = length.filter(|&l| l != total) {
        return Err(fail(format!("expected {len} bytes, received {total}")));
    }
    out.sync_all().map_err(|e| Error::io(temp, e))
}

fn describe(e: &ureq::Error, timeout: Duration) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("no answer within the {:.1} s timeout", timeout.as_secs_f64()),
        ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}"),
        ureq::Error::Io(io) => describe_io(io, timeout),
        other => other.to_string(),
    }
}

fn describe_io(e: &std::io::Error, timeout: Duration) -> String {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            format!(
                "the transfer stalled for longer than the {:.1} s timeout",
                timeout.as_secs_f64()
            )
        }
        _ => e.to_string(),
    }
}
