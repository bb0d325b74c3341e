//! The hostile files of the robustness probe, made on demand (nothing large is committed): each
//! is small on disk and expensive for a careless reader. Used by `zopilot bench hostile` (peak
//! memory per file) and by the end-to-end test that drops them into a running daemon.
//!
//! | file | what it does to a reader |
//! | --- | --- |
//! | `far-corner.xlsx` | cells at A1 and XFD1048576: a dense reader allocates the sheet's area (≈ 550 GB) |
//! | `attachments-120.pdf` | 120 embedded files of 20 MiB each (zeros, deflated) |
//! | `huge-80mpx.png` | a 10000 × 8000 image |
//! | `objstm-1gib.pdf` | an object stream that inflates to 1 GiB |
//! | `nesting-200k.pdf` | an array nested 200,000 deep |
//! | `nesting-200k.xml` | XML elements nested 200,000 deep |
//! | `zip-bomb.docx` | `word/document.xml` inflates to 1 GiB |
//! | `billion-laughs.xml` | nested entity expansion (10 levels × 10) |
//! | `pages-2000.pdf` | 2,000 pages |
//! | `zip-inflation.xlsx` | `xl/sharedStrings.xml` inflates to 1 GiB of zeros |
//! | `huge-mediabox.pdf` | a blank 200 × 150 inch page (14,400 × 10,800 points): rendered for OCR |
//! | `link-to-passwd.txt` | a symbolic link to `/etc/passwd` (Unix): never followed |

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

/// One hostile file: its name and what the daemon is expected to do with it.
pub struct Hostile {
    pub name: &'static str,
    /// Whether extraction must refuse it (`failed`); otherwise it may also be read (bounded).
    pub must_fail: bool,
    /// A symbolic link: the watcher never queues it, the extraction child refuses to open it.
    pub link: bool,
}

/// The probe list, in the order [`write_all`] makes them.
pub const FILES: &[Hostile] = &[
    Hostile {
        name: "far-corner.xlsx",
        must_fail: false,
        link: false,
    },
    Hostile {
        name: "attachments-120.pdf",
        must_fail: false,
        link: false,
    },
    Hostile {
        name: "huge-80mpx.png",
        must_fail: true,
        link: false,
    },
    Hostile {
        name: "objstm-1gib.pdf",
        must_fail: true,
        link: false,
    },
    Hostile {
        name: "nesting-200k.pdf",
        must_fail: false,
        link: false,
    },
    Hostile {
        name: "nesting-200k.xml",
        must_fail: false,
        link: false,
    },
    Hostile {
        name: "zip-bomb.docx",
        must_fail: true,
        link: false,
    },
    Hostile {
        name: "billion-laughs.xml",
        must_fail: true,
        link: false,
    },
    Hostile {
        name: "pages-2000.pdf",
        must_fail: true,
        link: false,
    },
    Hostile {
        name: "zip-inflation.xlsx",
        must_fail: true,
        link: false,
    },
    Hostile {
        name: "huge-mediabox.pdf",
        must_fail: true,
        link: false,
    },
    Hostile {
        name: "link-to-passwd.txt",
        must_fail: true,
        link: true,
    },
];

/// Write every file of [`FILES`] into `dir`; returns their paths in that order (the link only
/// on Unix).
///
/// Errors: a file cannot be written.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for h in FILES {
        if h.link && !cfg!(unix) {
            continue;
        }
        out.push(write(dir, h.name)?);
    }
    Ok(out)
}

/// Write the hostile file `name` of [`FILES`] into `dir`; its path.
///
/// Errors: no such hostile file, or it cannot be written.
pub fn write(dir: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let p = dir.join(name);
    if FILES.iter().any(|h| h.name == name && h.link) {
        let _ = std::fs::remove_file(&p);
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/passwd", &p)?;
        return Ok(p);
    }
    let bytes = match name {
        "far-corner.xlsx" => far_corner_xlsx()?,
        "attachments-120.pdf" => attachments_pdf(120, 20 << 20)?,
        "huge-80mpx.png" => huge_png(10_000, 8_000)?,
        "objstm-1gib.pdf" => object_stream_pdf(1 << 30)?,
        "nesting-200k.pdf" => nested_pdf(200_000),
        "nesting-200k.xml" => nested_xml(200_000),
        "zip-bomb.docx" => zip_bomb_docx(1 << 30)?,
        "billion-laughs.xml" => billion_laughs(),
        "pages-2000.pdf" => pages_pdf(2_000),
        "zip-inflation.xlsx" => zip_inflation_xlsx(1 << 30)?,
        "huge-mediabox.pdf" => huge_mediabox_pdf(),
        other => anyhow::bail!("no generator for {other}"),
    };
    std::fs::write(&p, bytes)?;
    Ok(p)
}

/// `n` bytes of `byte`, deflated (zlib) without holding them in memory.
fn deflated(n: u64, byte: u8) -> Result<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        z.write_all(&chunk[..k])?;
        left -= k as u64;
    }
    Ok(z.finish()?)
}

fn far_corner_xlsx() -> Result<Vec<u8>> {
    xlsx_with(|_| Ok(()))
}

