//! `cargo xtask docs`: writes `docs/contract.md`, the contract reference for department developers,
//! from the `///` comments of `wit/v0.2.0/` (parsed with `wit-parser`, which keeps them) and the
//! version headings of `wit/CHANGELOG.md`. `--check` regenerates it in memory and fails when the
//! file differs; the `contract_docs` test runs that, so a .wit comment changed without
//! regenerating fails `cargo xtask test`.
//!
//! Everything in the reference comes from the .wit files but the short introduction and the "which
//! functions are called when" paragraph ([`CALLED_WHEN`]), which are written here; the generator
//! refuses to run while that paragraph misses an exported function or a host interface.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use wit_parser::{
    Docs, Function, FunctionKind, Handle, InterfaceId, PackageId, Resolve, SourceMap, Type,
    TypeDefKind, TypeId, TypeOwner, WorldId, WorldItem, WorldKey,
};

/// The contract version documented, relative to the workspace root.
pub const WIT_DIR: &str = "wit/v0.2.0";
/// The generated reference, relative to the workspace root.
pub const OUTPUT: &str = "docs/contract.md";
const CHANGELOG: &str = "wit/CHANGELOG.md";

/// Signatures longer than this put one parameter on a line.
const SIGNATURE_WIDTH: usize = 100;

/// When the host calls what, in one paragraph, from the functions' and interfaces' own docs. Kept
/// honest by [`check_called_when`]: every exported function and every host interface must be named
/// in it (in backquotes).
const CALLED_WHEN: &str = "\
The host calls the item's exports, each on a fresh instance: nothing the item keeps in memory \
survives a call. `describe` is called once when a version is loaded, to read the catalog entry, \
form schema and workflow; it must not call host interfaces. `submit` is called for each new \
application, after the host has checked the form against `form-schema`; it checks registries, \
derives data (points, fees) and answers `accepted` (optionally with an automatic first step) or a \
`submit-error`. `on-action` is called for each staff, citizen, courier or system action on a case \
(the courier's `picked-up` and `delivered` too), after the host has checked the action against the \
workflow; it answers the `transition`. `query` answers an information service (查询), JSON in and \
JSON out. `batch` is called when a staff member starts an operation over many cases in one state \
(the school placement, 统一派位); the host applies each `decision` it returns through the normal \
action path, calling `on-action` on each case. While handling `submit`, `on-action`, `query` and \
`batch`, the item may call the host interfaces it is granted (`records`, `registries`, \
`certificates`, `notify`, `delivery`, `log`); what those calls change takes effect only when the \
item's call succeeds.";

/// `cargo xtask docs [--check]`.
pub fn run(root: &Path, check: bool) -> Result<()> {
    let generated = generate(root)?;
    let path = root.join(OUTPUT);
    let current = match fs::read_to_string(&path) {
        Ok(text) => Some(text.replace("\r\n", "\n")),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    if check {
        return match current {
            Some(current) if current == generated => {
                println!("{OUTPUT} is up to date with {WIT_DIR}");
                Ok(())
            }
            Some(current) => bail!(
                "{OUTPUT} is out of date with {WIT_DIR} ({}): run `cargo xtask docs` and commit \
                 the result; never edit {OUTPUT} by hand",
                first_difference(&current, &generated)
            ),
            None => bail!("{OUTPUT} is missing: run `cargo xtask docs` and commit the result"),
        };
    }
    if current.as_deref() == Some(generated.as_str()) {
        println!("{OUTPUT} is already up to date");
    } else {
        fs::write(&path, &generated).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {OUTPUT} from {WIT_DIR}");
    }
    Ok(())
}

/// The reference as `cargo xtask docs` writes it, for the workspace at `root`.
pub fn generate(root: &Path) -> Result<String> {
    let (resolve, package) = parse_dir(&root.join(WIT_DIR))?;
    let changelog =
        fs::read_to_string(root.join(CHANGELOG)).with_context(|| format!("reading {CHANGELOG}"))?;
    check_called_when(&resolve, package, CALLED_WHEN)?;
    render(&resolve, package, &changelog, CALLED_WHEN)
}

/// The package in `dir`, its `.wit` files read in name order. (`Resolve::push_dir` reads them in
/// the order the file system lists them, and the source positions used to keep the order of the
/// files would then differ between machines.)
pub fn parse_dir(dir: &Path) -> Result<(Resolve, PackageId)> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wit") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut map = SourceMap::default();
    for file in &files {
        map.push_file(file)?;
    }
    let group = map
        .parse()
        .map_err(|(map, err)| anyhow!("{}", err.render(&map)))?;
    let mut resolve = Resolve::default();
    let package = match resolve.push_group(group) {
        Ok(package) => package,
        Err(err) => bail!("{}", resolve.render_error(&err.into())),
    };
    Ok((resolve, package))
}

