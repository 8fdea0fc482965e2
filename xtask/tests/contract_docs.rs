//! `docs/contract.md` is generated from the comments of `wit/v0.2.0` and must match them: this runs
//! `cargo xtask docs --check` (the xtask binary cargo has built for this test), which regenerates
//! the reference in memory and fails when the file differs.

use std::process::Command;

#[test]
fn the_contract_reference_is_generated_from_the_current_wit() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["docs", "--check"])
        .output()
        .expect("running the xtask binary");
    assert!(
        output.status.success(),
        "`cargo xtask docs --check` failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
