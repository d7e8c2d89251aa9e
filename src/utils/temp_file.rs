//! Temporary files for writes that must land whole or not at all (saved
//! models, downloads): created beside their target under an unpredictable
//! name, never through a symlink, locked while in use, removed on every
//! failure path, and cleaned up after a process that was killed.
//!
//! A temporary is named `.<base>.<16 hex digits>.<suffix>`, the digits
//! drawn at random, and created with `create_new` (`O_EXCL`): a file or a
//! symlink planted at that name makes the creation fail (and another name
//! is drawn) instead of writing through it. The creator holds an exclusive
//! lock on it (where the file system has locks) until it is renamed into
//! place or dropped, and dropping a
//! temporary that was not renamed removes it. A killed process cannot drop
//! its temporary, but its lock dies with it: each new temporary first
//! removes the unlocked temporaries of the same base and suffix — those
//! with content, or older than [`STALE_EMPTY`] (an empty one may belong to
//! a writer that has created but not yet locked it).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An empty, unlocked temporary younger than this may be a live writer's
/// between its creation and its lock, and is left alone.
pub(crate) const STALE_EMPTY: Duration = Duration::from_secs(2);

/// A temporary file, removed when dropped unless [`persist`](TempFile::persist)ed.
pub(crate) struct TempFile {
    path: PathBuf,
    file: File,
}

impl TempFile {
    /// Creates a fresh temporary in `dir` for a file named `base`, after
    /// removing stale ones of the same kind. If `like` is an existing
    /// regular file, the temporary takes its permissions before anything
    /// is written to it.
    pub(crate) fn create(dir: &Path, base: &str, suffix: &str, like: Option<&Path>) -> io::Result<TempFile> {
        remove_stale(dir, base, suffix);
        let mut attempts = 0;
        let (path, file) = loop {
            let path = dir.join(format!(".{base}.{:016x}.{suffix}", rand::random::<u64>()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => break (path, file),
                // A name taken (or planted): draw another.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 16 => attempts += 1,
                Err(e) => return Err(e),
            }
        };
        let temp = TempFile { path, file };
        // Best effort: a file system without locks cannot tell a cleaner
        // that this writer is alive, but there the cleaner cannot lock
        // anything either, and leaves every temporary alone.
        let _ = temp.file.lock();
        if let Some(meta) = like
            .and_then(|p| std::fs::symlink_metadata(p).ok())
            .filter(|m| m.is_file())
        {
            temp.file.set_permissions(meta.permissions())?;
        }
        Ok(temp)
    }

    /// Where the temporary is.
    #[cfg_attr(not(feature = "download"), allow(dead_code))]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, to write to.
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Syncs the data and renames the temporary over `target`, then syncs
    /// the folder (best effort) so that the rename is durable too.
    pub(crate) fn persist(mut self, target: &Path) -> io::Result<()> {
        self.file.sync_all()?;
        // Renamed while still open and locked, so no cleaner can take it;
        // then nothing is left to remove on drop.
        std::fs::rename(&self.path, target)?;
        let temp = std::mem::take(&mut self.path);
        // The folder the temporary was in is the target's.
        if let Some(dir) = temp.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Not persisted: remove it (the handle closes after this).
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether `name` is a temporary of `base` and `suffix` as
/// [`TempFile::create`] names them.
fn is_temp_name(name: &str, base: &str, suffix: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_prefix(base))
        .and_then(|n| n.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(suffix))
        .and_then(|n| n.strip_suffix('.'))
        .is_some_and(|digits| digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Removes the temporaries of `base` and `suffix` in `dir` that no live
/// writer holds (best effort: a failure here never fails the write).
fn remove_stale(dir: &Path, base: &str, suffix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(|n| is_temp_name(n, base, suffix)) {
            continue;
        }
        let path = entry.path();
        // Only regular files, never through a symlink.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let young = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_none_or(|age| age < STALE_EMPTY);
        if meta.len() == 0 && young {
            continue;
        }
        let Ok(file) = OpenOptions::new().write(true).open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            // Nobody holds it: its writer is gone.
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("kerust-temp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(d: &Path) -> Vec<String> {
        let mut n: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn names_are_recognised_exactly() {
        assert!(is_temp_name(".m.kerust.0123456789abcdef.tmp", "m.kerust", "tmp"));
        assert!(!is_temp_name(".m.kerust.0123456789abcdef.tmp", "m", "tmp"));
        assert!(!is_temp_name(".m.kerust.0123.tmp", "m.kerust", "tmp"));
        assert!(!is_temp_name("m.kerust.0123456789abcdef.tmp", "m.kerust", "tmp"));
        assert!(!is_temp_name(".m.kerust.0123456789abcdeg.tmp", "m.kerust", "tmp"));
    }

    #[test]
    fn a_dropped_temporary_is_removed_and_a_persisted_one_renamed() {
        let d = dir("drop");
        let t = TempFile::create(&d, "a", "tmp", None).unwrap();
        assert_eq!(names(&d).len(), 1);
        drop(t);
        assert!(names(&d).is_empty());
        let mut t = TempFile::create(&d, "a", "tmp", None).unwrap();
        std::io::Write::write_all(t.file(), b"x").unwrap();
        t.persist(&d.join("a")).unwrap();
        assert_eq!(names(&d), ["a"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn stale_temporaries_go_live_ones_stay() {
        let d = dir("stale");
        // A killed writer's temporary: content, no lock.
        std::fs::write(d.join(".a.00000000000000aa.tmp"), b"half").unwrap();
        // Another kind, and a name that only looks similar: kept.
        std::fs::write(d.join(".b.00000000000000aa.tmp"), b"half").unwrap();
        std::fs::write(d.join(".a.xyz.tmp"), b"half").unwrap();
        // A live writer's temporary, locked.
        let mut live = TempFile::create(&d, "a", "tmp", None).unwrap();
        std::io::Write::write_all(live.file(), b"data").unwrap();
        let live_name = live.path().file_name().unwrap().to_string_lossy().into_owned();
        let other = TempFile::create(&d, "a", "tmp", None).unwrap();
        let left = names(&d);
        assert!(!left.contains(&".a.00000000000000aa.tmp".to_string()), "{left:?}");
        assert!(left.contains(&live_name), "{left:?}");
        assert!(left.contains(&".b.00000000000000aa.tmp".to_string()));
        assert!(left.contains(&".a.xyz.tmp".to_string()));
        drop((live, other));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn permissions_of_the_replaced_file_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("mode");
        let target = d.join("secret");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut t = TempFile::create(&d, "secret", "tmp", Some(&target)).unwrap();
        std::io::Write::write_all(t.file(), b"new").unwrap();
        t.persist(&target).unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
