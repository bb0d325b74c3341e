//! The extraction child at its limits, with the real binary: it dies with a killed daemon (no
//! orphan runs on beside the next start), a ZIP member that inflates to a gigabyte is refused
//! with a sentence before the memory limit, a resource stop is named whatever the allocator
//! said, and OCR's CPU budget grows with the pages it reads (the reason naming the page a
//! limit stopped).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::daemon::*;
use support::*;

/// A PDF of `pages` scanned pages (the corpus scan as a JPEG image on each, at 200 dpi): no
/// text layer, so every page is read by OCR.
fn scan_pdf(pages: usize) -> Vec<u8> {
    let img = image::open(corpus("img/i2d_AmazonWebServices_scan.png"))
        .unwrap()
        .to_rgb8();
    let (w, h) = img.dimensions();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&img)
        .unwrap();
    let (pw, ph) = (w as f32 * 72.0 / 200.0, h as f32 * 72.0 / 200.0);
    // 1 catalog, 2 pages, 3 image, then per page: page, contents.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let kids: String = (0..pages).map(|i| format!("{} 0 R ", 4 + 2 * i)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(format!("<< /Type /Pages /Kids [{kids}] /Count {pages} >>").into_bytes());
    let mut image = format!(
        "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB \
         /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
        jpeg.len()
    )
    .into_bytes();
    image.extend_from_slice(&jpeg);
    image.extend_from_slice(b"\nendstream");
    objects.push(image);
    let draw = format!("q {pw:.2} 0 0 {ph:.2} 0 0 cm /Im0 Do Q");
    for i in 0..pages {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2} {ph:.2}] \
                 /Resources << /XObject << /Im0 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        objects
            .push(format!("<< /Length {} >>\nstream\n{draw}\nendstream", draw.len()).into_bytes());
    }
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// `zopilot text FILE` with extra environment: (success, stdout, stderr).
fn text(env: &Env, file: &Path, vars: &[(&str, &str)]) -> (bool, String, String) {
    let mut c = env.command(&profile("taylors-store.toml"));
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.arg("text").arg(file).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Pids of running `zopilot extract-child` processes whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let ppid = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .and_then(|v| v.trim().parse::<u32>().ok());
        if ppid == Some(parent) && cmdline.windows(13).any(|w| w == b"extract-child") {
            out.push(pid);
        }
    }
    out
}

/// Whether process `pid` still runs (a zombie waiting for its reaper does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(") ")
                .map(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'))
        })
        .unwrap_or(false)
}

#[cfg(target_os = "linux")]
#[test]
fn the_extraction_child_dies_with_a_killed_daemon() {
    let env = Env::new();
    let staging = env.path("staging");
    std::fs::create_dir_all(&staging).unwrap();
    // Thirty pages of OCR: minutes of CPU time.
    std::fs::write(staging.join("scan-30.pdf"), scan_pdf(30)).unwrap();
    let d = start_with(&env, &[]);
    let daemon = d.child.id();
    std::fs::rename(
        staging.join("scan-30.pdf"),
        env.drop_folder().join("scan-30.pdf"),
    )
    .unwrap();
    let t0 = Instant::now();
    let child = loop {
        if let Some(&pid) = children_of(daemon).first() {
            break pid;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no extraction child started"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    d.kill9();
    let t0 = Instant::now();
    while running(child) && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let alive = running(child);
    if alive {
        // Leave no orphan behind the test either.
        let _ = std::process::Command::new("kill")
            .args(["-9", &child.to_string()])
            .status();
    }
    assert!(
        !alive,
        "extraction child {child} outlived the killed daemon {daemon}"
    );
}

/// An XLSX whose shared strings inflate to `inflated` bytes of zeros.
fn zip_inflation_xlsx(path: &PathBuf, inflated: u64) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("xl/workbook.xml", o).unwrap();
    z.write_all(br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>"#).unwrap();
    z.start_file("xl/sharedStrings.xml", o.large_file(true))
        .unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..inflated >> 20 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_zip_member_inflating_to_a_gigabyte_is_refused_before_the_memory_limit() {
    let env = Env::new();
    let file = env.path("zip-inflation.xlsx");
    zip_inflation_xlsx(&file, 1 << 30);
    let (ok, _, err) = text(&env, &file, &[("ZOPILOT_EXTRACT_MEMORY_MB", "512")]);
    assert!(!ok);
    assert!(err.contains("inflates to more than 64 MiB"), "{err}");
    assert!(!err.contains("memory limit"), "{err}");
}

#[test]
fn a_huge_page_stopped_by_memory_is_named_as_the_memory_limit() {
    let env = Env::new();
    let file =
        zopilot::cli::bench::hostile::write(&env.path("hostile"), "huge-mediabox.pdf").unwrap();
    let (ok, _, err) = text(&env, &file, &[("ZOPILOT_EXTRACT_MEMORY_MB", "256")]);
    assert!(!ok);
    assert!(
        err.contains("ran out of its 256 MiB memory limit (extract_memory_mb) at page 1 of 1"),
        "{err}"
    );
    assert!(!err.contains("TryReserveError"), "{err}");
}

#[test]
fn ocr_cpu_time_grows_with_the_pages_read_and_a_stop_names_the_page() {
    let env = Env::new();
    let file = env.path("scan-3.pdf");
    std::fs::write(&file, scan_pdf(3)).unwrap();
    // 5 s of CPU time would not read three pages of OCR; 5 s + 15 s per page does.
    let (ok, out, err) = text(&env, &file, &[("ZOPILOT_EXTRACT_CPU_SECONDS", "5")]);
    assert!(ok, "{err}");
    assert_eq!(out.matches("Invoice Summary").count(), 3, "{out}");
    // With 1 s per page it stops, and says where.
    let (ok, _, err) = text(
        &env,
        &file,
        &[
            ("ZOPILOT_EXTRACT_CPU_SECONDS", "5"),
            ("ZOPILOT_EXTRACT_OCR_SECONDS_PER_PAGE", "1"),
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("8 s of CPU time (5 s + 1 s for each of 3 page(s) read by OCR"),
        "{err}"
    );
    assert!(err.contains(" at page "), "{err}");
}