fn first_difference(current: &str, generated: &str) -> String {
    let mut current_lines = current.lines();
    let mut generated_lines = generated.lines();
    for line in 1.. {
        match (current_lines.next(), generated_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (None, None) => break,
            (a, b) => {
                return format!(
                    "first difference at line {line}: the file has {:?}, the contract gives {:?}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                );
            }
        }
    }
    "the lines are the same; the file's last line ends differently".to_owned()
}

/// Fails when `text` leaves out a function of an exported interface or a host interface.
pub fn check_called_when(resolve: &Resolve, package: PackageId, text: &str) -> Result<()> {
    let named = |name: &str| text.contains(&format!("`{name}`"));
    let mut missing = Vec::new();
    for &id in resolve.packages[package].interfaces.values() {
        let interface = &resolve.interfaces[id];
        match role(resolve, package, id) {
            Role::Export => {
                for function in interface.functions.values() {
                    if !named(function.item_name()) {
                        missing.push(format!("function `{}`", function.item_name()));
                    }
                }
            }
            Role::Host => {
                let name = interface.name.as_deref().unwrap_or_default();
                if !named(name) {
                    missing.push(format!("host interface `{name}`"));
                }
            }
            Role::Types | Role::Unused => {}
        }
    }
    if !missing.is_empty() {
        bail!(
            "the \"which functions are called when\" paragraph (CALLED_WHEN in xtask/src/docs.rs) \
             does not name {}: say when the host calls each",
            missing.join(", ")
        );
    }
    Ok(())
}

/// What an interface is to an item; the reference lists them in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// A world exports it: the item implements it, the host calls it.
    Export,
    /// A world imports it and it has functions: the host implements it, the item calls it.
    Host,
    /// Types only, for the others to `use`.
    Types,
    /// Functions, but no world names it.
    Unused,
}

impl Role {
    fn shown(self) -> &'static str {
        match self {
            Role::Export => "exported by the item; the host calls it",
            Role::Host => "host interface; the item calls it, when granted",
            Role::Types => "types used by the other interfaces",
            Role::Unused => "in no world",
        }
    }
}

fn role(resolve: &Resolve, package: PackageId, id: InterfaceId) -> Role {
    let in_worlds = |exports: bool| {
        resolve.packages[package].worlds.values().any(|&world| {
            let world = &resolve.worlds[world];
            let items = if exports {
                &world.exports
            } else {
                &world.imports
            };
            items
                .values()
                .any(|item| matches!(item, WorldItem::Interface { id: i, .. } if *i == id))
        })
    };
    if in_worlds(true) {
        Role::Export
    } else if resolve.interfaces[id].functions.is_empty() {
        Role::Types
    } else if in_worlds(false) {
        Role::Host
    } else {
        Role::Unused
    }
}

/// An import the parser adds to a world because another of its interfaces `use`s its types,
/// whether or not the source has an `import` line for it: a types-only interface another one in
/// the world depends on.
fn implied_import(resolve: &Resolve, world: WorldId, id: InterfaceId) -> bool {
    let world = &resolve.worlds[world];
    resolve.interfaces[id].functions.is_empty()
        && world
            .imports
            .values()
            .chain(world.exports.values())
            .any(|item| {
                matches!(item, WorldItem::Interface { id: other, .. }
                if *other != id && resolve.interface_direct_deps(*other).any(|dep| dep == id))
            })
}

