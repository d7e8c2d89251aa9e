//! The IDX format of MNIST and Fashion-MNIST: a big-endian header, then the
//! elements in row-major order.
//!
//! ```text
//! offset 0  0x00 0x00       two zero bytes
//!        2  type code       0x08 = unsigned byte (the only type read here)
//!        3  dimensions      1 to 4
//!        4  sizes           one big-endian u32 per dimension
//!        …  data            product-of-sizes elements
//! ```
//!
//! Files may be plain or gzip-compressed (recognised by the gzip magic
//! bytes, whatever the file name). Everything in the header is checked — the
//! magic bytes, the type code, the dimension count, and that the payload is
//! exactly as long as the sizes say — before the payload is allocated, so a
//! damaged or hostile header cannot make the reader allocate more than the
//! file could possibly hold.
//!
//! A compressed file's size says little about what it inflates to (a
//! 1 MiB gzip can inflate to 1 GiB). When the caller knows the dimensions
//! the file must have ([`read_as`], [`parse_as`]; the dataset loaders
//! always do), a header claiming anything else is refused before a byte of
//! payload is read, so the reader never inflates more than the expected
//! file plus one byte. Without them ([`read`], [`parse`]), the payload
//! grows only as data actually arrives, up to deflate's largest ratio.
//! Data after the payload is counted through a bounded reader.
//!
//! ```
//! use kerust::datasets::idx;
//!
//! // A 2×3 unsigned-byte matrix.
//! let bytes = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];
//! let idx = idx::parse(&bytes[..], "example")?;
//! assert_eq!(idx.array.shape(), &[2, 3]);
//! assert_eq!(idx.array[[1, 2]], 6);
//! # Ok::<(), kerust::Error>(())
//! ```

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use ndarray::{ArrayD, IxDyn};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The type code of unsigned bytes, the element type of (Fashion-)MNIST.
///
/// ```
/// assert_eq!(kerust::datasets::idx::UNSIGNED_BYTE, 0x08);
/// ```
pub const UNSIGNED_BYTE: u8 = 0x08;

/// The largest number of dimensions accepted.
///
/// ```
/// assert_eq!(kerust::datasets::idx::MAX_DIMS, 4);
/// ```
pub const MAX_DIMS: usize = 4;

/// Deflate cannot expand data by more than about 1032:1, so a gzip file of
/// `n` bytes cannot decompress to more than this many times `n` (plus a
/// little for tiny files).
const MAX_GZIP_RATIO: u64 = 1032;

/// The contents of an IDX file.
///
/// ```
/// use kerust::datasets::idx;
/// // Magic 0x00000801 (unsigned bytes, one dimension), length 3, data.
/// let file = [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9];
/// let parsed = idx::parse(&file, "labels")?;
/// assert_eq!(parsed.array.as_slice(), Some(&[7u8, 8, 9][..]));
/// assert_eq!(parsed.sha256.len(), 64);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Idx {
    /// The elements, with the file's dimensions as shape.
    pub array: ArrayD<u8>,
    /// SHA-256 of the decompressed file (header and data), as lowercase hex.
    pub sha256: String,
}

/// Reads an IDX file, plain or gzip-compressed.
///
/// ```
/// let path = std::env::temp_dir().join("kerust-doc-idx");
/// std::fs::write(&path, [0u8, 0, 8, 1, 0, 0, 0, 2, 5, 6])?;
/// let labels = kerust::datasets::idx::read(&path)?;
/// assert_eq!(labels.array.shape(), &[2]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::InvalidData`] if it is
/// not a valid unsigned-byte IDX file (bad magic bytes, unsupported type
/// code or dimension count, data shorter or longer than the header says,
/// corrupt gzip stream).
pub fn read(path: &Path) -> Result<Idx> {
    read_inner(path, None)
}

