//! Reading the artefacts: paths under `deploy/`, JSON and (multi-document) YAML as
//! `serde_json::Value`, the binary names the workspace really builds, and a way to
//! collect every problem before failing so one run reports them all.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path under `deploy/`.
pub fn deploy(relative: &str) -> PathBuf {
    repo_root().join("deploy").join(relative)
}

pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read_text(path))
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// Every document of a YAML file, empty documents left out.
pub fn read_yaml_documents(path: &Path) -> Vec<Value> {
    yaml_documents(&read_text(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn yaml_documents(text: &str) -> Result<Vec<Value>, String> {
    let mut documents = Vec::new();
    for document in serde_norway::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| format!("not valid YAML: {e}"))?;
        if !value.is_null() {
            documents.push(value);
        }
    }
    Ok(documents)
}

/// The sub-folders of `dir`, sorted by name.
pub fn sub_folders(dir: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    folders
}

/// The files in `dir` whose names end with `suffix`, sorted by name.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// The package name in `services/<folder>/Cargo.toml`, which is also its binary's name.
pub fn service_package_name(folder: &str) -> String {
    let manifest = repo_root().join("services").join(folder).join("Cargo.toml");
    package_name(&read_text(&manifest))
        .unwrap_or_else(|| panic!("{} names no package", manifest.display()))
}

/// The `name` of the `[package]` table of a Cargo manifest.
pub fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "name" {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// `value` at a `/`-separated path of object keys and array indices (keys holding a `/`
/// need indexing instead).
pub fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    value.pointer(&format!("/{path}"))
}

/// A string at `path`, or `None`.
pub fn str_at<'a>(value: &'a Value, path: &str) -> Option<&'a str> {
    at(value, path).and_then(Value::as_str)
}

/// Problems found so far; `finish` fails the test with all of them.
#[derive(Default)]
pub struct Problems(Vec<String>);

impl Problems {
    pub fn add(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    pub fn extend(&mut self, problems: impl IntoIterator<Item = String>) {
        self.0.extend(problems);
    }

    /// Records `problem` unless `ok`.
    pub fn check(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        if !ok {
            self.0.push(problem());
        }
    }

    pub fn finish(self) {
        assert!(
            self.0.is_empty(),
            "{} problem(s):\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        );
    }
}
