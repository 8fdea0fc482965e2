//! Rule: the host's top-level modules (the folders and files directly under `host/src`) are
//! layers. Each imports only the modules `ALLOWED` gives it, and no chain of imports comes back
//! to where it started. An import is any `crate::name`, `self::…` or `super::…` path (in a `use`
//! or in the code) that reaches another top-level module.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::host::{Source, library_modules, sources};
use crate::paths::resolve;

/// Any module: for the one that puts everything together.
const ANY: &str = "*";

/// Which top-level module may import which: the target layering, as data to adjust when modules
/// move. A module of the library missing here fails the tests until it gets a row.
const ALLOWED: &[(&str, &[&str])] = &[
    // The plain data every room shares.
    ("model", &[]),
    ("signing", &[]),
    ("telemetry", &[]),
    ("config", &["model"]),
    // Each host interface's checks, over the model's types; no wasmtime.
    ("capabilities", &["model"]),
    // Everything wasmtime.
    ("runtime", &["model", "capabilities"]),
    // All SQL.
    ("storage", &["model"]),
    (
        "domain",
        &["model", "runtime", "storage", "config", "signing"],
    ),
    ("auth", &["model", "storage"]),
    ("outbox", &["model", "storage"]),
    ("watch", &["model", "domain", "storage", "config"]),
    // The CLI's administrative tasks, and the deployment check that only looks.
    ("admin", &["model", "auth", "storage"]),
    ("doctor", &["model", "config", "storage", "runtime"]),
    // The department's kit: templates, builds and fixtures run on the runtime, no server.
    ("kit", &["model", "runtime"]),
    // The JSON API (`http::api`) and the web portal (`http::web`) over the domain, sharing the
    // state, the error, body reading and the extractors in `http` itself.
    (
        "http",
        &["model", "auth", "domain", "storage", "config", "telemetry"],
    ),
    ("startup", &[ANY]),
    // Test-only: the fuzz tests reach into any layer.
    ("fuzz", &[ANY]),
    ("seeded", &[]),
];

/// Test support that any module's tests may import (the seeded proptest config): leaves with no
/// imports of their own, so they cannot close a circle.
const TEST_SUPPORT: &[&str] = &["seeded"];

/// One import of another top-level module, kept with where it is written.
#[derive(Clone, Debug)]
struct Import {
    /// `host/src/http/mod.rs:12`
    place: String,
    /// The path as it reads from the crate root: `web::router`.
    path: String,
}

/// from → to → the imports of `to` written in `from` (at least one).
type Graph = BTreeMap<String, BTreeMap<String, Vec<Import>>>;

fn graph(sources: &[Source], modules: &[String]) -> Graph {
    let mut graph = Graph::new();
    for module in modules {
        graph.entry(module.clone()).or_default();
    }
    for source in sources {
        let Some(from) = source.top() else { continue };
        if !modules.iter().any(|m| m == from) {
            continue; // the binary's own modules (`cli_client`) are another crate
        }
        let module = source.module();
        for found in source.paths() {
            let Some(path) = resolve(&module, &found) else {
                continue;
            };
            let Some(to) = path.first() else { continue };
            if to == from || !modules.contains(to) {
                continue;
            }
            graph
                .entry(from.to_owned())
                .or_default()
                .entry(to.clone())
                .or_default()
                .push(Import {
                    place: format!("{}:{}", source.shown, found.line),
                    path: path.join("::"),
                });
        }
    }
    graph
}

fn host_graph() -> (Graph, Vec<String>) {
    let sources = sources();
    let modules = library_modules(&sources);
    (graph(&sources, &modules), modules)
}

/// The strongly connected components with more than one module (Tarjan's algorithm).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found.sort();
    state.found
}

