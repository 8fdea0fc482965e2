//! The paths a Rust source file names: every `use` tree expanded (`use crate::{a, b::{c, d}}` is
//! three paths), and every path written in the code (`crate::storage::Storage::open(…)`,
//! `sqlx::query(…)`), each with its line and the inline modules (`mod tests { … }`) around it.
//! `resolve` turns `crate::`, `self::` and `super::` paths into paths from the crate root.
//! Rough like the lexer, but on the safe side: it is the input of the layering rules, and the
//! unit tests below pin what it must find.

use crate::lexer::{Kind, Token, tokens};

/// A path as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The segments as written: `["super", "super", "domain", "Cases"]`; a glob ends in `"*"`;
    /// `$crate` is `crate`.
    pub segments: Vec<String>,
    pub line: usize,
    /// The inline modules (`mod tests { … }`) the path sits in, outermost first.
    pub inline: Vec<String>,
}

impl Found {
    pub fn first(&self) -> &str {
        &self.segments[0]
    }
}

/// The keywords a path relative to this crate starts with.
const RELATIVE: [&str; 4] = ["crate", "self", "super", "Self"];

pub fn paths(source: &str) -> Vec<Found> {
    let tokens = tokens(source);
    let mut out = Vec::new();
    // Inline modules open, each with the brace depth outside it.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let next = tokens.get(i + 1);
        if token.is_punct('{') {
            depth += 1;
        } else if token.is_punct('}') {
            depth = depth.saturating_sub(1);
            if inline.last().is_some_and(|(_, outside)| *outside == depth) {
                inline.pop();
            }
        } else if token.is_ident("mod")
            && let Some(name) = next.and_then(Token::ident)
            && tokens.get(i + 2).is_some_and(|t| t.is_punct('{'))
        {
            inline.push((name.to_owned(), depth));
            i += 2;
            continue;
        } else if token.is_ident("use")
            && next
                .is_some_and(|t| t.ident().is_some() || t.kind == Kind::PathSep || t.is_punct('{'))
        {
            let scope: Vec<String> = inline.iter().map(|(name, _)| name.clone()).collect();
            let mut trees = Vec::new();
            i = use_tree(&tokens, i + 1, &mut Vec::new(), &mut trees);
            out.extend(trees.into_iter().map(|(segments, line)| Found {
                segments,
                line,
                inline: scope.clone(),
            }));
            continue;
        } else if let Some(first) = path_start(&tokens, i) {
            let mut segments = vec![first];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|t| t.kind == Kind::PathSep)
                && let Some(name) = tokens.get(j + 1).and_then(Token::ident)
            {
                segments.push(name.to_owned());
                j += 2;
            }
            out.push(Found {
                segments,
                line: token.line,
                inline: inline.iter().map(|(name, _)| name.clone()).collect(),
            });
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// If a path starts at `tokens[i]` (an identifier followed by `::` that does not continue a path,
/// and is not in a `pub(in …)` visibility), its first segment.
fn path_start(tokens: &[Token], i: usize) -> Option<String> {
    let name = tokens[i].ident()?;
    if tokens.get(i + 1)?.kind != Kind::PathSep {
        return None;
    }
    let before = i.checked_sub(1).map(|b| &tokens[b]);
    if before.is_some_and(|t| t.is_punct('$')) {
        return (name == "crate").then(|| "crate".to_owned());
    }
    if before.is_some_and(|t| t.is_ident("in"))
        && i.checked_sub(2).is_some_and(|b| tokens[b].is_punct('('))
    {
        return None;
    }
    if let Some(before) = before
        && before.kind == Kind::PathSep
    {
        // `a::b`: `b` continues a path. A leading `::name` (a crate by its name) starts one.
        let continues = i.checked_sub(2).is_some_and(|b| {
            tokens[b].ident().is_some() || tokens[b].is_punct('>') || tokens[b].is_punct(')')
        });
        if continues {
            return None;
        }
    }
    Some(name.to_owned())
}

/// Reads one use tree starting at `tokens[i]` under `prefix`, pushing each path it names (with its
/// line) to `out`; returns the index just past the tree (past the `;` at the top level).
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let depth = prefix.len();
    if tokens.get(i).is_some_and(|t| t.kind == Kind::PathSep) {
        i += 1; // `use ::name::…`: the same path for our purposes.
    }
    // The segments before the leaf: `a::b::` of `a::b::{c, d}`.
    while let Some(name) = tokens.get(i).and_then(Token::ident)
        && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::PathSep)
    {
        prefix.push(name.to_owned());
        i += 2;
    }
    if let Some(token) = tokens.get(i) {
        if let Some(name) = token.ident() {
            // A leaf: `name`, `name as alias`, or `self` for the prefix itself.
            let mut path = prefix.clone();
            if name != "self" || prefix.is_empty() {
                path.push(name.to_owned());
            }
            out.push((path, token.line));
            i += 1;
            if tokens.get(i).is_some_and(|t| t.is_ident("as")) {
                i += 2;
            }
        } else if token.is_punct('*') {
            let mut path = prefix.clone();
            path.push("*".to_owned());
            out.push((path, token.line));
            i += 1;
        } else if token.is_punct('{') {
            i += 1;
            while tokens.get(i).is_some_and(|t| !t.is_punct('}')) {
                if tokens[i].is_punct(',') {
                    i += 1;
                    continue;
                }
                let before = i;
                i = use_tree(tokens, i, prefix, out);
                if i == before {
                    i += 1; // Something unexpected: step over it rather than loop.
                }
            }
            i += 1; // the `}`
        }
    }
    prefix.truncate(depth);
    if depth == 0 && tokens.get(i).is_some_and(|t| t.is_punct(';')) {
        i += 1;
    }
    i
}