/// Reads an IDX file that must have dimensions `shape`: a header that says
/// otherwise fails before any payload is read or inflated.
///
/// ```
/// let path = std::env::temp_dir().join("kerust-doc-idx-as");
/// std::fs::write(&path, [0u8, 0, 8, 1, 0, 0, 0, 2, 5, 6])?;
/// assert!(kerust::datasets::idx::read_as(&path, &[2]).is_ok());
/// let err = kerust::datasets::idx::read_as(&path, &[3]).unwrap_err();
/// assert!(err.to_string().contains("expected dimensions [3], found dimensions [2]"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`read`], and [`Error::InvalidData`] for other dimensions.
pub fn read_as(path: &Path, shape: &[usize]) -> Result<Idx> {
    read_inner(path, Some(shape))
}

fn read_inner(path: &Path, shape: Option<&[usize]>) -> Result<Idx> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let origin = path.display().to_string();
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut magic = [0u8; 2];
    let peeked = read_up_to(&mut reader, &mut magic).map_err(|e| Error::io(path, e))?;
    let head = std::io::Cursor::new(magic[..peeked].to_vec());
    if peeked == 2 && magic == [0x1f, 0x8b] {
        let bound = len.saturating_mul(MAX_GZIP_RATIO).saturating_add(1 << 16);
        parse_stream(GzDecoder::new(head.chain(reader)), &origin, bound, shape)
    } else {
        parse_stream(head.chain(reader), &origin, len, shape)
    }
}

/// Parses an IDX file held in memory (plain or gzip-compressed); `origin`
/// names it in error messages.
///
/// ```
/// use kerust::datasets::idx;
/// let err = idx::parse(&[0, 0, 8, 1, 0, 0, 0, 5, 1], "labels").unwrap_err();
/// assert!(err.to_string().contains("labels")); // 5 values promised, 1 found
/// ```
///
/// # Errors
/// As [`read`], without the I/O errors.
pub fn parse(bytes: &[u8], origin: &str) -> Result<Idx> {
    parse_inner(bytes, origin, None)
}

/// Parses an IDX file held in memory that must have dimensions `shape`
/// (see [`read_as`]).
///
/// ```
/// use kerust::datasets::idx;
/// let labels = [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9];
/// assert!(idx::parse_as(&labels, "labels", &[3]).is_ok());
/// assert!(idx::parse_as(&labels, "labels", &[60000]).is_err());
/// ```
///
/// # Errors
/// As [`read_as`], without the I/O errors.
pub fn parse_as(bytes: &[u8], origin: &str, shape: &[usize]) -> Result<Idx> {
    parse_inner(bytes, origin, Some(shape))
}

fn parse_inner(bytes: &[u8], origin: &str, shape: Option<&[usize]>) -> Result<Idx> {
    let len = bytes.len() as u64;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let bound = len.saturating_mul(MAX_GZIP_RATIO).saturating_add(1 << 16);
        parse_stream(GzDecoder::new(bytes), origin, bound, shape)
    } else {
        parse_stream(bytes, origin, len, shape)
    }
}

