//! Reading a saved file without trusting it: the header first, then only
//! as many bytes as the header says (and the file's own length, where it
//! has one, must agree before the payload is read).
//!
//! A file can be a regular file of any size, a device that never ends
//! (`/dev/zero`), a pipe, or a sparse file of gigabytes with a valid
//! header: none of them makes a loader read more than its header claims,
//! up to the loader's documented cap.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// An opened file, read front to back.
pub(crate) struct Source<R> {
    reader: R,
    /// The file's length, when it is a regular file.
    len: Option<u64>,
    /// Bytes read so far.
    pos: u64,
    /// Names the file in errors.
    pub(crate) origin: String,
}

impl Source<BufReader<File>> {
    /// Opens `path` (without reading it).
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        Ok(Source {
            reader: BufReader::with_capacity(1 << 16, file),
            len: meta.is_file().then_some(meta.len()),
            pos: 0,
            origin: path.display().to_string(),
        })
    }
}

impl<'a> Source<&'a [u8]> {
    /// Bytes already in memory.
    pub(crate) fn bytes(bytes: &'a [u8], origin: &str) -> Self {
        Source {
            reader: bytes,
            len: Some(bytes.len() as u64),
            pos: 0,
            origin: origin.to_string(),
        }
    }
}

impl<R: Read> Source<R> {
    /// Reads exactly `n` bytes (`n` is bounded by the caller's cap),
    /// or fails naming `what` and how many bytes there were.
    pub(crate) fn read_exact(&mut self, n: usize, what: &str) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_exact_onto(&mut buf, n, what)?;
        Ok(buf)
    }

    /// As [`read_exact`](Source::read_exact), appending to `buf`.
    pub(crate) fn read_exact_onto(&mut self, buf: &mut Vec<u8>, n: usize, what: &str) -> Result<()> {
        let got = (&mut self.reader)
            .take(n as u64)
            .read_to_end(buf)
            .map_err(|e| Error::io(&self.origin, e))?;
        self.pos += got as u64;
        if got < n {
            return Err(Error::data(
                &self.origin,
                format!("{what} of {n} bytes"),
                format!("{got} bytes (the file is truncated)"),
            ));
        }
        Ok(())
    }

    /// Checks, before anything more is read, that the file holds exactly
    /// `rest` more bytes when its length is known (a regular file).
    pub(crate) fn expect_remaining(&self, rest: u64, what: &str) -> Result<()> {
        let Some(len) = self.len else {
            return Ok(());
        };
        let actual = len.saturating_sub(self.pos);
        if actual != rest {
            return Err(Error::data(
                &self.origin,
                format!("{what} of {rest} bytes, as the header says"),
                format!("{actual} bytes (the file is truncated or has trailing data)"),
            ));
        }
        Ok(())
    }

    /// Fails if anything follows what was read (checked by reading one
    /// byte: an endless stream is not read further).
    pub(crate) fn expect_end(&mut self, what: &str) -> Result<()> {
        let mut one = [0u8; 1];
        let extra = loop {
            match self.reader.read(&mut one) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(&self.origin, e)),
            }
        };
        if extra > 0 {
            return Err(Error::data(
                &self.origin,
                format!("nothing after {what}"),
                "trailing data",
            ));
        }
        Ok(())
    }

    /// The reader, for a decoder that reads at most `n` more bytes.
    pub(crate) fn take(&mut self, n: u64) -> std::io::Take<&mut R> {
        self.pos += n;
        (&mut self.reader).take(n)
    }
}