/// The reference for `package`, with the versions read from `changelog` (which must list the
/// package's version) and `called_when` as the summary paragraph.
pub fn render(
    resolve: &Resolve,
    package: PackageId,
    changelog: &str,
    called_when: &str,
) -> Result<String> {
    let pkg = &resolve.packages[package];
    let name = pkg.name.to_string();
    let mut interfaces: Vec<(Role, InterfaceId)> = pkg
        .interfaces
        .values()
        .map(|&id| (role(resolve, package, id), id))
        .collect();
    // By role, then in the order of the files (sorted by name) and within each file.
    interfaces.sort_by_key(|&(role, id)| (role, span_start(resolve.interfaces[id].span)));

    let mut out = String::new();
    let o = &mut out;
    line(o, &format!("# 合同参考 / Contract reference — {name}"));
    line(o, "");
    line(
        o,
        &format!(
            "> Generated by `cargo xtask docs` from `{WIT_DIR}/` (the `///` comments of its .wit \
             files). Do not edit it by hand: change the comments and run `cargo xtask docs`."
        ),
    );
    line(o, "");
    line(
        o,
        "Every service item (政务服务事项) is a WebAssembly component built against this contract: it \
         exports `item` and may import the host interfaces its grant names. The names are WIT's \
         (kebab-case); your language's bindings spell them their own way, e.g. `on-action` is \
         `onAction` in JavaScript (jco) and `on_action` in Python (componentize-py).",
    );
    line(o, "");

    let version = pkg.name.version.as_ref().map(ToString::to_string);
    versions(o, version.as_deref().unwrap_or_default(), changelog)?;

    line(o, "## Which functions are called when");
    line(o, "");
    line(o, called_when);
    line(o, "");

    let mut worlds: Vec<WorldId> = pkg.worlds.values().copied().collect();
    worlds.sort_by_key(|&world| span_start(resolve.worlds[world].span));
    for world_id in worlds {
        let world = &resolve.worlds[world_id];
        line(o, &format!("## World `{}`", world.name));
        line(o, "");
        docs_block(o, &world.docs);
        line(o, "```wit");
        line(o, &format!("world {} {{", ident(&world.name)));
        for (keyword, items) in [("import", &world.imports), ("export", &world.exports)] {
            for (key, item) in items {
                if let WorldItem::Interface { id, .. } = item
                    && keyword == "import"
                    && implied_import(resolve, world_id, *id)
                {
                    continue;
                }
                line(o, &format!("    {keyword} {};", world_key(resolve, key)));
            }
        }
        line(o, "}");
        line(o, "```");
        line(o, "");
    }

    line(o, "## Interfaces");
    line(o, "");
    for &(role, id) in &interfaces {
        let name = resolve.interfaces[id].name.as_deref().unwrap_or_default();
        line(
            o,
            &format!(
                "- [`{name}`](#interface-{name}) ({}): {}",
                role.shown(),
                first_sentence(&resolve.interfaces[id].docs)
            ),
        );
    }
    line(o, "");

    for &(role, id) in &interfaces {
        interface_section(o, resolve, id, role);
    }
    // One newline at the end of the file.
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

fn versions(o: &mut String, documented: &str, changelog: &str) -> Result<()> {
    let listed: Vec<&str> = changelog
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::trim)
        .filter(|v| v.split('.').count() == 3 && v.split('.').all(|n| n.parse::<u64>().is_ok()))
        .collect();
    if !listed.contains(&documented) {
        bail!("{CHANGELOG} has no `## {documented}` section for the version documented");
    }
    line(o, "## Versions");
    line(o, "");
    line(
        o,
        "Each released version is a folder of its own, never edited after release, and the host \
         serves them side by side. What changed from one to the next: \
         [wit/CHANGELOG.md](../wit/CHANGELOG.md).",
    );
    line(o, "");
    for version in listed {
        let this = if version == documented {
            " (this reference)"
        } else {
            ""
        };
        line(
            o,
            &format!("- {version}: [`wit/v{version}/`](../wit/v{version}/){this}"),
        );
    }
    line(o, "");
    Ok(())
}