/// A `crate::`, `self::` or `super::` path (written in the file of module `module`) as a path
/// from the crate root; `None` for any other path (another crate's, or a name in scope), and for
/// a `super` that climbs above the crate root.
pub fn resolve(module: &[&str], found: &Found) -> Option<Vec<String>> {
    let mut here: Vec<String> = module.iter().map(|s| (*s).to_owned()).collect();
    here.extend(found.inline.iter().cloned());
    let mut rest = found.segments.as_slice();
    match rest.first().map(String::as_str) {
        Some("crate") => return Some(rest[1..].to_vec()),
        Some("self") => rest = &rest[1..],
        Some("super") => {}
        _ => return None,
    }
    while let Some(("super", tail)) = rest.split_first().map(|(s, t)| (s.as_str(), t)) {
        here.pop()?;
        rest = tail;
    }
    here.extend(rest.iter().cloned());
    Some(here)
}

/// The crate a path names by its first segment (`sqlx::query` names `sqlx`), or `None` for a path
/// relative to this crate.
pub fn named_crate(found: &Found) -> Option<&str> {
    let first = found.first();
    (!RELATIVE.contains(&first)).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(source: &str) -> Vec<String> {
        paths(source)
            .iter()
            .map(|f| f.segments.join("::"))
            .collect()
    }

    /// Every path that reaches this crate, from the file of `module`, as `a::b`.
    fn resolved(module: &[&str], source: &str) -> Vec<String> {
        paths(source)
            .iter()
            .filter_map(|f| resolve(module, f))
            .map(|p| p.join("::"))
            .collect()
    }

    #[test]
    fn a_use_group_is_expanded_into_one_path_per_leaf_through_nested_braces() {
        let source = "use crate::{domain, storage::{Storage, items::{self, Row as R}}, model::*};";
        assert_eq!(
            written(source),
            [
                "crate::domain",
                "crate::storage::Storage",
                "crate::storage::items",
                "crate::storage::items::Row",
                "crate::model::*",
            ]
        );
    }

    #[test]
    fn pub_use_and_visibility_modifiers_are_read_like_a_plain_use() {
        let source = "pub use crate::model::actor::Actor;\npub(crate) use super::web::page;";
        assert_eq!(
            resolved(&["http", "items"], source),
            ["model::actor::Actor", "http::web::page"]
        );
    }

    #[test]
    fn super_climbs_from_the_file_module_and_from_mod_rs_to_the_crate_root() {
        let source = "use super::super::storage::Storage;\nuse super::error::Error;";
        assert_eq!(
            resolved(&["http", "items"], source),
            ["storage::Storage", "http::error::Error"]
        );
        // In `http/mod.rs` the file is the module `http` itself: one `super` reaches the root.
        assert_eq!(resolved(&["http"], "use super::web;"), ["web"]);
        // Above the root is no path at all.
        assert!(resolved(&["http"], "use super::super::web;").is_empty());
    }

    #[test]
    fn inline_modules_add_a_level_that_super_climbs_first() {
        let source = "fn f() {}\nmod tests {\n    use super::*;\n    use super::super::web::X;\n    fn g() { if true {} }\n}\nuse self::inner::Y;";
        assert_eq!(
            resolved(&["http"], source),
            ["http::*", "web::X", "http::inner::Y"]
        );
        let lines: Vec<_> = paths(source).iter().map(|f| f.line).collect();
        assert_eq!(lines, [3, 4, 7]);
    }

    #[test]
    fn paths_in_code_are_found_outside_use_items_too() {
        let source = "fn f() -> crate::http::Result<()> {\n    let s = crate::storage::Storage::open(x)?;\n    super::super::domain::cases::submit::<T>(s);\n    Ok(())\n}";
        assert_eq!(
            resolved(&["web", "cases"], source),
            [
                "http::Result",
                "storage::Storage::open",
                "domain::cases::submit"
            ]
        );
    }

    #[test]
    fn paths_in_comments_and_strings_are_not_paths() {
        let source = "//! uses crate::web\n/* crate::http */\nconst S: &str = \"crate::auth::x\";\nlet c = 'x';\nuse crate::model::Actor; // crate::admin";
        assert_eq!(resolved(&["storage"], source), ["model::Actor"]);
    }

    #[test]
    fn visibility_restrictions_and_precise_capturing_are_not_imports() {
        let source = "pub(crate) fn f() {}\npub(super) struct S;\npub(in crate::http) fn g() {}\nfn h() -> impl Sized + use<> {}";
        assert!(resolved(&["http", "items"], source).is_empty());
    }

    #[test]
    fn macro_crate_paths_resolve_like_crate_paths() {
        let source = "macro_rules! m { () => { $crate::model::Actor::new() } }";
        assert_eq!(resolved(&["model", "actor"], source), ["model::Actor::new"]);
    }

    #[test]
    fn other_crates_are_named_by_the_first_segment_of_a_path_and_nothing_else() {
        let source = "use sqlx::{Row, any::AnyRow};\nuse ::axum::Router;\nimpl From<sqlx::Error> for E {}\nuse crate::storage::sqlx::X;\nlet v = Vec::<u8>::new();\n#[derive(sqlx::FromRow)]\nstruct S;";
        let crates: Vec<_> = paths(source)
            .iter()
            .filter_map(|f| named_crate(f).map(|c| (c.to_owned(), f.line)))
            .collect();
        assert_eq!(
            crates,
            [
                ("sqlx".to_owned(), 1),
                ("sqlx".to_owned(), 1),
                ("axum".to_owned(), 2),
                ("sqlx".to_owned(), 3),
                ("Vec".to_owned(), 5),
                ("sqlx".to_owned(), 6),
            ]
        );
    }

    #[test]
    fn a_whole_crate_used_by_its_name_alone_is_named() {
        let found = paths("use wasmtime;\nuse wasmtime_wasi as wasi;");
        let crates: Vec<_> = found.iter().filter_map(named_crate).collect();
        assert_eq!(crates, ["wasmtime", "wasmtime_wasi"]);
    }
}