/// Parses a decompressed IDX stream of at most `bound` bytes, whose
/// dimensions must be `expected` when given.
fn parse_stream<R: Read>(mut reader: R, origin: &str, bound: u64, expected: Option<&[usize]>) -> Result<Idx> {
    let read_err = |e: std::io::Error| read_error(origin, e);
    let mut hasher = Sha256::new();

    let mut magic = [0u8; 4];
    let got = read_up_to(&mut reader, &mut magic).map_err(read_err)?;
    if got < 4 {
        return Err(Error::data(
            origin,
            "an IDX header of at least 4 bytes",
            format!("a file of {got} bytes"),
        ));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(Error::data(
            origin,
            "IDX magic bytes 00 00 (e.g. 0x00000801 for labels, 0x00000803 for images)",
            format!("magic number 0x{:08x}", u32::from_be_bytes(magic)),
        ));
    }
    if magic[2] != UNSIGNED_BYTE {
        return Err(Error::data(
            origin,
            "IDX type code 0x08 (unsigned byte)",
            format!("type code 0x{:02x} ({})", magic[2], type_name(magic[2])),
        ));
    }
    let ndim = usize::from(magic[3]);
    if !(1..=MAX_DIMS).contains(&ndim) {
        return Err(Error::data(
            origin,
            format!("1 to {MAX_DIMS} dimensions"),
            format!("{ndim} dimensions"),
        ));
    }
    hasher.update(magic);

    let mut dims_bytes = [0u8; 4 * MAX_DIMS];
    let dims_bytes = &mut dims_bytes[..4 * ndim];
    let got = read_up_to(&mut reader, dims_bytes).map_err(read_err)?;
    if got < dims_bytes.len() {
        return Err(Error::data(
            origin,
            format!("{} header bytes for {ndim} dimension sizes", dims_bytes.len()),
            format!("{got} bytes"),
        ));
    }
    hasher.update(&*dims_bytes);
    let shape: Vec<usize> = dims_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    if let Some(expected) = expected
        && shape != expected
    {
        return Err(Error::data(
            origin,
            format!("dimensions {expected:?}"),
            format!("dimensions {shape:?}"),
        ));
    }
    let header_len = 4 + 4 * ndim as u64;
    let payload = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .filter(|&p| p <= bound.saturating_sub(header_len))
        .ok_or_else(|| {
            Error::data(
                origin,
                format!(
                    "dimensions whose product fits in the file (at most {} data bytes)",
                    bound.saturating_sub(header_len)
                ),
                format!("dimensions {shape:?}"),
            )
        })?;

    // The header is plausible: now allocate exactly the payload and read it.
    let payload = usize::try_from(payload).map_err(|_| {
        Error::data(
            origin,
            "a payload that fits in memory",
            format!("{payload} bytes"),
        )
    })?;
    // With the dimensions known to be the expected ones, the payload is
    // honest and allocated at once; otherwise it grows as data arrives, so
    // a header that lies costs no more memory than the data behind it.
    let mut data = Vec::with_capacity(if expected.is_some() {
        payload
    } else {
        payload.min(1 << 20)
    });
    let got = (&mut reader)
        .take(payload as u64)
        .read_to_end(&mut data)
        .map_err(read_err)?;
    if got < payload {
        return Err(Error::data(
            origin,
            format!("{payload} data bytes for dimensions {shape:?}"),
            format!("{got} bytes (the file is truncated)"),
        ));
    }
    let trailing = count_trailing(&mut reader).map_err(read_err)?;
    if trailing > 0 {
        let count = if trailing > MAX_TRAILING_COUNT {
            format!("more than {MAX_TRAILING_COUNT}")
        } else {
            trailing.to_string()
        };
        return Err(Error::data(
            origin,
            format!("{payload} data bytes for dimensions {shape:?}"),
            format!("{count} trailing bytes after them"),
        ));
    }
    hasher.update(&data);
    let array = ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|e| {
        Error::data(
            origin,
            format!("{payload} data bytes for dimensions {shape:?}"),
            e.to_string(),
        )
    })?;
    Ok(Idx {
        array,
        sha256: hex(&hasher.finalize()),
    })
}

/// Trailing data is counted up to this many bytes (and reported as "more
/// than" beyond): a stream that inflates without end is not read further.
const MAX_TRAILING_COUNT: u64 = 1 << 20;

/// Counts the bytes left in `reader`, reading at most one more than
/// [`MAX_TRAILING_COUNT`]; a failed read is an error, not a short count.
fn count_trailing<R: Read>(reader: &mut R) -> std::io::Result<u64> {
    std::io::copy(&mut reader.take(MAX_TRAILING_COUNT + 1), &mut std::io::sink())
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A read failure: corrupt compressed data is reported as invalid data.
#[cold]
fn read_error(origin: &str, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::InvalidInput
        | std::io::ErrorKind::InvalidData
        | std::io::ErrorKind::UnexpectedEof => {
            Error::data(origin, "a valid gzip stream", format!("a corrupt one ({e})"))
        }
        _ => Error::io(origin, e),
    }
}

