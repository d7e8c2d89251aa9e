//! Finding a dataset's files: the search order, verification, and the
//! error that lists everything tried.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::data_file::{DataFile, verify};
use super::idx::{self, Idx};
use crate::error::{Error, Result};

/// The default overall deadline of one file's download, in seconds (ten
/// minutes: the largest Fashion-MNIST file, 26 MB, at 45 kB/s).
///
/// ```
/// assert_eq!(kerust::datasets::DEFAULT_DEADLINE_SECS, 600);
/// ```
pub const DEFAULT_DEADLINE_SECS: u64 = 600;

/// A published dataset made of IDX files, and where it can be found.
///
/// ```
/// let dataset = kerust::datasets::fashion_mnist::dataset();
/// assert_eq!(dataset.name, "fashion-mnist");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// Folder name in the cache, e.g. `fashion-mnist`.
    pub name: String,
    /// Name for people, e.g. `Fashion-MNIST`.
    pub title: String,
    /// The files, in the order they are returned.
    pub files: Vec<DataFile>,
    /// Base URLs the files can be downloaded from (each ending in `/`; the
    /// compressed name `<file>.gz` is appended), tried in order.
    pub mirrors: Vec<String>,
    /// An environment variable that may name a folder holding the files.
    pub env_var: Option<String>,
    /// A system-wide folder (e.g. installed by a distribution package).
    pub system_dir: Option<PathBuf>,
    /// How to install the system copy, for error messages.
    pub install_hint: Option<String>,
}

/// Where and how [`Dataset::load`] looks for files. The default searches
/// the environment variable, the user cache, the system copy, then
/// downloads into the cache.
///
/// ```no_run
/// use kerust::datasets::{Lookup, fashion_mnist};
/// // The cache in /tmp, never the network, and not the system copy.
/// let lookup = Lookup::new().cache_dir("/tmp/kerust").use_system(false).download(false);
/// let data = fashion_mnist::load_data_with(&lookup)?;
/// # let _ = data;
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Lookup {
    dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    mirrors: Option<Vec<String>>,
    use_env: bool,
    use_system: bool,
    download: bool,
    timeout: Duration,
    deadline: Duration,
    progress: bool,
}

impl Default for Lookup {
    fn default() -> Self {
        let seconds = |var: &str, default: u64| {
            std::env::var(var)
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s.trim().parse::<f64>().ok()?).ok())
                .filter(|d| !d.is_zero())
                .unwrap_or(Duration::from_secs(default))
        };
        let timeout = seconds("KERUST_DOWNLOAD_TIMEOUT", 30);
        let deadline = seconds("KERUST_DOWNLOAD_DEADLINE", DEFAULT_DEADLINE_SECS);
        Lookup {
            dir: None,
            cache_dir: None,
            mirrors: None,
            use_env: true,
            use_system: true,
            download: cfg!(feature = "download"),
            timeout,
            deadline,
            progress: true,
        }
    }
}

impl Lookup {
    /// The default search (see the [module docs](crate::datasets)).
    ///
    /// ```
    /// let lookup = kerust::datasets::Lookup::new(); // env var, cache, system copy, download
    /// # let _ = lookup;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads only `dir`: no variable, cache, system copy or download.
    ///
    /// ```no_run
    /// use kerust::datasets::{Lookup, fashion_mnist};
    /// let data = fashion_mnist::load_data_with(&Lookup::only_dir("./fashion"))?;
    /// # let _ = data;
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn only_dir(dir: impl Into<PathBuf>) -> Self {
        Lookup {
            dir: Some(dir.into()),
            use_env: false,
            use_system: false,
            download: false,
            ..Self::default()
        }
    }

    /// Uses `dir` as the cache (instead of `~/.kerust/datasets/<name>`).
    ///
    /// ```
    /// let lookup = kerust::datasets::Lookup::new().cache_dir("/tmp/kerust-cache");
    /// # let _ = lookup;
    /// ```
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Downloads from these base URLs instead of the dataset's mirrors.
    ///
    /// ```
    /// let lookup = kerust::datasets::Lookup::new().mirrors(["http://127.0.0.1:8000/"]);
    /// # let _ = lookup;
    /// ```
    pub fn mirrors<S: Into<String>>(mut self, mirrors: impl IntoIterator<Item = S>) -> Self {
        self.mirrors = Some(mirrors.into_iter().map(Into::into).collect());
        self
    }

