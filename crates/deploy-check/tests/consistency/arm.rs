//! Reading ARM templates without Azure: finding resources by type, resolving the simple
//! `[variables('x')]` / `[parameters('x')]` forms, and a syntax check of every template
//! expression (balanced brackets and quotes, and no reference to a parameter or variable
//! the template does not declare), which catches most typos before a deployment would.

use serde_json::Value;

use crate::files::{self, Problems, deploy};

/// The resources of `template` whose `type` is `kind` (case-insensitive, as ARM reads it).
pub fn resources<'a>(template: &'a Value, kind: &str) -> Vec<&'a Value> {
    template["resources"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|r| {
                    r["type"]
                        .as_str()
                        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The one resource of type `kind`; panics when there is not exactly one.
pub fn resource<'a>(template: &'a Value, kind: &str) -> &'a Value {
    let found = resources(template, kind);
    assert_eq!(
        found.len(),
        1,
        "expected one {kind} resource, found {}",
        found.len()
    );
    found[0]
}

/// A template variable, or `Value::Null` when it does not exist.
pub fn variable<'a>(template: &'a Value, name: &str) -> &'a Value {
    &template["variables"][name]
}

/// `value` with a whole-string `[variables('x')]` replaced by variable `x` (repeatedly).
/// Anything else comes back as it is.
pub fn resolve<'a>(template: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    for _ in 0..8 {
        let Some(name) = current.as_str().and_then(|s| single_call(s, "variables")) else {
            return current;
        };
        current = variable(template, name);
    }
    current
}

/// The argument of an expression that is exactly `[function('name')]`.
pub fn single_call<'a>(text: &'a str, function: &str) -> Option<&'a str> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    let argument = inner
        .strip_prefix(function)?
        .strip_prefix("('")?
        .strip_suffix("')")?;
    (!argument.contains('\'')).then_some(argument)
}

/// The names passed to `function('…')` anywhere in `expression`.
pub fn calls<'a>(expression: &'a str, function: &str) -> Vec<&'a str> {
    let needle = format!("{function}('");
    let mut names = Vec::new();
    let mut rest = expression;
    while let Some(start) = rest.find(&needle) {
        // Skip longer names that end with this one (e.g. `subscriptionResourceId(`).
        let preceded_by_name = rest[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let after = &rest[start + needle.len()..];
        if !preceded_by_name && let Some(end) = after.find('\'') {
            names.push(&after[..end]);
        }
        rest = after;
    }
    names
}

/// The single-quoted string literals of `expression`, in order. An escaped quote (`''`)
/// splits a literal in two; the names this is used on never contain one.
pub fn literals(expression: &str) -> Vec<&str> {
    expression.split('\'').skip(1).step_by(2).collect()
}

/// Problems with one expression string: unbalanced parentheses or brackets, an
/// unterminated string literal, or a missing closing `]`.
pub fn expression_syntax(text: &str) -> Option<String> {
    // `[[` escapes a literal leading bracket; anything else starting with `[` is code.
    if !text.starts_with('[') || text.starts_with("[[") {
        return None;
    }
    if !text.ends_with(']') {
        return Some(format!("expression does not end with ']': {text}"));
    }
    let inner = &text[1..text.len() - 1];
    let mut depth: Vec<char> = Vec::new();
    let mut in_string = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            if c == '\'' {
                // '' inside a literal is an escaped quote.
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    in_string = false;
                }
            }
            continue;
        }
        match c {
            '\'' => in_string = true,
            '(' | '[' => depth.push(c),
            ')' | ']' => {
                let open = if c == ')' { '(' } else { '[' };
                if depth.pop() != Some(open) {
                    return Some(format!("unbalanced '{c}' in: {text}"));
                }
            }
            _ => {}
        }
    }
    if in_string {
        return Some(format!("unterminated string literal in: {text}"));
    }
    if !depth.is_empty() {
        return Some(format!("unclosed {:?} in: {text}", depth));
    }
    None
}

/// Every string in `value`, with its JSON path, depth first.
pub fn strings<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::String(s) => out.push((path, s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, format!("{path}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                strings(item, format!("{path}/{key}"), out);
            }
        }
        _ => {}
    }
}

/// Syntax problems and references to undeclared parameters or variables in every string
/// value of the template.
pub fn check_expressions(template: &Value) -> Vec<String> {
    let mut all = Vec::new();
    strings(template, String::new(), &mut all);
    let mut problems = Vec::new();
    for (path, text) in all {
        if let Some(problem) = expression_syntax(text) {
            problems.push(format!("{path}: {problem}"));
            continue;
        }
        if !text.starts_with('[') {
            continue;
        }
        for (function, section) in [("parameters", "parameters"), ("variables", "variables")] {
            for name in calls(text, function) {
                if template[section].get(name).is_none() {
                    problems.push(format!("{path}: {function}('{name}') is not declared"));
                }
            }
        }
    }
    problems
}

#[test]
fn every_azure_template_is_well_formed() {
    let mut problems = Problems::default();
    let mut templates = 0;
    for folder in files::sub_folders(&deploy("azure")) {
        let path = folder.join("azuredeploy.json");
        if path.is_file() {
            templates += 1;
            let found = check_expressions(&files::read_json(&path));
            problems.extend(
                found
                    .into_iter()
                    .map(|p| format!("{}: {p}", path.display())),
            );
        }
    }
    problems.check(templates == 2, || {
        format!("expected 2 ARM templates, found {templates}")
    });
    problems.finish();
}
