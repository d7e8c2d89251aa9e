//! Synthetic IDX datasets and a tiny HTTP server on 127.0.0.1 that serves
//! them, for the download and lookup tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use kerust::datasets::{DataFile, Dataset};
use sha2::{Digest, Sha256};

/// An IDX file of unsigned bytes.
pub fn idx_bytes(shape: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, shape.len() as u8];
    for d in shape {
        out.extend(d.to_be_bytes());
    }
    out.extend(data);
    out
}

/// The dimensions in an IDX file's header.
pub fn idx_shape(bytes: &[u8]) -> Vec<usize> {
    let ndim = usize::from(bytes[3]);
    (0..ndim)
        .map(|i| u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap()) as usize)
        .collect()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A four-file MNIST-style dataset of `n` 2×2 images per split, with its
/// decompressed file contents.
pub struct Synthetic {
    pub dataset: Dataset,
    pub files: Vec<(String, Vec<u8>)>,
}

pub fn synthetic(name: &str, env_var: Option<&str>) -> Synthetic {
    let (train, test) = (6u32, 3u32);
    let contents = vec![
        (
            "train-images-idx3-ubyte".to_string(),
            idx_bytes(&[train, 2, 2], &(0..train as u8 * 4).collect::<Vec<_>>()),
        ),
        (
            "train-labels-idx1-ubyte".to_string(),
            idx_bytes(&[train], &[9, 0, 0, 3, 0, 2]),
        ),
        (
            "t10k-images-idx3-ubyte".to_string(),
            idx_bytes(&[test, 2, 2], &[200; 12]),
        ),
        (
            "t10k-labels-idx1-ubyte".to_string(),
            idx_bytes(&[test], &[1, 2, 3]),
        ),
    ];
    let dataset = Dataset {
        name: name.into(),
        title: format!("Synthetic {name}"),
        files: contents
            .iter()
            .map(|(n, bytes)| DataFile {
                name: n.clone(),
                shape: idx_shape(bytes),
                sha256: sha256_hex(bytes),
            })
            .collect(),
        mirrors: vec![],
        env_var: env_var.map(Into::into),
        system_dir: None,
        install_hint: None,
    };
    Synthetic {
        dataset,
        files: contents,
    }
}

impl Synthetic {
    /// Writes the files (gzip-compressed) into `dir`.
    pub fn write_to(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for (name, bytes) in &self.files {
            std::fs::write(dir.join(format!("{name}.gz")), gzip(bytes)).unwrap();
        }
    }
}

/// What the server answers for a path.
#[derive(Clone)]
pub enum Reply {
    Body(Vec<u8>),
    /// Accept, read the request, then say nothing for this long.
    Hang(Duration),
    /// Announce the body, then send it one byte per interval.
    Drip(Vec<u8>, Duration),
}

/// A one-thread-per-connection HTTP/1.1 server on 127.0.0.1.
pub struct Server {
    pub base: String,
    pub requests: Arc<AtomicUsize>,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let (req, rt) = (requests.clone(), routes.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (req, rt) = (req.clone(), rt.clone());
                std::thread::spawn(move || serve(stream, &req, &rt));
            }
        });
        Server {
            base,
            requests,
            routes,
        }
    }

    pub fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_string(), reply);
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, requests: &AtomicUsize, routes: &Mutex<HashMap<String, Reply>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = routes.lock().unwrap().get(&path).cloned();
    match reply {
        Some(Reply::Body(body)) => {
            let header = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(&body);
        }
        Some(Reply::Hang(d)) => std::thread::sleep(d),
        Some(Reply::Drip(body, every)) => {
            let header = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(header.as_bytes());
            for b in body {
                std::thread::sleep(every);
                if stream.write_all(&[b]).is_err() {
                    return;
                }
            }
        }
        None => {
            let _ =
                stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
}

/// A fresh, empty temporary folder for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kerust-test-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names of the files in a folder, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}
