//! The pictures, written to a temporary folder through the public API and
//! decoded again.
#![cfg(feature = "plot")]

use std::path::PathBuf;

use kerust::callbacks::{History, Logs};
use kerust::plot::{self, Title};
use ndarray::{Array1, Array3, array};

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kerust-plot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Width, height and RGB pixels of a PNG file.
fn decode(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn history(epochs: usize) -> History {
    let mut h = History::default();
    for e in 0..epochs {
        let mut logs = Logs::new();
        logs.insert("loss".into(), 1.0 / (e + 1) as f64);
        logs.insert("accuracy".into(), 0.5 + 0.05 * e as f64);
        h.record(e, &logs);
    }
    h
}

#[test]
fn the_three_pictures_are_written_and_decode() {
    let dir = folder("all");
    let images = Array3::from_shape_fn((10, 28, 28), |(i, y, x)| ((i + y * x) % 256) as u8);
    let names: Vec<&str> = kerust::datasets::fashion_mnist::CLASS_NAMES.to_vec();
    plot::image_grid(&images, &names, 10, dir.join("grid.png")).unwrap();
    let (w, h, pixels) = decode(&dir.join("grid.png"));
    assert!(w > 10 * 112 && h > 112, "{w}×{h}");
    // Dark ink on white: the margin is white, and image 0's pixel
    // (27, 27) = 729 % 256 = 217 is drawn as 255 − 217 = 38 somewhere.
    assert_eq!(&pixels[..3], &[255, 255, 255]);
    assert!(pixels.chunks(3).any(|p| p == [38, 38, 38]));

    plot::history(&history(5), dir.join("curves.png")).unwrap();
    assert_eq!(decode(&dir.join("curves.png")).0, 880, "two panels of 440");
    plot::history(&history(5), dir.join("curves.svg")).unwrap();
    let svg = std::fs::read_to_string(dir.join("curves.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">accuracy<"));

    let t = array![0u8, 1, 2, 2, 1];
    let p = Array1::from(vec![0usize, 2, 2, 2, 1]);
    plot::confusion_matrix(&t, &p, &["a", "b", "c"], dir.join("cm.png")).unwrap();
    assert!(decode(&dir.join("cm.png")).0 > 3 * 44);
    // Nothing but the pictures is left in the folder.
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["cm.png", "curves.png", "curves.svg", "grid.png"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() {
    let dir = folder("bad");
    std::fs::create_dir_all(&dir).unwrap();
    // A "folder" that is a file cannot hold a picture.
    let blocker = dir.join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let err = plot::history(&history(3), blocker.join("curves.png")).unwrap_err();
    assert!(err.to_string().contains("not-a-folder"), "{err}");

    let err = plot::history(&History::default(), dir.join("empty.png")).unwrap_err();
    assert!(err.to_string().contains("no epochs"), "{err}");
    let err = plot::history(&history(2), dir.join("curves.jpg")).unwrap_err();
    assert!(err.to_string().contains(".png or .svg"), "{err}");

    let mixed = vec![
        ndarray::Array2::<f32>::zeros((28, 28)),
        ndarray::Array2::<f32>::zeros((14, 14)),
    ];
    let err = plot::image_grid(
        &mixed,
        &[Title::from("a"), Title::from("b")],
        2,
        dir.join("g.png"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("image 1 of shape (14, 14)"), "{err}");

    let err = plot::confusion_matrix(&array![0u8, 9], &array![0u8, 1], &["a", "b"], dir.join("cm.png"))
        .unwrap_err();
    assert!(err.to_string().contains("2 class names"), "{err}");

    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "only the blocking file: {files:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