/// One thing an interface declares, placed by where it starts in the source.
enum Item<'a> {
    Type(TypeId),
    Function(&'a Function),
}

fn interface_section(o: &mut String, resolve: &Resolve, id: InterfaceId, role: Role) {
    let interface = &resolve.interfaces[id];
    let name = interface.name.as_deref().unwrap_or_default();
    line(o, &format!("## Interface `{name}`"));
    line(o, "");
    line(o, &format!("*{}*", capitalised(role.shown())));
    line(o, "");
    docs_block(o, &interface.docs);

    // `use other.{a, b}`: aliases of another interface's types, listed once, not documented again.
    let mut uses: Vec<(String, Vec<String>)> = Vec::new();
    let mut items = Vec::new();
    for (type_name, &ty) in &interface.types {
        match used_from(resolve, id, ty) {
            Some((from, original)) => {
                let shown = if original == *type_name {
                    ident(type_name)
                } else {
                    format!("{} as {}", ident(&original), ident(type_name))
                };
                match uses.iter_mut().find(|(f, _)| *f == from) {
                    Some((_, names)) => names.push(shown),
                    None => uses.push((from, vec![shown])),
                }
            }
            None => items.push((span_start(resolve.types[ty].span), Item::Type(ty))),
        }
    }
    for function in interface.functions.values() {
        items.push((span_start(function.span), Item::Function(function)));
    }
    items.sort_by_key(|(start, _)| *start);

    for (from, names) in uses {
        line(
            o,
            &format!(
                "Uses `{from}.{{{}}}` (see [`{from}`](#interface-{from})).",
                names.join(", ")
            ),
        );
        line(o, "");
    }
    for (_, item) in items {
        match item {
            Item::Type(ty) => type_section(o, resolve, ty),
            Item::Function(function) => function_section(o, resolve, function),
        }
    }
}

/// For a `use`d type: the interface it comes from and its name there.
fn used_from(resolve: &Resolve, interface: InterfaceId, ty: TypeId) -> Option<(String, String)> {
    let TypeDefKind::Type(Type::Id(target)) = resolve.types[ty].kind else {
        return None;
    };
    let target = &resolve.types[target];
    match target.owner {
        TypeOwner::Interface(owner) if owner != interface => Some((
            resolve.interfaces[owner].name.clone().unwrap_or_default(),
            target.name.clone().unwrap_or_default(),
        )),
        _ => None,
    }
}

fn function_section(o: &mut String, resolve: &Resolve, function: &Function) {
    let shown = match &function.kind {
        FunctionKind::Freestanding | FunctionKind::AsyncFreestanding => {
            function.item_name().to_owned()
        }
        _ => function.name.replace(['[', ']'], " ").trim().to_owned(),
    };
    line(o, &format!("### Function `{shown}`"));
    line(o, "");
    line(o, "```wit");
    line(o, &signature(resolve, function));
    line(o, "```");
    line(o, "");
    docs_block(o, &function.docs);
}

