//! `soak`: the fault soak (see `docs/soak.md`).

fn main() {}