/// The shortest way from `start` back to itself inside `within`: `[start, …, start]`.
fn shortest_cycle(
    edges: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    within: &[String],
) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in edges.get(v).into_iter().flatten() {
            if !within.contains(w) {
                continue;
            }
            if w == start {
                let mut cycle = Vec::new();
                let mut at = v;
                while at != start {
                    cycle.push(at.to_owned());
                    at = came_from[at];
                }
                cycle.push(start.to_owned());
                cycle.reverse();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if !came_from.contains_key(w.as_str()) && w != start {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    None
}

fn edge_sets(graph: &Graph) -> BTreeMap<String, BTreeSet<String>> {
    graph
        .iter()
        .map(|(from, to)| (from.clone(), to.keys().cloned().collect()))
        .collect()
}

fn describe_cycles(graph: &Graph) -> Vec<String> {
    let edges = edge_sets(graph);
    let mut lines = Vec::new();
    for component in circles(&edges) {
        lines.push(format!("modules in one circle: {}", component.join(", ")));
        let mut seen = BTreeSet::new();
        for start in &component {
            let Some(cycle) = shortest_cycle(&edges, start, &component) else {
                continue;
            };
            let mut key: Vec<_> = cycle[1..].to_vec();
            key.sort();
            if !seen.insert(key) {
                continue;
            }
            lines.push(format!("  {}", cycle.join(" → ")));
            for pair in cycle.windows(2) {
                let imports = &graph[&pair[0]][&pair[1]];
                let mut places: Vec<&str> = imports.iter().map(|i| i.place.as_str()).collect();
                places.dedup();
                let more = places.len() - 1;
                lines.push(format!(
                    "    {} → {}: {} (crate::{}){}",
                    pair[0],
                    pair[1],
                    places[0],
                    imports[0].path,
                    more_places(more)
                ));
            }
        }
    }
    lines
}

fn more_places(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " and 1 more place".to_owned(),
        n => format!(" and {n} more places"),
    }
}

#[test]
fn the_host_modules_import_each_other_without_a_circle() {
    let (graph, _) = host_graph();
    let cycles = describe_cycles(&graph);
    assert!(
        cycles.is_empty(),
        "the host's top-level modules import each other in a circle (rule: the modules under \
         host/src are layers; a lower one never imports a higher one). Break each circle by \
         moving what both sides need into the lower module (or into model/), or by passing it \
         in from startup:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn each_host_module_imports_only_the_modules_the_layering_table_allows() {
    let (graph, _) = host_graph();
    let mut problems = Vec::new();
    for (from, imports) in &graph {
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| m == from) else {
            problems.push(format!(
                "host/src/{from} is not in ALLOWED (xtask/tests/tidy/layers.rs): add a row \
                 saying which modules it may import"
            ));
            continue;
        };
        if allowed.contains(&ANY) {
            continue;
        }
        for (to, at) in imports {
            if allowed.contains(&to.as_str()) || TEST_SUPPORT.contains(&to.as_str()) {
                continue;
            }
            let mut places: Vec<&str> = at.iter().map(|i| i.place.as_str()).collect();
            places.dedup();
            problems.push(format!(
                "{from} imports {to} (crate::{} at {}{}), but {from} may import only [{}]: move \
                 what it needs down a layer, or change ALLOWED if the layering itself changed",
                at[0].path,
                places[..places.len().min(3)].join(", "),
                more_places(places.len().saturating_sub(3)),
                allowed.join(", ")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the host's modules break the layering (rule: each top-level module under host/src \
         imports only what ALLOWED in xtask/tests/tidy/layers.rs gives it):\n  {}",
        problems.join("\n  ")
    );
}

/// The two children of `http` that must not know each other: what they share is their parent's.
const SIBLINGS: [&str; 2] = ["api", "web"];

#[test]
fn the_api_and_the_web_never_import_each_other() {
    let mut problems = Vec::new();
    for source in sources() {
        let module = source.module();
        let (Some(&"http"), Some(&child)) = (module.first(), module.get(1)) else {
            continue;
        };
        if !SIBLINGS.contains(&child) {
            continue;
        }
        for found in source.paths() {
            let Some(path) = resolve(&module, &found) else {
                continue;
            };
            if let [top, other, ..] = path.as_slice()
                && top == "http"
                && other != child
                && SIBLINGS.contains(&other.as_str())
            {
                problems.push(format!(
                    "{}:{} (http::{child}) imports `{}`: what the API and the web share belongs \
                     in `http` itself (its mod.rs or a file beside it), not in either child",
                    source.shown,
                    found.line,
                    path.join("::")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_layering_table_names_existing_modules_and_has_no_circle_of_its_own() {
    let (_, modules) = host_graph();
    let gone: Vec<_> = ALLOWED
        .iter()
        .flat_map(|(from, to)| std::iter::once(from).chain(to.iter()))
        .chain(TEST_SUPPORT)
        .filter(|m| **m != ANY && !modules.iter().any(|x| x == *m))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        gone.is_empty(),
        "ALLOWED (xtask/tests/tidy/layers.rs) names modules that are not in host/src/lib.rs: \
         {gone:?}; rename or remove them there"
    );
    for support in TEST_SUPPORT {
        assert!(
            ALLOWED.iter().any(|(m, to)| m == support && to.is_empty()),
            "TEST_SUPPORT (xtask/tests/tidy/layers.rs) names {support}, which may import other \
             modules: test support any module imports must be a leaf, or it could close a circle"
        );
    }
    let edges: BTreeMap<String, BTreeSet<String>> = ALLOWED
        .iter()
        .filter(|(_, to)| !to.contains(&ANY))
        .map(|(from, to)| {
            let to = to.iter().map(|t| (*t).to_owned()).collect();
            ((*from).to_owned(), to)
        })
        .collect();
    let circles = circles(&edges);
    assert!(
        circles.is_empty(),
        "ALLOWED (xtask/tests/tidy/layers.rs) lets modules import each other in a circle: \
         {circles:?}; a layering has one direction"
    );
}

/// The checks above pass on an empty graph; this one fails if the reader stops seeing imports.
#[test]
fn the_import_reader_sees_the_host_s_known_imports() {
    let (graph, modules) = host_graph();
    for module in ["model", "storage", "domain", "http", "runtime", "startup"] {
        assert!(
            modules.iter().any(|m| m == module),
            "host/src/lib.rs declares no `mod {module};` as read by xtask/tests/tidy/host.rs: \
             is the reader broken, or did the module move? Update this test if it moved"
        );
    }
    for (from, to) in [
        ("storage", "model"),
        ("domain", "storage"),
        ("startup", "http"),
    ] {
        assert!(
            graph[from].contains_key(to),
            "the tidy reader found no import of {to} in host/src/{from}, which has always had \
             one: the reader in xtask/tests/tidy/paths.rs is probably broken"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(pairs: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            edges
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
            edges.entry((*to).to_owned()).or_default();
        }
        edges
    }

    #[test]
    fn a_circle_is_found_with_its_members_and_a_layered_graph_has_none() {
        let e = edges(&[
            ("http", "web"),
            ("web", "auth"),
            ("auth", "http"),
            ("http", "model"),
        ]);
        assert_eq!(circles(&e), [["auth", "http", "web"]]);
        assert_eq!(
            shortest_cycle(&e, "http", &circles(&e)[0]).unwrap(),
            ["http", "web", "auth", "http"]
        );
        let layered = edges(&[("http", "domain"), ("domain", "model"), ("http", "model")]);
        assert!(circles(&layered).is_empty());
    }

    #[test]
    fn a_graph_is_built_from_the_files_imports_by_top_level_module() {
        let source = |relative: &str, text: &str| Source {
            shown: format!("host/src/{relative}"),
            relative: relative.to_owned(),
            text: text.to_owned(),
            module: crate::host::module_of(relative),
        };
        let sources = [
            source("http/mod.rs", "use super::web::page;\nuse self::items::X;"),
            source("web/page.rs", "fn f() { crate::http::Error::x() }"),
            source("model/mod.rs", "use crate::{model::actor, nothing::here};"),
        ];
        let modules: Vec<String> = ["http", "web", "model"].map(str::to_owned).to_vec();
        let graph = graph(&sources, &modules);
        assert_eq!(graph["http"].keys().collect::<Vec<_>>(), ["web"]);
        assert_eq!(graph["http"]["web"][0].place, "host/src/http/mod.rs:1");
        assert_eq!(graph["web"].keys().collect::<Vec<_>>(), ["http"]);
        assert!(graph["model"].is_empty());
        let cycles = describe_cycles(&graph);
        assert_eq!(cycles[0], "modules in one circle: http, web");
        assert_eq!(cycles[1], "  http → web → http");
    }
}