/// A workbook whose shared strings are `inflated` bytes of zeros.
fn zip_inflation_xlsx(inflated: u64) -> Result<Vec<u8>> {
    xlsx_with(|z| {
        let o = zip::write::SimpleFileOptions::default().large_file(true);
        z.start_file("xl/sharedStrings.xml", o)?;
        let chunk = vec![0u8; 1 << 20];
        let mut left = inflated;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            z.write_all(&chunk[..k])?;
            left -= k as u64;
        }
        Ok(())
    })
}

type Zip<'a> = zip::ZipWriter<&'a mut std::io::Cursor<Vec<u8>>>;

/// The far-corner workbook, with `more` parts added by the caller.
fn xlsx_with(more: impl FnOnce(&mut Zip) -> Result<()>) -> Result<Vec<u8>> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let o = zip::write::SimpleFileOptions::default();
    let parts: [(&str, &str); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>"#,
        ),
    ];
    for (name, xml) in parts {
        z.start_file(name, o)?;
        z.write_all(xml.as_bytes())?;
    }
    more(&mut z)?;
    z.finish()?;
    Ok(buf.into_inner())
}

/// One blank page of 14,400 × 10,800 points (the largest PDF allows): no text layer, so it is
/// rendered for OCR.
fn huge_mediabox_pdf() -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 10800] >>".to_vec(),
    ])
}

/// A minimal PDF from `objects` (object 1 is the catalog), with a correct xref table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
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

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

/// Catalog (1), pages (2), one blank page (3); `extra` objects follow from 4.
fn one_page(catalog_extra: &str, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
    ];
    objects.extend(extra);
    pdf(&objects)
}

fn attachments_pdf(n: usize, each: u64) -> Result<Vec<u8>> {
    let data = deflated(each, 0)?;
    let mut extra = Vec::new();
    let mut names = String::new();
    // Objects from 4: for each attachment a file spec, then its stream.
    for i in 0..n {
        let spec = 4 + 2 * i;
        names.push_str(&format!("(file{i:03}.bin) {spec} 0 R "));
        extra.push(
            format!("<< /Type /Filespec /F (file{i:03}.bin) /UF (file{i:03}.bin) /EF << /F {} 0 R >> >>", spec + 1)
                .into_bytes(),
        );
        extra.push(stream("/Type /EmbeddedFile /Filter /FlateDecode", &data));
    }
    Ok(one_page(
        &format!("/Names << /EmbeddedFiles << /Names [{names}] >> >>"),
        extra,
    ))
}

fn huge_png(w: u32, h: u32) -> Result<Vec<u8>> {
    use image::ImageEncoder;
    let pixels = vec![255u8; w as usize * h as usize];
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    )
    .write_image(&pixels, w, h, image::ExtendedColorType::L8)?;
    Ok(out)
}

fn object_stream_pdf(inflated: u64) -> Result<Vec<u8>> {
    // An object stream (ISO 32000-1 §7.5.7) holding object 5 at offset 0, followed by spaces.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(b"5 0 ")?;
    let chunk = vec![b' '; 1 << 20];
    let mut left = inflated;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        z.write_all(&chunk[..k])?;
        left -= k as u64;
    }
    z.write_all(b"<< /Producer (x) >>")?;
    let data = z.finish()?;
    Ok(one_page(
        "",
        vec![stream(
            "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
            &data,
        )],
    ))
}

fn nested_pdf(depth: usize) -> Vec<u8> {
    let mut deep = "[".repeat(depth).into_bytes();
    deep.extend("]".repeat(depth).into_bytes());
    let mut catalog = b"<< /Type /Catalog /Pages 2 0 R /Deep ".to_vec();
    catalog.extend(deep);
    catalog.extend_from_slice(b" >>");
    pdf(&[
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
    ])
}

fn nested_xml(depth: usize) -> Vec<u8> {
    let mut s = String::from("<?xml version=\"1.0\"?>\n");
    s.push_str(&"<a>".repeat(depth));
    s.push_str(&"</a>".repeat(depth));
    s.into_bytes()
}

fn zip_bomb_docx(inflated: u64) -> Result<Vec<u8>> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let o = zip::write::SimpleFileOptions::default().large_file(true);
    z.start_file("[Content_Types].xml", o)?;
    z.write_all(b"<Types/>")?;
    z.start_file("word/document.xml", o)?;
    z.write_all(b"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>")?;
    let chunk = b"<w:p/>".repeat((1 << 20) / 6);
    let mut left = inflated;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        z.write_all(&chunk[..k])?;
        left -= k as u64;
    }
    z.finish()?;
    Ok(buf.into_inner())
}

fn billion_laughs() -> Vec<u8> {
    let mut s = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        s.push_str(&format!(
            " <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    s.push_str("]>\n<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><Note>&lol9;</Note></Invoice>\n");
    s.into_bytes()
}

fn pages_pdf(n: usize) -> Vec<u8> {
    let kids: String = (0..n).map(|i| format!("{} 0 R ", 3 + i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{kids}] /Count {n} >>").into_bytes(),
    ];
    for _ in 0..n {
        objects.push(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec());
    }
    pdf(&objects)
}
