//! Rule: no source file in `host/src` is over 600 lines. A file that long holds more than one
//! thing; split it by what each part is for (as `storage/` was: `items.rs`, `certificates.rs`,
//! `effects.rs`, the item tests beside `items.rs`).

use crate::host::sources;

const MAX_LINES: usize = 600;

#[test]
fn no_host_source_file_is_over_600_lines() {
    let too_long: Vec<String> = sources()
        .iter()
        .map(|s| (s.shown.as_str(), s.text.lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(shown, lines)| format!("{shown}: {lines} lines"))
        .collect();
    assert!(
        too_long.is_empty(),
        "source files over {MAX_LINES} lines (rule: no file in host/src is over {MAX_LINES}; \
         split each by what its parts are for, tests beside it in a file of their own if need \
         be):\n  {}",
        too_long.join("\n  ")
    );
}