/// The function as WIT declares it: `name: func(a: t) -> r;`, one parameter a line when long.
pub fn signature(resolve: &Resolve, function: &Function) -> String {
    let is_async = matches!(
        function.kind,
        FunctionKind::AsyncFreestanding
            | FunctionKind::AsyncMethod(_)
            | FunctionKind::AsyncStatic(_)
    );
    let head = match function.kind {
        FunctionKind::Constructor(_) => "constructor".to_owned(),
        _ => format!(
            "{}: {}func",
            ident(function.item_name()),
            if is_async { "async " } else { "" }
        ),
    };
    let params: Vec<String> = function
        .params
        .iter()
        .filter(|p| {
            // A method's `self` is implied by the resource it belongs to.
            !(p.name == "self"
                && matches!(
                    function.kind,
                    FunctionKind::Method(_) | FunctionKind::AsyncMethod(_)
                ))
        })
        .map(|p| format!("{}: {}", ident(&p.name), type_name(resolve, &p.ty)))
        .collect();
    let result = match (&function.kind, &function.result) {
        (FunctionKind::Constructor(_), _) | (_, None) => String::new(),
        (_, Some(ty)) => format!(" -> {}", type_name(resolve, ty)),
    };
    let one_line = format!("{head}({}){result};", params.join(", "));
    if one_line.chars().count() <= SIGNATURE_WIDTH || params.is_empty() {
        return one_line;
    }
    let mut lines = format!("{head}(\n");
    for param in &params {
        let _ = writeln!(lines, "    {param},");
    }
    let _ = write!(lines, "){result};");
    lines
}

fn type_section(o: &mut String, resolve: &Resolve, ty: TypeId) {
    let def = &resolve.types[ty];
    let name = def.name.as_deref().unwrap_or_default();
    let kind = match &def.kind {
        TypeDefKind::Type(_) => "type",
        other => other.as_str(),
    };
    line(o, &format!("### {} `{name}`", capitalised(kind)));
    line(o, "");
    docs_block(o, &def.docs);
    match &def.kind {
        TypeDefKind::Record(record) => {
            table(
                o,
                ["Field", "Type", "Description"],
                record.fields.iter().map(|f| {
                    [
                        format!("`{}`", f.name),
                        format!("`{}`", type_name(resolve, &f.ty)),
                        cell(&f.docs),
                    ]
                }),
            );
        }
        TypeDefKind::Variant(variant) => {
            table(
                o,
                ["Case", "Payload", "Description"],
                variant.cases.iter().map(|c| {
                    [
                        format!("`{}`", c.name),
                        c.ty.as_ref()
                            .map(|t| format!("`{}`", type_name(resolve, t)))
                            .unwrap_or_default(),
                        cell(&c.docs),
                    ]
                }),
            );
        }
        TypeDefKind::Enum(enum_) => {
            if enum_.cases.iter().all(|c| c.docs.is_empty()) {
                let cases: Vec<String> = enum_
                    .cases
                    .iter()
                    .map(|c| format!("`{}`", c.name))
                    .collect();
                line(o, &format!("Cases: {}.", cases.join(", ")));
                line(o, "");
            } else {
                table(
                    o,
                    ["Case", "Description"],
                    enum_
                        .cases
                        .iter()
                        .map(|c| [format!("`{}`", c.name), cell(&c.docs)]),
                );
            }
        }
        TypeDefKind::Flags(flags) => {
            table(
                o,
                ["Flag", "Description"],
                flags
                    .flags
                    .iter()
                    .map(|f| [format!("`{}`", f.name), cell(&f.docs)]),
            );
        }
        TypeDefKind::Resource => {}
        _ => {
            line(o, "```wit");
            line(
                o,
                &format!(
                    "type {} = {};",
                    ident(name),
                    anonymous_type(resolve, &def.kind)
                ),
            );
            line(o, "```");
            line(o, "");
        }
    }
}

/// A type as WIT writes it where it is used.
pub fn type_name(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => {
            let def = &resolve.types[*id];
            match &def.name {
                Some(name) => ident(name),
                None => anonymous_type(resolve, &def.kind),
            }
        }
    }
}

