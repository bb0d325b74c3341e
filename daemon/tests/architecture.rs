//! The house rules of `daemon/src`, read from the code itself:
//!
//! 1. **Layers point down.** Every top-level module has a layer (below); a file may use another
//!    top-level module only if that module's layer is lower than its own.
//! 2. **No import cycles between files.** Each path a file uses (`use` trees, `crate::…`,
//!    `super::…`, a child module's name) is resolved to the file that defines the item —
//!    following `pub use` re-exports — and the file graph must have no cycle.
//! 3. **Small pieces.** No file over 500 lines; no function over 80 lines unless the line before
//!    it says why (`// long: <reason>`).
//!
//! Test code (`#[cfg(test)]` modules, `tests.rs` files) is left out: tests look at their parent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// Top-level modules and their layers: a module may only use modules of lower layers.
const LAYERS: &[(&str, u32)] = &[
    // Leaves: configuration and shared facilities (no module of ours below them).
    ("config", 0),
    ("client", 0),
    ("key_store", 0),
    ("logging", 0),
    ("private_file", 0),
    ("content", 0),
    ("instance", 0),
    ("failure", 0),
    ("schemas", 0),
    ("onnx_runtime", 0),
    ("process_memory", 0),
    ("no_follow", 0),
    ("os_path", 0),
    // Storage: the only SQL.
    ("store", 1),
    // Reading documents, and the model engine: neither knows the other.
    ("extract", 2),
    ("llm", 2),
    // The business's books as files (exports, rates): knows neither documents nor the model.
    ("books", 2),
    // The stages.
    ("pipeline", 3),
    // Drivers of the pipeline and the queue.
    ("worker", 4),
    ("watch", 4),
    // Surfaces.
    ("api", 5),
    ("daemon", 6),
    ("cli", 7),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Module path (`["pipeline", "stage1"]`) of a source file.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's code without comments, string literals and test modules.
fn code_of(text: &str) -> String {
    let cut = Regex::new(r"(?m)^\s*#\[cfg\(test\)\]\s*\n\s*mod tests")
        .unwrap()
        .find(text)
        .map(|m| m.start())
        .unwrap_or(text.len());
    let text = &text[..cut];
    let strings = Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap();
    text.lines()
        .map(|l| {
            let l = strings.replace_all(l, "\"\"");
            match l.find("//") {
                Some(i) => l[..i].to_string(),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expand a `use` tree (`a::{b, c::{d, e}}`) into full paths.
fn expand(tree: &str) -> Vec<String> {
    let renamed = Regex::new(r"\s+as\s+\w+").unwrap();
    let tree: String = renamed
        .replace_all(tree, "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    fn go(prefix: &str, t: &str, out: &mut Vec<String>) {
        if let Some(open) = t.find('{') {
            let head = &t[..open];
            let inner = &t[open + 1..t.len() - 1];
            let mut depth = 0;
            let mut start = 0;
            let mut parts = Vec::new();
            for (i, ch) in inner.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        parts.push(&inner[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            parts.push(&inner[start..]);
            for p in parts.into_iter().filter(|p| !p.is_empty()) {
                go(&format!("{prefix}{head}"), p, out);
            }
        } else {
            out.push(format!("{prefix}{t}"));
        }
    }
    let mut out = Vec::new();
    go("", &tree, &mut out);
    out
}

struct Crate {
    /// Module path → file.
    files: BTreeMap<Vec<String>, PathBuf>,
    /// File → its code.
    code: BTreeMap<PathBuf, String>,
    /// (module path, item name) → the path it re-exports (`pub use`).
    reexports: BTreeMap<(Vec<String>, String), Vec<String>>,
}

impl Crate {
    fn load() -> Crate {
        let mut all = Vec::new();
        rs_files(&src(), &mut all);
        let mut files = BTreeMap::new();
        let mut code = BTreeMap::new();
        for f in all {
            if f.file_name().unwrap() == "tests.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            files.insert(module_of(&f), f.clone());
            code.insert(f, code_of(&text));
        }
        let mut c = Crate {
            files,
            code,
            reexports: BTreeMap::new(),
        };
        let re = Regex::new(r"(?s)\bpub(?:\([^)]*\))?\s+use\s+([^;]+);").unwrap();
        let mut found = Vec::new();
        for (m, f) in &c.files {
            for cap in re.captures_iter(&c.code[f]) {
                for p in expand(&cap[1]) {
                    if let Some(abs) = c.absolute(m, &p) {
                        let name = abs.last().cloned().unwrap_or_default();
                        found.push(((m.clone(), name), abs));
                    }
                }
            }
        }
        c.reexports.extend(found);
        c
    }

    /// `p` (`crate::a::b`, `super::x`, `self::x`, `child::x`) as an absolute module path, when
    /// it points into this crate.
    fn absolute(&self, module: &[String], p: &str) -> Option<Vec<String>> {
        let segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
        let first = *segs.first()?;
        let mut base: Vec<String> = match first {
            "crate" => Vec::new(),
            "self" => module.to_vec(),
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            child => {
                let mut m = module.to_vec();
                m.push(child.to_string());
                if !self.files.contains_key(&m) {
                    return None;
                }
                m.pop();
                m
            }
        };
        let mut rest = &segs[..];
        if matches!(first, "crate" | "self") {
            rest = &segs[1..];
        } else if first == "super" {
            rest = &segs[1..];
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        base.extend(rest.iter().map(|s| s.to_string()));
        Some(base)
    }

    /// The file that defines `path`'s item (deepest module file, re-exports followed).
    fn file_of(&self, path: &[String], depth: usize) -> Option<PathBuf> {
        let mut n = path.len();
        while n > 0 && !self.files.contains_key(&path[..n]) {
            n -= 1;
        }
        let module = path[..n].to_vec();
        if depth < 8 {
            if let Some(item) = path.get(n) {
                if let Some(target) = self.reexports.get(&(module.clone(), item.clone())) {
                    if target.as_slice() != path {
                        let mut t = target.clone();
                        t.extend(path[n + 1..].iter().cloned());
                        return self.file_of(&t, depth + 1);
                    }
                }
            }
        }
        self.files.get(&module).cloned()
    }

    /// Every crate path file `f` (module `m`) uses, absolute.
    fn uses(&self, m: &[String], f: &Path) -> BTreeSet<Vec<String>> {
        let code = &self.code[f];
        let mut out = BTreeSet::new();
        let use_re = Regex::new(r"(?s)\buse\s+([^;]+);").unwrap();
        for cap in use_re.captures_iter(code) {
            for p in expand(&cap[1]) {
                if let Some(a) = self.absolute(m, &p) {
                    out.insert(a);
                }
            }
        }
        let path_re =
            Regex::new(r"\b((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
                .unwrap();
        for cap in path_re.captures_iter(code) {
            if let Some(a) = self.absolute(m, &cap[1]) {
                out.insert(a);
            }
        }
        out
    }
}

fn layer(top: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == top).map(|(_, l)| *l)
}

#[test]
fn layers_only_point_down() {
    let c = Crate::load();
    let mut bad = Vec::new();
    for (m, f) in &c.files {
        let Some(own) = m.first() else { continue };
        let own_layer = layer(own).unwrap_or_else(|| panic!("module {own} has no layer in LAYERS"));
        for u in c.uses(m, f) {
            let Some(top) = u.first() else { continue };
            if top == own {
                continue;
            }
            match layer(top) {
                Some(l) if l < own_layer => {}
                Some(_) => bad.push(format!("{} uses crate::{}", f.display(), u.join("::"))),
                None => {}
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports that do not point down:\n{}",
        bad.join("\n")
    );
}

/// Edges between the files of the crate (a file → the files it uses), each file named by `node`
/// (files `node` maps to `None` are left out; edges within one node are dropped).
fn graph(c: &Crate, node: &dyn Fn(&Path) -> Option<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, f) in &c.files {
        let Some(a) = node(f) else { continue };
        let e = edges.entry(a.clone()).or_default();
        for u in c.uses(m, f) {
            if let Some(b) = c.file_of(&u, 0).as_deref().and_then(node) {
                if b != a {
                    e.insert(b);
                }
            }
        }
    }
    edges
}

/// The cycles of `edges` (depth-first search for back edges), as `a → b → a`.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn visit(
        f: &String,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(f.clone(), 1);
        stack.push(f.clone());
        for g in edges.get(f).into_iter().flatten() {
            match state.get(g).copied().unwrap_or(0) {
                0 => visit(g, edges, state, stack, cycles),
                1 => {
                    let i = stack.iter().position(|x| x == g).unwrap();
                    let names: Vec<&str> = stack[i..]
                        .iter()
                        .chain(std::iter::once(g))
                        .map(String::as_str)
                        .collect();
                    cycles.push(names.join(" → "));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(f.clone(), 2);
    }
    let mut state = BTreeMap::new();
    let mut found = Vec::new();
    for f in edges.keys() {
        if state.get(f).copied().unwrap_or(0) == 0 {
            visit(f, edges, &mut state, &mut Vec::new(), &mut found);
        }
    }
    found
}

#[test]
fn no_import_cycles_between_files() {
    let c = Crate::load();
    let name = |f: &Path| Some(f.strip_prefix(src()).unwrap().display().to_string());
    let found = cycles(&graph(&c, &name));
    if !found.is_empty() {
        // Which paths make each edge of the first cycle, to find the import to change.
        let files: Vec<&str> = found[0].split(" → ").collect();
        for w in files.windows(2) {
            let (m, f) = c
                .files
                .iter()
                .find(|(_, f)| name(f).as_deref() == Some(w[0]))
                .unwrap();
            for u in c.uses(m, f) {
                if c.file_of(&u, 0).as_deref().and_then(|p| name(p)).as_deref() == Some(w[1]) {
                    eprintln!("{} → {}: {}", w[0], w[1], u.join("::"));
                }
            }
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

/// The pipeline's steps (its files and folders: `stage2/`, `accounts`, `memory` …) use each
/// other one way, down the flow: no step imports a step that imports it back.
#[test]
fn no_import_cycles_between_the_pipelines_steps() {
    let c = Crate::load();
    let step = |f: &Path| {
        let rel = f.strip_prefix(src().join("pipeline")).ok()?;
        let first = rel
            .components()
            .next()?
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        (first != "mod.rs").then(|| first.trim_end_matches(".rs").to_string())
    };
    let found = cycles(&graph(&c, &step));
    assert!(
        found.is_empty(),
        "import cycles between pipeline steps:\n{}",
        found.join("\n")
    );
}

#[test]
fn files_and_functions_stay_small() {
    let mut all = Vec::new();
    rs_files(&src(), &mut all);
    let fn_re = Regex::new(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")
        .unwrap();
    let mut bad = Vec::new();
    for f in all {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let name = f.strip_prefix(src()).unwrap().display().to_string();
        if lines.len() > 500 {
            bad.push(format!("{name}: {} lines (at most 500)", lines.len()));
        }
        let mut i = 0;
        while i < lines.len() {
            if let Some(c) = fn_re.captures(lines[i]) {
                let indent = c[1].len();
                let mut j = i;
                while j < lines.len() && !lines[j].trim_end().ends_with('{') {
                    if lines[j].trim_end().ends_with(';') {
                        break;
                    }
                    j += 1;
                }
                if j < lines.len() && lines[j].trim_end().ends_with('{') {
                    let mut k = j + 1;
                    while k < lines.len()
                        && !(lines[k].starts_with(&format!("{}}}", " ".repeat(indent))))
                    {
                        k += 1;
                    }
                    let len = k + 1 - i;
                    let justified = i > 0 && lines[i - 1].trim_start().starts_with("// long:")
                        || i > 1 && lines[i - 2].trim_start().starts_with("// long:");
                    if len > 80 && !justified {
                        bad.push(format!("{name}: fn {} is {len} lines (at most 80)", &c[2]));
                    }
                }
            }
            i += 1;
        }
    }
    assert!(bad.is_empty(), "too big:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_resolves_paths() {
    assert_eq!(
        expand("crate::store::{Job, sqlite::{A, B as C}}"),
        [
            "crate::store::Job",
            "crate::store::sqlite::A",
            "crate::store::sqlite::B"
        ]
    );
    let c = Crate::load();
    let m = vec!["worker".to_string(), "finish".to_string()];
    let p = c.absolute(&m, "super::originals::Moves").unwrap();
    assert_eq!(p, ["worker", "originals", "Moves"]);
    let f = c.file_of(&["store".into(), "Status".into()], 0).unwrap();
    assert!(f.ends_with("store/document.rs"), "{}", f.display());
}

/// The fuzz crate (`fuzz/`, nightly only) includes the `extract/` modules by path; every module
/// those files reach through `super::` or `crate::extract::` must be included too, or the fuzz
/// build breaks where stable builds cannot see it.
#[test]
fn the_fuzz_crate_includes_every_extract_module_its_files_use() {
    let root = src().join("..").join("..").join("fuzz").join("src");
    let listing = std::fs::read_to_string(root.join("extract.rs")).unwrap();
    let path_re =
        Regex::new(r#"#\[path = "\.\./\.\./daemon/src/extract/([a-z_/]+?)(?:/mod)?\.rs"\]"#)
            .unwrap();
    let included: BTreeSet<String> = path_re
        .captures_iter(&listing)
        .map(|c| c[1].split('/').next().unwrap().to_string())
        .chain(["pdf".to_string()]) // a stand-in type module in fuzz/src/extract.rs
        .collect();
    let use_re = Regex::new(r"(?:crate::extract::|^use super::|[^:]super::)([a-z_]+)").unwrap();
    let mut missing = BTreeSet::new();
    for m in included.iter().filter(|m| *m != "pdf") {
        let dir = src().join("extract").join(m);
        let files: Vec<PathBuf> = if dir.is_dir() {
            std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect()
        } else {
            vec![src().join("extract").join(format!("{m}.rs"))]
        };
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for c in use_re.captures_iter(&code) {
                let used = c[1].to_string();
                // Inside a folder module `super::` is the folder's parent module.
                let at_extract_level = !dir.is_dir() || c[0].contains("crate::extract::");
                if at_extract_level && !included.contains(&used) && used != "super" {
                    missing.insert(format!("{} uses extract::{used}", f.display()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add these modules to fuzz/src/extract.rs: {missing:#?}"
    );
}
