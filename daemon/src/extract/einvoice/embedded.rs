//! E-invoice XML attached to a PDF (Factur-X / ZUGFeRD 2.x: PDF/A-3 with an associated file;
//! ZUGFeRD 1.0; XRechnung in a PDF). Files are found through the catalog's `/Names
//! /EmbeddedFiles` name tree (ISO 32000-1 §7.9.6: `Names` pairs and `Kids` subtrees, walked
//! to any depth with a cycle guard) and the catalog's `/AF` array (associated files, PDF 2.0
//! §14.13, which Factur-X marks `/AFRelationship /Data` or `/Source`). A file spec's name is
//! its `/UF` (Unicode) or `/F`; its bytes are the `/EF /F` stream, decompressed.

use std::collections::HashSet;

use anyhow::{Context, Result};
use lopdf::{Dictionary, Document, Object, ObjectId};

/// File names of the embedded invoice XML, lower-cased, in order of preference.
pub const NAMES: &[&str] = &[
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
    "order-x.xml",
];

/// Largest attachment read (decompressed), in bytes.
const MAX_XML_BYTES: usize = 20 * 1024 * 1024;

/// Most attachments whose bytes are read (only e-invoice candidates are: see [`invoice_xml`]).
const MAX_READ: usize = 4;

/// An attachment: its file name and `AFRelationship` (when given); its bytes are read only on
/// demand ([`read`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub relationship: Option<String>,
    /// The `/EF /F` stream object (a reference, or the stream itself).
    stream: Object,
}

fn text(o: &Object) -> Option<String> {
    lopdf::decode_text_string(o).ok()
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn file_spec(doc: &Document, spec: &Dictionary) -> Option<Attachment> {
    let name = spec
        .get(b"UF")
        .ok()
        .and_then(text)
        .or_else(|| spec.get(b"F").ok().and_then(text))?;
    let ef = deref(doc, spec.get(b"EF").ok()?)?.as_dict().ok()?;
    let stream = ef.get(b"F").ok().or_else(|| ef.get(b"UF").ok())?.clone();
    Some(Attachment {
        name,
        relationship: spec
            .get(b"AFRelationship")
            .ok()
            .and_then(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned()),
        stream,
    })
}

/// The bytes of `a`, decompressed up to [`MAX_XML_BYTES`]; `None` when unreadable or larger.
fn read(doc: &Document, a: &Attachment) -> Option<Vec<u8>> {
    let stream = deref(doc, &a.stream)?.as_stream().ok()?;
    if stream.dict.get(b"Filter").is_err() {
        return (stream.content.len() <= MAX_XML_BYTES).then(|| stream.content.clone());
    }
    stream.decompressed_content_with_limit(MAX_XML_BYTES).ok()
}

fn walk_name_tree(
    doc: &Document,
    node: &Dictionary,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<Attachment>,
) {
    if let Ok(names) = node.get(b"Names").and_then(Object::as_array) {
        for pair in names.chunks(2) {
            if let [_, spec] = pair {
                if let Some(a) = deref(doc, spec)
                    .and_then(|s| s.as_dict().ok())
                    .and_then(|s| file_spec(doc, s))
                {
                    out.push(a);
                }
            }
        }
    }
    if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
        for kid in kids {
            if let Ok(id) = kid.as_reference() {
                if !seen.insert(id) {
                    continue; // a cycle in a malformed tree
                }
            }
            if let Some(d) = deref(doc, kid).and_then(|k| k.as_dict().ok()) {
                walk_name_tree(doc, d, seen, out);
            }
        }
    }
}

/// Every embedded file of `doc` by name (name tree first, then `/AF` entries not already
/// found); nothing is decompressed.
fn attachments(doc: &Document) -> Result<Vec<Attachment>> {
    let catalog = doc.catalog().context("the PDF has no catalog")?;
    let mut out = Vec::new();
    if let Some(tree) = catalog
        .get(b"Names")
        .ok()
        .and_then(|n| deref(doc, n))
        .and_then(|n| n.as_dict().ok())
        .and_then(|n| n.get(b"EmbeddedFiles").ok())
        .and_then(|t| deref(doc, t))
        .and_then(|t| t.as_dict().ok())
    {
        walk_name_tree(doc, tree, &mut HashSet::new(), &mut out);
    }
    if let Some(af) = catalog
        .get(b"AF")
        .ok()
        .and_then(|a| deref(doc, a))
        .and_then(|a| a.as_array().ok())
    {
        for spec in af {
            if let Some(a) = deref(doc, spec)
                .and_then(|s| s.as_dict().ok())
                .and_then(|s| file_spec(doc, s))
            {
                if !out.iter().any(|o| o.name == a.name) {
                    out.push(a);
                }
            }
        }
    }
    Ok(out)
}

/// The names of the files embedded in the PDF in `bytes`, with their `AFRelationship`.
///
/// Errors: the PDF cannot be parsed by lopdf.
pub fn attachment_names(bytes: &[u8]) -> Result<Vec<(String, Option<String>)>> {
    let doc = Document::load_mem(bytes).context("lopdf cannot read the PDF")?;
    Ok(attachments(&doc)?
        .into_iter()
        .map(|a| (a.name, a.relationship))
        .collect())
}

/// The e-invoice XML attached to the PDF in `bytes`, if any: `(file name, xml)`. Names are read
/// first; only attachments named like an e-invoice ([`NAMES`], at most [`MAX_READ`]) are
/// decompressed, each up to [`MAX_XML_BYTES`] — a PDF with a hundred large attachments costs
/// no more than one.
///
/// Errors: the PDF cannot be parsed by lopdf.
pub fn invoice_xml(bytes: &[u8]) -> Result<Option<(String, Vec<u8>)>> {
    let doc = Document::load_mem(bytes).context("lopdf cannot read the PDF")?;
    let all = attachments(&doc)?;
    for want in NAMES {
        for a in all
            .iter()
            .filter(|a| a.name.to_lowercase() == *want)
            .take(MAX_READ)
        {
            if let Some(b) = read(&doc, a) {
                return Ok(Some((a.name.clone(), b)));
            }
        }
    }
    Ok(None)
}
