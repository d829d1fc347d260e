//! What goes wrong when reading the settings: every problem, by variable name,
//! reported together so an operator fixes them in one pass. Never carries a
//! secret's value.

use std::fmt;

/// One variable's problem: `NAME: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The variable, upper case as in the environment (`CONFIG_FILE` for the file itself).
    pub variable: String,
    /// What is wrong, e.g. `required` or `expected an integer, got "abc"`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

/// Every problem found in one reading of the settings, sorted by variable name.
/// `Display` prints one problem per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SettingsError {
    problems: Vec<Problem>,
}

impl SettingsError {
    pub(crate) fn new(mut problems: Vec<Problem>) -> Self {
        // Stable, so several problems of one variable keep the order they were found in.
        problems.sort_by(|a, b| a.variable.cmp(&b.variable));
        Self { problems }
    }

    /// The problems, sorted by variable name.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The names of the variables with a problem, sorted, without repeats.
    pub fn variables(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.problems.iter().map(|p| p.variable.as_str()).collect();
        names.dedup();
        names
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}
