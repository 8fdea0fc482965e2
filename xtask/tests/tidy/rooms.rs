//! Rule: some crates belong to one room of the host. Only `runtime/` knows wasmtime, only
//! `storage/` has SQL (sqlx and rusqlite), only `http/` (and `startup.rs`, which serves it) speaks axum. A file
//! elsewhere that names such a crate fails, unless `KNOWN_VIOLATIONS` lists it with its way out;
//! a listed violation that is gone fails too, so the list only shrinks.

use std::collections::BTreeMap;

use crate::host::sources;
use crate::paths::named_crate;

/// Each guarded crate (by the name code writes: `wasmtime_wasi`, not `wasmtime-wasi`) and the
/// paths under `host/src` that may name it: a folder ends in `/`, a file is named whole.
const ROOMS: &[(&str, &[&str])] = &[
    ("wasmtime", &["runtime/"]),
    ("wasmtime_wasi", &["runtime/"]),
    ("sqlx", &["storage/"]),
    ("rusqlite", &["storage/"]),
    ("axum", &["http/", "startup.rs"]),
];

/// Files (or folders, ending in `/`) that name a crate outside its room today: violations to
/// remove, not permissions. Each says why it is there and what removes it.
const KNOWN_VIOLATIONS: &[(&str, &str, &str)] = &[];

fn inside(relative: &str, room: &str) -> bool {
    if room.ends_with('/') {
        relative.starts_with(room)
    } else {
        relative == room
    }
}

#[test]
fn wasmtime_sqlx_and_axum_are_named_only_inside_their_rooms() {
    let mut new = Vec::new();
    // (crate, known entry) → where it is seen today.
    let mut known: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for source in sources() {
        // The first line per crate is enough to point at the file.
        let mut named: BTreeMap<&str, usize> = BTreeMap::new();
        let found = source.paths();
        for path in &found {
            if let Some(name) = named_crate(path)
                && let Some(&(guarded, _)) = ROOMS.iter().find(|(c, _)| *c == name)
            {
                named.entry(guarded).or_insert(path.line);
            }
        }
        for (name, line) in named {
            let rooms = ROOMS.iter().find(|(c, _)| *c == name).expect("guarded").1;
            if rooms.iter().any(|room| inside(&source.relative, room)) {
                continue;
            }
            let place = format!("{}:{line}", source.shown);
            match KNOWN_VIOLATIONS
                .iter()
                .find(|(c, at, _)| *c == name && inside(&source.relative, at))
            {
                Some((_, at, _)) => known.entry((name, at)).or_default().push(place),
                None => new.push(format!(
                    "{place} names the crate `{name}`, which only {} may name: move this code \
                     there and call it through that room's own types",
                    shown_rooms(rooms)
                )),
            }
        }
    }

    let mut stale = Vec::new();
    for (name, at, why) in KNOWN_VIOLATIONS {
        match known.get(&(*name, *at)) {
            Some(places) => eprintln!(
                "tidy: known violation, still to remove: {} in host/src/{at} ({}): {why}",
                name,
                places.join(", ")
            ),
            None => stale.push(format!(
                "KNOWN_VIOLATIONS lists `{name}` in host/src/{at}, which no longer names it: \
                 remove that entry (xtask/tests/tidy/rooms.rs) so it cannot come back unnoticed"
            )),
        }
    }

    let problems: Vec<String> = new.into_iter().chain(stale).collect();
    assert!(
        problems.is_empty(),
        "the crate rooms are broken (rule: only host/src/runtime/ knows wasmtime, only \
         host/src/storage/ has SQL, only host/src/http/ and startup.rs speak axum):\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_room_and_known_violation_names_a_path_that_exists() {
    let sources = sources();
    let exists = |at: &str| sources.iter().any(|s| inside(&s.relative, at));
    let missing: Vec<String> = ROOMS
        .iter()
        .flat_map(|(_, rooms)| rooms.iter())
        .chain(KNOWN_VIOLATIONS.iter().map(|(_, at, _)| at))
        .filter(|at| !exists(at))
        .map(|at| format!("host/src/{at}"))
        .collect();
    assert!(
        missing.is_empty(),
        "xtask/tests/tidy/rooms.rs names paths that hold no source file: {}; update ROOMS or \
         KNOWN_VIOLATIONS to where the code moved",
        missing.join(", ")
    );
}

/// The rule above passes when nothing is read; this fails if the reader stops seeing the crates.
#[test]
fn the_crate_reader_sees_each_guarded_crate_in_its_own_room() {
    let sources = sources();
    for (name, rooms) in ROOMS {
        let seen = sources
            .iter()
            .filter(|s| rooms.iter().any(|room| inside(&s.relative, room)))
            .flat_map(|s| s.paths())
            .any(|path| named_crate(&path) == Some(*name));
        assert!(
            seen,
            "the tidy reader found no use of `{name}` in {}, its own room: the reader in \
             xtask/tests/tidy/paths.rs is probably broken (or the crate is gone: then drop it \
             from ROOMS)",
            shown_rooms(rooms)
        );
    }
}

fn shown_rooms(rooms: &[&str]) -> String {
    rooms
        .iter()
        .map(|room| format!("host/src/{room}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_is_a_folder_prefix_or_one_whole_file() {
        assert!(inside("http/items.rs", "http/"));
        assert!(inside("startup.rs", "startup.rs"));
        assert!(!inside("httpish.rs", "http/"));
        assert!(!inside("web/startup.rs", "startup.rs"));
    }
}