    /// Whether to look in the folder named by the dataset's environment variable.
    ///
    /// ```
    /// let lookup = kerust::datasets::Lookup::new().use_env(false); // ignore the environment variable
    /// # let _ = lookup;
    /// ```
    pub fn use_env(mut self, on: bool) -> Self {
        self.use_env = on;
        self
    }

    /// Whether to look in the system copy.
    ///
    /// ```
    /// let lookup = kerust::datasets::Lookup::new().use_system(false); // ignore /usr/share/datasets
    /// # let _ = lookup;
    /// ```
    pub fn use_system(mut self, on: bool) -> Self {
        self.use_system = on;
        self
    }

    /// Whether to download missing files (needs the `download` feature).
    ///
    /// ```
    /// let offline = kerust::datasets::Lookup::new().download(false);
    /// # let _ = offline;
    /// ```
    pub fn download(mut self, on: bool) -> Self {
        self.download = on;
        self
    }

    /// Gives up on a connection or a read that stalls this long (default
    /// 30 s, or `$KERUST_DOWNLOAD_TIMEOUT` seconds).
    ///
    /// ```
    /// let lookup = kerust::datasets::Lookup::new().timeout(std::time::Duration::from_secs(5));
    /// # let _ = lookup;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Gives up on a download that has not finished after this long, however
    /// steadily data arrives (default 600 s per file, or
    /// `$KERUST_DOWNLOAD_DEADLINE` seconds). A server that sends a byte a
    /// second never trips the per-read [`timeout`](Lookup::timeout); this
    /// ends it, and the partial file is removed.
    ///
    /// ```
    /// let lookup = kerust::datasets::Lookup::new().deadline(std::time::Duration::from_secs(120));
    /// # let _ = lookup;
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Whether to draw a progress bar on standard error while downloading.
    ///
    /// ```
    /// let quiet = kerust::datasets::Lookup::new().progress(false);
    /// # let _ = quiet;
    /// ```
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }
}

/// The cache folder of a dataset: `$KERUST_HOME/datasets/<name>`, else
/// `~/.kerust/datasets/<name>`, else (no home) in the temporary folder.
///
/// ```
/// let dir = kerust::datasets::default_cache_dir("fashion-mnist");
/// assert!(dir.ends_with("datasets/fashion-mnist"));
/// ```
pub fn default_cache_dir(name: &str) -> PathBuf {
    let root = std::env::var_os("KERUST_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".kerust"))
        })
        .unwrap_or_else(|| std::env::temp_dir().join(".kerust"));
    root.join("datasets").join(name)
}

/// A place a file may be found in, with a description for messages.
struct Place {
    what: String,
    dir: PathBuf,
    is_cache: bool,
}

impl Dataset {
    /// Loads every file of the dataset, each from the first place that has
    /// a valid copy, in the order of [`files`](Dataset::files).
    ///
    /// ```no_run
    /// use kerust::datasets::{Lookup, fashion_mnist};
    /// let files = fashion_mnist::dataset().load(&Lookup::new())?; // four verified IDX files
    /// assert_eq!(files.len(), 4);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::DatasetUnavailable`] listing every place tried when a file
    /// cannot be had.
    pub fn load(&self, lookup: &Lookup) -> Result<Vec<Idx>> {
        let cache = lookup
            .cache_dir
            .clone()
            .unwrap_or_else(|| default_cache_dir(&self.name));
        let mut places = Vec::new();
        if let Some(dir) = &lookup.dir {
            places.push(Place {
                what: "the folder given to load_data_from".into(),
                dir: dir.clone(),
                is_cache: false,
            });
        }
        if lookup.use_env
            && let Some(var) = &self.env_var
            && let Some(dir) = std::env::var_os(var).filter(|v| !v.is_empty())
        {
            places.push(Place {
                what: format!("${var}"),
                dir: dir.into(),
                is_cache: false,
            });
        }
        if lookup.dir.is_none() {
            places.push(Place {
                what: "the user cache".into(),
                dir: cache.clone(),
                is_cache: true,
            });
        }
        if lookup.use_system
            && let Some(dir) = &self.system_dir
        {
            places.push(Place {
                what: "the system copy".into(),
                dir: dir.clone(),
                is_cache: false,
            });
        }
        self.files
            .iter()
            .map(|file| self.load_file(file, &places, &cache, lookup))
            .collect()
    }