fn anonymous_type(resolve: &Resolve, kind: &TypeDefKind) -> String {
    let name = |ty: &Type| type_name(resolve, ty);
    let optional = |ty: &Option<Type>| ty.as_ref().map_or_else(|| "_".to_owned(), name);
    match kind {
        TypeDefKind::Option(ty) => format!("option<{}>", name(ty)),
        TypeDefKind::List(ty) => format!("list<{}>", name(ty)),
        TypeDefKind::FixedLengthList(ty, n) => format!("list<{}, {n}>", name(ty)),
        TypeDefKind::Map(k, v) => format!("map<{}, {}>", name(k), name(v)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (ok, None) => format!("result<{}>", optional(ok)),
            (ok, err) => format!("result<{}, {}>", optional(ok), optional(err)),
        },
        TypeDefKind::Tuple(t) => {
            let types: Vec<String> = t.types.iter().map(name).collect();
            format!("tuple<{}>", types.join(", "))
        }
        TypeDefKind::Handle(Handle::Own(r)) => name(&Type::Id(*r)),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", name(&Type::Id(*r))),
        TypeDefKind::Future(ty) => ty
            .as_ref()
            .map_or_else(|| "future".into(), |t| format!("future<{}>", name(t))),
        TypeDefKind::Stream(ty) => ty
            .as_ref()
            .map_or_else(|| "stream".into(), |t| format!("stream<{}>", name(t))),
        TypeDefKind::Type(ty) => name(ty),
        other => other.as_str().to_owned(),
    }
}

fn world_key(resolve: &Resolve, key: &WorldKey) -> String {
    match key {
        WorldKey::Name(name) => ident(name),
        WorldKey::Interface(id) => resolve.interfaces[*id]
            .name
            .as_deref()
            .map(ident)
            .unwrap_or_default(),
    }
}

/// A name as WIT source writes it: keywords take a `%` (`%from`). `case` is not a keyword of the
/// parser used here but was one of older ones, and the contract's source escapes it.
fn ident(name: &str) -> String {
    const KEYWORDS: &str = "as async bool borrow case char constructor enum error-context export \
         f32 f64 flags from func future import include interface list map option own package \
         record resource result s8 s16 s32 s64 static stream string tuple type u8 u16 u32 u64 use \
         variant with world";
    if KEYWORDS.split_whitespace().any(|keyword| keyword == name) {
        format!("%{name}")
    } else {
        name.to_owned()
    }
}

/// Doc comments as markdown paragraphs, followed by a blank line; nothing when there are none.
fn docs_block(o: &mut String, docs: &Docs) {
    if let Some(text) = docs.contents.as_deref().map(str::trim)
        && !text.is_empty()
    {
        line(o, text);
        line(o, "");
    }
}

/// Doc comments for a table cell: one line, paragraphs kept apart, `|` escaped.
fn cell(docs: &Docs) -> String {
    let text = docs.contents.as_deref().unwrap_or_default().trim();
    text.split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("<br><br>")
        .replace('|', "\\|")
}

/// The first sentence of the docs: up to the first `. ` that does not end an abbreviation
/// (`e.g.`), or the whole first paragraph.
fn first_sentence(docs: &Docs) -> String {
    let text = docs.contents.as_deref().unwrap_or_default().trim();
    let paragraph = text.split("\n\n").next().unwrap_or_default();
    let flat = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = flat.match_indices(". ").map(|(i, _)| i).find(|&i| {
        let before = &flat[..i];
        !before.ends_with("e.g") && !before.ends_with("i.e")
    });
    match end {
        Some(end) => flat[..=end].to_owned(),
        None => flat,
    }
}

