//! Holds the consistency tests of `deploy/` (see `tests/consistency.rs`): every artefact
//! there is parsed and checked against the contract's routes, ports and settings. The
//! library itself is empty; nothing here ships.