    fn load_file(&self, file: &DataFile, places: &[Place], cache: &Path, lookup: &Lookup) -> Result<Idx> {
        let mut tried = Vec::new();
        for place in places {
            match self.read_from(file, &place.dir) {
                Ok(Some(idx)) => return Ok(idx),
                Ok(None) => tried.push(format!(
                    "{} {}: no {}.gz or {}",
                    place.what,
                    place.dir.display(),
                    file.name,
                    file.name
                )),
                Err((path, err)) => {
                    tried.push(format!("{} {}: {err}", place.what, place.dir.display()));
                    if place.is_cache {
                        // Our own copy is damaged: drop it so a download can replace it.
                        let _ = std::fs::remove_file(&path);
                    }
                }
            }
        }
        if lookup.download {
            let mirrors = lookup.mirrors.as_ref().unwrap_or(&self.mirrors);
            match self.download(file, mirrors, cache, lookup, &mut tried) {
                Some(idx) => return Ok(idx),
                None if mirrors.is_empty() => tried.push("download: no mirrors configured".into()),
                None => {}
            }
        } else if lookup.dir.is_none() && !cfg!(feature = "download") {
            tried.push("download: kerust was built without the `download` feature".into());
        }
        Err(Error::DatasetUnavailable {
            dataset: self.title.clone(),
            file: file.name.clone(),
            tried,
            help: self.help(lookup),
        })
    }

    /// Reads `file` from `dir` (compressed or not) and verifies it.
    /// `Ok(None)` when the folder has no such file.
    fn read_from(&self, file: &DataFile, dir: &Path) -> std::result::Result<Option<Idx>, (PathBuf, Error)> {
        for candidate in [dir.join(format!("{}.gz", file.name)), dir.join(&file.name)] {
            if !candidate.is_file() {
                continue;
            }
            return idx::read_as(&candidate, &file.shape)
                .and_then(|idx| verify(file, idx, &candidate.display().to_string()))
                .map(Some)
                .map_err(|e| (candidate, e));
        }
        Ok(None)
    }

    #[cfg(feature = "download")]
    fn download(
        &self,
        file: &DataFile,
        mirrors: &[String],
        cache: &Path,
        lookup: &Lookup,
        tried: &mut Vec<String>,
    ) -> Option<Idx> {
        for mirror in mirrors {
            let url = format!("{mirror}{}.gz", file.name);
            let options = super::download::Options {
                timeout: lookup.timeout,
                deadline: lookup.deadline,
                progress: lookup.progress,
            };
            match super::download::fetch(&url, cache, file, &options) {
                Ok(idx) => return Some(idx),
                Err(e) => tried.push(format!("download: {e}")),
            }
        }
        None
    }

    #[cfg(not(feature = "download"))]
    fn download(
        &self,
        _: &DataFile,
        _: &[String],
        _: &Path,
        _: &Lookup,
        tried: &mut Vec<String>,
    ) -> Option<Idx> {
        tried.push("download: kerust was built without the `download` feature".into());
        None
    }

    fn help(&self, lookup: &Lookup) -> String {
        let mut ways = Vec::new();
        if let Some(hint) = &self.install_hint {
            ways.push(hint.clone());
        }
        let files = self
            .files
            .iter()
            .map(|f| format!("{}.gz", f.name))
            .collect::<Vec<_>>()
            .join(", ");
        match (&lookup.dir, &self.env_var) {
            (Some(dir), _) => ways.push(format!("put {files} in {}", dir.display())),
            (None, Some(var)) => ways.push(format!("put {files} in a folder and set {var} to it")),
            (None, None) => {}
        }
        if lookup.dir.is_none() {
            ways.push(format!(
                "or place them in {}",
                lookup
                    .cache_dir
                    .clone()
                    .unwrap_or_else(|| default_cache_dir(&self.name))
                    .display()
            ));
        }
        format!("To fix: {}.", ways.join("; "))
    }
}