fn type_name(code: u8) -> &'static str {
    match code {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "short",
        0x0C => "int",
        0x0D => "float",
        0x0E => "double",
        _ => "unknown",
    }
}

/// Lowercase hexadecimal of a byte string.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    /// An IDX file of unsigned bytes with the given shape and data.
    pub(crate) fn idx_bytes(shape: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, UNSIGNED_BYTE, shape.len() as u8];
        for d in shape {
            out.extend(d.to_be_bytes());
        }
        out.extend(data);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn message(bytes: &[u8]) -> String {
        parse(bytes, "f").unwrap_err().to_string()
    }

    #[test]
    fn labels_and_images_plain_and_gzip() {
        let labels = idx_bytes(&[5], &[9, 0, 0, 3, 0]);
        let pixels: Vec<u8> = (0..2 * 3 * 4).collect();
        let images = idx_bytes(&[2, 3, 4], &pixels);
        for (bytes, shape) in [(labels, vec![5]), (images, vec![2, 3, 4])] {
            for form in [bytes.clone(), gzip(&bytes)] {
                let idx = parse(&form, "f").unwrap();
                assert_eq!(idx.array.shape(), &shape[..]);
                assert_eq!(
                    idx.array.iter().copied().collect::<Vec<_>>(),
                    bytes[4 + 4 * shape.len()..]
                );
                // The hash is of the decompressed file, whichever form was read.
                assert_eq!(idx.sha256, hex(&Sha256::digest(&bytes)));
            }
        }
    }

    #[test]
    fn files_on_disk_plain_and_gzip() {
        let dir = std::env::temp_dir().join(format!("kerust-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = idx_bytes(&[2, 2], &[1, 2, 3, 4]);
        let plain = dir.join("m-idx2-ubyte");
        let gz = dir.join("m-idx2-ubyte.gz");
        std::fs::write(&plain, &bytes).unwrap();
        std::fs::write(&gz, gzip(&bytes)).unwrap();
        assert_eq!(read(&plain).unwrap(), read(&gz).unwrap());
        let missing = read(&dir.join("nope")).unwrap_err();
        assert!(matches!(missing, Error::Io { .. }), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wrong_magic() {
        let mut bytes = idx_bytes(&[1], &[0]);
        bytes[0] = 0x50;
        assert_eq!(
            message(&bytes),
            "f: expected IDX magic bytes 00 00 (e.g. 0x00000801 for labels, 0x00000803 for images), \
             found magic number 0x50000801"
        );
    }

    #[test]
    fn unsupported_type_code() {
        let mut bytes = idx_bytes(&[1], &[0, 0, 0, 0]);
        bytes[2] = 0x0D;
        assert_eq!(
            message(&bytes),
            "f: expected IDX type code 0x08 (unsigned byte), found type code 0x0d (float)"
        );
    }

    #[test]
    fn unsupported_dimension_counts() {
        assert_eq!(
            message(&[0, 0, 8, 0]),
            "f: expected 1 to 4 dimensions, found 0 dimensions"
        );
        assert_eq!(
            message(&idx_bytes(&[1, 1, 1, 1, 1], &[0])),
            "f: expected 1 to 4 dimensions, found 5 dimensions"
        );
    }

    #[test]
    fn truncated_header_and_payload() {
        assert_eq!(
            message(&[0, 0]),
            "f: expected an IDX header of at least 4 bytes, found a file of 2 bytes"
        );
        assert_eq!(
            message(&[0, 0, 8, 2, 0, 0]),
            "f: expected 8 header bytes for 2 dimension sizes, found 2 bytes"
        );
        // The header promises 10 bytes; the plain file cannot hold them.
        let bytes = idx_bytes(&[10], &[1, 2, 3]);
        assert_eq!(
            message(&bytes),
            "f: expected dimensions whose product fits in the file (at most 3 data bytes), found dimensions [10]"
        );
        // Compressed, the size is only known by reading: the stream ends early.
        assert_eq!(
            message(&gzip(&bytes)),
            "f: expected 10 data bytes for dimensions [10], found 3 bytes (the file is truncated)"
        );
    }

    #[test]
    fn trailing_bytes() {
        let bytes = idx_bytes(&[2], &[1, 2, 3, 4, 5]);
        let expected = "f: expected 2 data bytes for dimensions [2], found 3 trailing bytes after them";
        assert_eq!(message(&bytes), expected);
        assert_eq!(message(&gzip(&bytes)), expected);
    }

    #[test]
    fn trailing_data_is_counted_through_a_bounded_reader() {
        // More than the counted bound: reported as such, not read to the end.
        let mut bytes = idx_bytes(&[2], &[1, 2]);
        bytes.resize(bytes.len() + (3 << 20), 7);
        assert_eq!(
            message(&gzip(&bytes)),
            "f: expected 2 data bytes for dimensions [2], found more than 1048576 trailing bytes after them"
        );
        // Trailing data in a stream whose checksum then fails: the failure is
        // reported, not a count of the bytes read before it.
        let mut gz = gzip(&idx_bytes(&[2], &[1, 2, 3, 4, 5, 6, 7, 8, 9]));
        let at = gz.len() - 8;
        gz[at] ^= 0xff;
        let msg = message(&gz);
        assert!(
            msg.starts_with("f: expected a valid gzip stream, found a corrupt one"),
            "{msg}"
        );
    }

    #[test]
    fn expected_dimensions_are_checked_before_the_payload() {
        let labels = idx_bytes(&[3], &[7, 8, 9]);
        assert!(parse_as(&labels, "f", &[3]).is_ok());
        // A gzip whose header claims a gigabyte but holds nothing: refused
        // from the header, nothing inflated.
        let bomb = gzip(&idx_bytes(&[1 << 30], &[]));
        assert_eq!(
            parse_as(&bomb, "f", &[60000]).unwrap_err().to_string(),
            "f: expected dimensions [60000], found dimensions [1073741824]"
        );
        assert_eq!(
            parse_as(&labels, "f", &[3, 1]).unwrap_err().to_string(),
            "f: expected dimensions [3, 1], found dimensions [3]"
        );
    }

    #[test]
    fn huge_claims_fail_before_allocating() {
        // 2^31 items claimed by a file of a few bytes: refused from the header
        // alone, plain or compressed (a gzip of 30 bytes cannot inflate to 2 GiB).
        let bytes = idx_bytes(&[1 << 31], &[1, 2, 3]);
        assert!(message(&bytes).contains("found dimensions [2147483648]"));
        assert!(message(&gzip(&bytes)).contains("found dimensions [2147483648]"));
        // Dimensions whose product overflows u64.
        let bytes = idx_bytes(&[u32::MAX, u32::MAX, u32::MAX], &[0]);
        assert!(message(&bytes).contains("found dimensions"));
    }

    #[test]
    fn corrupt_gzip_stream() {
        let gz = gzip(&idx_bytes(&[64], &[7; 64]));
        let corrupt = |edit: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = gz.clone();
            edit(&mut bytes);
            let msg = message(&bytes);
            assert!(
                msg.starts_with("f: expected a valid gzip stream, found a corrupt one"),
                "{msg}"
            );
        };
        // A deflate block of the reserved type 3, right after the 10-byte gzip header.
        corrupt(&|b| b[10] = 0xff);
        // A checksum that does not match the data.
        corrupt(&|b| {
            let at = b.len() - 8;
            b[at] ^= 0xff;
        });
        // A stream cut short.
        corrupt(&|b| b.truncate(b.len() - 6));
    }
}
