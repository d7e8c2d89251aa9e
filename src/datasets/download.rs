//! Downloading a dataset file into the cache: streamed to a temporary file
//! beside the target, verified, then renamed into place, so the cache never
//! holds a partial or unverified file. The temporary is removed on every
//! failure path; the body may not be longer than the file could honestly
//! be compressed to; and the whole download has a deadline, so a server
//! that drips a byte a second is abandoned too.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::data_file::{DataFile, verify};
use super::idx::{self, Idx};
use crate::error::{Error, Result};
use crate::utils::progbar::{Progbar, Sink};
use crate::utils::temp_file::TempFile;

/// Options of one download.
pub(super) struct Options {
    /// Gives up on a connection or a read that stalls this long.
    pub timeout: Duration,
    /// Gives up on the whole download after this long, however it goes.
    pub deadline: Duration,
    pub progress: bool,
}

/// The most a gzip file of `file` can honestly be: deflate never grows
/// data by more than 5 bytes per 16 KiB block, plus the gzip header,
/// trailer and a file name.
fn max_compressed(file: &DataFile) -> u64 {
    let len = file.decompressed_len();
    len.saturating_add(len / 16_384 * 5 + 5).saturating_add(1 << 10)
}

/// Downloads `url` (a gzip-compressed IDX file) into `cache` as
/// `<file.name>.gz` and returns its verified contents.
pub(super) fn fetch(url: &str, cache: &Path, file: &DataFile, options: &Options) -> Result<Idx> {
    std::fs::create_dir_all(cache).map_err(|e| Error::io(cache, e))?;
    let target = cache.join(format!("{}.gz", file.name));
    // Removed on every failure path (when dropped), renamed on success.
    let mut temp = TempFile::create(cache, &format!("{}.gz", file.name), "part", None)
        .map_err(|e| Error::io(cache, e))?;
    download_to(url, &mut temp, max_compressed(file), options)?;
    let idx = idx::read_as(temp.path(), &file.shape)?;
    let idx = verify(file, idx, url)?;
    temp.persist(&target).map_err(|e| Error::io(&target, e))?;
    Ok(idx)
}

fn download_to(url: &str, temp: &mut TempFile, max_bytes: u64, options: &Options) -> Result<()> {
    let started = Instant::now();
    let fail = |reason: String| Error::Download {
        url: url.to_string(),
        reason,
    };
    let late = || {
        fail(format!(
            "not finished within the {:.1} s deadline",
            options.deadline.as_secs_f64()
        ))
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.deadline))
        .timeout_connect(Some(options.timeout))
        .timeout_per_read(Some(options.timeout))
        .timeout_send_request(Some(options.timeout))
        .timeout_recv_response(Some(options.timeout))
        .build()
        .into();
    if options.progress {
        eprintln!("Downloading data from {url}");
    }
    let mut response = agent.get(url).call().map_err(|e| {
        if started.elapsed() >= options.deadline {
            late()
        } else {
            fail(describe(&e, options.timeout))
        }
    })?;
    let length = response.body().content_length();
    if let Some(len) = length.filter(|&l| l > max_bytes) {
        return Err(fail(format!(
            "the server announced {len} bytes, more than the {max_bytes} the file can be"
        )));
    }
    let path = temp.path().to_path_buf();
    let out = temp.file();
    // Unlimited by ureq; the loop below stops past `max_bytes`.
    let mut reader = response.body_mut().as_reader();
    let mut bar = (options.progress).then(|| Progbar::new(length.unwrap_or(0), 1, Sink::Stderr));
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        if started.elapsed() >= options.deadline {
            return Err(late());
        }
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) if started.elapsed() >= options.deadline => return Err(late()),
            Err(e) => return Err(fail(describe_io(&e, options.timeout))),
        };
        total += n as u64;
        if total > max_bytes {
            return Err(fail(format!("more than the {max_bytes} bytes the file can be")));
        }
        out.write_all(&buf[..n]).map_err(|e| Error::io(&path, e))?;
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
    Ok(())
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
