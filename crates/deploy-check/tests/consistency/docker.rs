//! `deploy/docker/`: the Dockerfile read as text (stages, their instructions) and the
//! scripts and ignore file around it. The stage order matters to the classic builder,
//! which builds every stage above the target: `prebuilt` must come first.

use crate::contract;
use crate::files::{self, Problems, deploy, read_text, repo_root};

/// One instruction: its keyword in upper case and the rest of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: String,
    pub args: String,
}

/// A build stage: `FROM <image> [AS <name>]` and the instructions after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub image: String,
    pub name: Option<String>,
    pub body: Vec<Instruction>,
}

/// The instructions before the first `FROM` and the stages, in file order.
pub fn parse(text: &str) -> (Vec<Instruction>, Vec<Stage>) {
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        // Comment lines are dropped even inside a continued instruction, as Docker does.
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part.trim_end());
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                logical.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.trim().is_empty() {
        logical.push(current);
    }

    let mut preamble = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for line in logical {
        let (keyword, args) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let instruction = Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
        };
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match words.as_slice() {
                [_, as_word, name] if as_word.eq_ignore_ascii_case("as") => Some(name.to_string()),
                _ => None,
            };
            stages.push(Stage {
                image: words.first().map(|w| w.to_string()).unwrap_or_default(),
                name,
                body: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.body.push(instruction);
        } else {
            preamble.push(instruction);
        }
    }
    (preamble, stages)
}

impl Stage {
    fn all(&self, keyword: &str) -> impl Iterator<Item = &str> {
        self.body
            .iter()
            .filter(move |i| i.keyword == keyword)
            .map(|i| i.args.as_str())
    }

    fn last(&self, keyword: &str) -> Option<&str> {
        self.all(keyword).last()
    }

    fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.image.clone())
    }
}

fn dockerfile() -> (Vec<Instruction>, Vec<Stage>) {
    parse(&read_text(&deploy("docker/Dockerfile")))
}

/// The stages an image is made of: `prebuilt` (CI) and the last one (the default target).
fn final_stages(stages: &[Stage]) -> Vec<&Stage> {
    let mut finals: Vec<&Stage> = stages
        .iter()
        .filter(|s| s.name.as_deref() == Some("prebuilt"))
        .collect();
    if let Some(last) = stages.last()
        && !finals.iter().any(|s| std::ptr::eq(*s, last))
    {
        finals.push(last);
    }
    finals
}

#[test]
fn prebuilt_is_the_first_stage_and_needs_no_base_image() {
    let (preamble, stages) = dockerfile();
    let mut problems = Problems::default();
    let first = stages.first().expect("the Dockerfile has no FROM");
    problems.check(first.name.as_deref() == Some("prebuilt"), || {
        format!("the first stage is {}, not prebuilt", first.label())
    });
    problems.check(first.image == "scratch", || {
        format!(
            "prebuilt starts FROM {}, which would be pulled",
            first.image
        )
    });
    problems.check(
        first.all("COPY").all(|args| !args.contains("--from")),
        || "prebuilt copies from another stage, so --target prebuilt would build it".to_owned(),
    );
    problems.check(first.all("RUN").next().is_none(), || {
        "prebuilt runs a command, which scratch cannot".to_owned()
    });
    for instruction in &preamble {
        problems.check(instruction.keyword == "ARG", || {
            format!("{} before the first FROM", instruction.keyword)
        });
    }
    problems.finish();
}