fn table<const N: usize>(o: &mut String, head: [&str; N], rows: impl Iterator<Item = [String; N]>) {
    line(o, &format!("| {} |", head.join(" | ")));
    line(o, &format!("|{}", "---|".repeat(N)));
    for row in rows {
        line(o, &format!("| {} |", row.join(" | ")));
    }
    line(o, "");
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Unknown spans (none in parsed source) sort last.
fn span_start(span: wit_parser::Span) -> u32 {
    if span.is_known() {
        span.start()
    } else {
        u32::MAX
    }
}

fn line(o: &mut String, text: &str) {
    o.push_str(text);
    o.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"
package acme:tiny@1.2.0;

/// The tiny export.
interface api {
    use shapes.{point};

    /// Zeroth: makes a point.
    make: func(x: u32, %from: string) -> result<point, string>;

    /// Second: forgets everything.
    forget: func();
}

/// Shapes.
interface shapes {
    /// A place.
    record point {
        /// Across, in millimetres.
        x: u32,
        /// Up, in millimetres.
        y: u32,
        label: option<string>,
    }

    /// How sure.
    enum certainty {
        /// Quite.
        high,
        low,
    }
}

world tiny {
    export api;
}
"#;

    const TINY_CHANGELOG: &str = "# changelog\n\n## 1.2.0\n\n- more\n\n## 1.0.0\n\n- first\n";

    fn tiny() -> (Resolve, PackageId) {
        let mut resolve = Resolve::default();
        let package = resolve
            .push_str("tiny.wit", TINY)
            .expect("the tiny package parses");
        (resolve, package)
    }

    fn rendered() -> String {
        let (resolve, package) = tiny();
        render(&resolve, package, TINY_CHANGELOG, "`make` then `forget`.").unwrap()
    }

    fn position(haystack: &str, needle: &str) -> usize {
        haystack
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from:\n{haystack}"))
    }

    #[test]
    fn a_functions_signature_and_docs_appear() {
        let out = rendered();
        position(&out, "# 合同参考 / Contract reference — acme:tiny@1.2.0");
        let heading = position(&out, "### Function `make`");
        let signature = position(
            &out,
            "```wit\nmake: func(x: u32, %from: string) -> result<point, string>;\n```",
        );
        let docs = position(&out, "Zeroth: makes a point.");
        assert!(heading < signature && signature < docs);
        position(&out, "forget: func();");
    }

    #[test]
    fn a_record_fields_docs_appear_in_its_table() {
        let out = rendered();
        position(
            &out,
            "### Record `point`\n\nA place.\n\n| Field | Type | Description |",
        );
        position(&out, "| `x` | `u32` | Across, in millimetres. |");
        position(&out, "| `label` | `option<string>` |  |");
        position(&out, "| `high` | Quite. |");
    }

    #[test]
    fn the_order_is_the_sources_with_the_export_first() {
        let out = rendered();
        let order = [
            "## Interface `api`",
            "Uses `shapes.{point}`",
            "### Function `make`",
            "### Function `forget`",
            "## Interface `shapes`",
            "### Record `point`",
            "| `x` |",
            "| `y` |",
            "| `label` |",
            "### Enum `certainty`",
        ];
        let positions: Vec<usize> = order.iter().map(|n| position(&out, n)).collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "out of order:\n{out}"
        );
    }

    #[test]
    fn the_versions_come_from_the_changelog_which_must_list_the_package() {
        let out = rendered();
        position(
            &out,
            "- 1.2.0: [`wit/v1.2.0/`](../wit/v1.2.0/) (this reference)\n- 1.0.0:",
        );
        let (resolve, package) = tiny();
        let err = render(&resolve, package, "## 1.0.0\n", "").unwrap_err();
        assert!(err.to_string().contains("## 1.2.0"), "{err}");
    }

    #[test]
    fn the_called_when_paragraph_must_name_every_export() {
        let (resolve, package) = tiny();
        check_called_when(&resolve, package, "`make`, then `forget`").unwrap();
        let err = check_called_when(&resolve, package, "`make` only").unwrap_err();
        assert!(err.to_string().contains("function `forget`"), "{err}");
    }

    #[test]
    fn a_long_signature_takes_a_line_per_parameter() {
        let mut resolve = Resolve::default();
        resolve
            .push_str(
                "long.wit",
                "package a:b; interface i { f: func(first-parameter: list<string>, \
                 second-parameter: option<u64>, third-parameter: tuple<u8, s8>) -> result; }",
            )
            .unwrap();
        let (_, interface) = resolve.interfaces.iter().next().unwrap();
        let function = &interface.functions["f"];
        assert_eq!(
            signature(&resolve, function),
            "f: func(\n    first-parameter: list<string>,\n    second-parameter: option<u64>,\n    \
             third-parameter: tuple<u8, s8>,\n) -> result;"
        );
    }
}
