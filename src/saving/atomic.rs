//! Writing a file so that a crash at any moment leaves either the old
//! file or the new one, never a torn one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::utils::temp_file::TempFile;

/// Writes `bytes` to `path` atomically: into a temporary file in the same
/// folder (created if missing), flushed and synced to disk, then renamed
/// over `path`, and the folder synced so the rename itself is durable.
///
/// The temporary has an unpredictable name and is created only if no file
/// or symlink has that name, so nothing planted beside `path` is written
/// through. A file being replaced keeps its permissions. Temporaries left
/// by a process killed while saving to `path` are removed by the next save.
///
/// ```
/// let path = std::env::temp_dir().join("kerust-doc-atomic.txt");
/// kerust::saving::write_atomic(&path, b"all or nothing")?;
/// assert_eq!(std::fs::read(&path)?, b"all or nothing");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`] naming the file that could not be written; the temporary
/// file is removed and `path` is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let base = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    // The temporary is removed on every failure path (when it is dropped).
    let mut temp = TempFile::create(&dir, &base, "tmp", Some(path)).map_err(|e| Error::io(&dir, e))?;
    temp.file().write_all(bytes).map_err(|e| Error::io(path, e))?;
    temp.persist(path).map_err(|e| Error::io(path, e))
}