#[test]
fn the_default_target_builds_statically_with_the_workspace_toolchain_onto_scratch() {
    let (_, stages) = dockerfile();
    let mut problems = Problems::default();
    let last = stages.last().expect("the Dockerfile has no FROM");
    problems.check(last.image == "scratch", || {
        format!(
            "the last stage ({}) is FROM {}, not scratch",
            last.label(),
            last.image
        )
    });
    problems.check(last.name.as_deref() == Some("runtime"), || {
        format!("the last stage is {}, not runtime", last.label())
    });

    let rust_version = read_text(&repo_root().join("Cargo.toml"))
        .lines()
        .find_map(|l| l.trim().strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .expect("the workspace declares its rust-version");
    let build = stages.iter().find(|s| s.image.starts_with("rust:"));
    let Some(build) = build else {
        problems.add("no stage builds FROM a rust image");
        return problems.finish();
    };
    problems.check(
        build.image == format!("rust:{rust_version}-bookworm"),
        || {
            format!(
                "the build image {} is not rust:{rust_version}-bookworm",
                build.image
            )
        },
    );
    let cargo = build
        .all("RUN")
        .find(|r| r.contains("cargo build"))
        .unwrap_or_default();
    for flag in [
        "--release",
        "--locked",
        "--target x86_64-unknown-linux-gnu",
        "-C target-feature=+crt-static",
    ] {
        problems.check(cargo.contains(flag), || format!("cargo build lacks {flag}"));
    }
    let build_name = build.name.clone().unwrap_or_default();
    problems.check(
        last.all("COPY")
            .any(|c| c.contains(&format!("--from={build_name}"))),
        || format!("the last stage does not copy the binary from {build_name}"),
    );
    problems.finish();
}

#[test]
fn no_stage_declares_a_healthcheck() {
    let (_, stages) = dockerfile();
    for stage in &stages {
        assert!(
            stage.all("HEALTHCHECK").next().is_none(),
            "stage {} declares HEALTHCHECK; orchestrators probe /healthz and /readyz",
            stage.label()
        );
    }
}

#[test]
fn final_stages_run_as_a_numeric_non_root_user_with_a_writable_data_folder() {
    let (_, stages) = dockerfile();
    let mut problems = Problems::default();
    let rootfs_data = deploy("docker/rootfs/data");
    problems.check(rootfs_data.is_dir(), || {
        "deploy/docker/rootfs/data is missing".to_owned()
    });
    for stage in final_stages(&stages) {
        let name = stage.label();
        let user = stage.last("USER").unwrap_or_default();
        let ids: Vec<u32> = user.split(':').filter_map(|p| p.parse().ok()).collect();
        problems.check(ids.len() == 2 && ids.iter().all(|id| *id != 0), || {
            format!("{name}: USER {user:?} is not a numeric non-root uid:gid")
        });
        problems.check(stage.last("WORKDIR") == Some("/"), || {
            format!("{name}: WORKDIR must be / so sqlite://data/bridge.db is /data/bridge.db")
        });
        let chown = format!("--chown={user}");
        problems.check(
            stage
                .all("COPY")
                .any(|c| c.contains(&chown) && c.contains("deploy/docker/rootfs/ /")),
            || format!("{name}: /data is not copied in owned by {user}"),
        );
        let entrypoint = stage.last("ENTRYPOINT").unwrap_or_default();
        problems.check(entrypoint.starts_with('['), || {
            format!("{name}: ENTRYPOINT {entrypoint:?} is not in exec form")
        });
        let exposed = stage.last("EXPOSE").unwrap_or_default();
        let default_port = stage
            .all("ARG")
            .find_map(|a| a.strip_prefix("EXPOSE_PORT="))
            .unwrap_or(exposed);
        problems.check(default_port == contract::DEFAULT_PORT.to_string(), || {
            format!("{name}: exposes {default_port}, the bridge listens on 8080 by default")
        });
    }
    problems.finish();
}

#[test]
fn every_variable_the_image_sets_is_defined() {
    let (_, stages) = dockerfile();
    let mut problems = Problems::default();
    for stage in &stages {
        for env in stage.all("ENV") {
            let name = env.split(['=', ' ']).next().unwrap_or_default();
            problems.check(contract::is_defined(name), || {
                format!(
                    "{}: ENV {name} is not a variable of the contract",
                    stage.label()
                )
            });
        }
    }
    problems.finish();
}

#[test]
fn the_build_context_keeps_what_the_dockerfile_copies() {
    let ignore = read_text(&repo_root().join(".dockerignore"));
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut problems = Problems::default();
    for must in ["target/", ".git"] {
        problems.check(patterns.contains(&must), || {
            format!(".dockerignore does not exclude {must}")
        });
    }
    for pattern in &patterns {
        problems.check(
            !pattern.starts_with("deploy") || pattern.starts_with('!'),
            || format!(".dockerignore excludes {pattern}, which the Dockerfile copies from"),
        );
    }
    problems.finish();
}

#[test]
fn build_prebuilt_knows_every_binary_and_uses_the_prebuilt_target() {
    let script = read_text(&deploy("docker/build-prebuilt.sh"));
    let mut problems = Problems::default();
    let mut binaries: Vec<String> = contract::SERVICES
        .iter()
        .map(|s| files::service_package_name(s.folder))
        .collect();
    binaries.extend(["mock-halo", "mock-contraforce", "demo"].map(str::to_owned));
    let list = script
        .split_once("ALL=(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| {
            list.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    problems.check(list == binaries, || {
        format!("build-prebuilt.sh builds {list:?}, the workspace has {binaries:?}")
    });
    problems.check(script.contains("--target prebuilt"), || {
        "build-prebuilt.sh must build the prebuilt stage".to_owned()
    });
    problems.check(script.contains("+crt-static"), || {
        "build-prebuilt.sh must link statically".to_owned()
    });
    problems.finish();
}

#[test]
fn parser_joins_continued_lines_and_splits_stages() {
    let text = "ARG BIN\n# note\nFROM scratch AS one\nRUN a \\\n  # inside\n  b\n\
                FROM rust:1 AS two\nUSER 1:1\n";
    let (preamble, stages) = parse(text);
    assert_eq!(preamble.len(), 1);
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].name.as_deref(), Some("one"));
    assert_eq!(stages[0].body[0].args, "a b");
    assert_eq!(stages[1].image, "rust:1");
    assert_eq!(stages[1].last("USER"), Some("1:1"));
}
