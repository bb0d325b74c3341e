//! The fuzz crate (`fuzz/src`) compiles the daemon's parsers from the very same files through
//! `#[path = "…"]`. A file included that way is treated by rustc as a directory owner (like a
//! `mod.rs`): its own `mod child;` is looked up beside it (`extract/child.rs`), not in its
//! namesake folder (`extract/values/child.rs`) as in the daemon. So a path-included file that
//! is not a `mod.rs` must declare no file submodule outside test code — give it a folder and a
//! `mod.rs` instead. The nightly fuzz build would fail otherwise, and it runs last in CI.
//!
//! Source: The Rust Reference, "Modules — the `path` attribute"
//! (<https://doc.rust-lang.org/reference/items/modules.html#the-path-attribute>).

use std::path::{Path, PathBuf};

use regex::Regex;

/// Every file the fuzz crate includes by `#[path]`, resolved from the including file's folder.
fn path_included() -> Vec<PathBuf> {
    let fuzz_src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/src");
    let attribute = Regex::new(r#"#\[path\s*=\s*"([^"]+)"\]"#).unwrap();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&fuzz_src).expect("fuzz/src is readable") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for captures in attribute.captures_iter(&text) {
                files.push(fuzz_src.join(&captures[1]));
            }
        }
    }
    files
}

/// `mod name;` declarations (a file submodule) not under `#[cfg(test)]`.
fn file_submodules(text: &str) -> Vec<String> {
    let declaration = Regex::new(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;").unwrap();
    let mut found = Vec::new();
    let mut previous = "";
    for line in text.lines() {
        if let Some(captures) = declaration.captures(line) {
            if !previous.contains("cfg(test)") {
                found.push(captures[1].to_string());
            }
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    found
}

#[test]
fn path_included_files_that_are_not_mod_rs_declare_no_file_submodules() {
    let files = path_included();
    assert!(
        files.len() >= 5,
        "the fuzz crate includes the parsers: {files:?}"
    );
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("{} (included by fuzz/src): {e}", file.display()));
        let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs");
        let submodules = file_submodules(&text);
        if !is_mod_rs && !submodules.is_empty() {
            wrong.push(format!(
                "{}: mod {}",
                file.display(),
                submodules.join(", mod ")
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "path-included files with file submodules (move each to <name>/mod.rs): {wrong:#?}"
    );
}

#[test]
fn a_submodule_under_cfg_test_is_not_counted() {
    let text = "mod dates;\n#[cfg(test)]\nmod tests;\npub(crate) mod printed;\n";
    assert_eq!(file_submodules(text), vec!["dates", "printed"]);
}
