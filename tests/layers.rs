//! The module layers hold: no lower layer imports a higher one, and no module cycle exists at the
//! top level (`crate::auth` ...) or between the files of one top module (`import::plan` ...).
//!
//! Reads every `src/**/*.rs`, drops comments, string literals and `#[cfg(test)]` items, and collects
//! `crate::…`, `super::…`, `self::…` and child-module (`parse::…` inside `import/mod.rs`) paths.
//! A top module's `mod.rs` is a node of its own (`import::(mod)`); the names it re-exports with
//! `pub use child::Name` resolve to the child that defines them. The README's `## Layout` shows the
//! same table.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Bottom to top; a module may use only modules on its own row or lower rows, and the rows are
/// one module each, so the order is total. `main` is the binary, which reaches the library as
/// `roster::…`.
const LAYERS: &[&str] = &[
    "domain", "db", "mail", "auth", "import", "cli", "config", "web", "commands", "main",
];

/// The crate root (`lib.rs`) holds constants only; every layer may read them.
const ROOT: &str = "(root)";
const MOD_RS: &str = "(mod)";

/// One `src` file as the checker sees it.
struct Source {
    /// Path below `src/`, with `/` separators: `import/plan.rs`.
    path: String,
    text: String,
}

/// Where an edge was first seen, for the failure message.
#[derive(Clone)]
struct Evidence {
    file: String,
    line: usize,
}

#[derive(Default)]
struct Graph {
    /// Top-level module edges, `auth -> db`.
    top: BTreeMap<(String, String), Evidence>,
    /// Edges between the files of one top module, keyed by that module: `import: plan -> rules`.
    second: BTreeMap<String, BTreeMap<(String, String), Evidence>>,
}

#[test]
fn lower_layers_never_import_higher_ones_and_no_module_cycle_exists() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    collect_sources(&src, &src, &mut sources);
    assert!(
        sources.len() > 50,
        "found only {} files under src/",
        sources.len()
    );
    let graph = build_graph(&sources);
    println!("{}", describe(&graph));
    let problems = check(&graph);
    assert!(
        problems.is_empty(),
        "module layering is broken:\n{}\n\n(layers, bottom to top: {})",
        problems.join("\n"),
        LAYERS.join(" < ")
    );
}

/// The checker itself can fail: an upward import, a top-level cycle and a cycle between two
/// files of one module are each reported, naming the file and line.
#[test]
fn the_checker_reports_upward_imports_and_cycles() {
    let files = [
        ("db/mod.rs", "pub mod users;\npub mod ous;\n"),
        (
            "db/users.rs",
            "use super::ous::Unit;\nuse crate::web::Page;\n",
        ),
        (
            "db/ous.rs",
            "// crate::web::Ignored\nuse crate::db::users::User;\n",
        ),
        (
            "web/mod.rs",
            "use crate::db::users::User;\n#[cfg(test)]\nmod tests { use crate::commands::X; }\n",
        ),
        ("commands/mod.rs", "use crate::web::serve;\n"),
    ];
    let sources: Vec<Source> = files
        .iter()
        .map(|(path, text)| Source {
            path: path.to_string(),
            text: text.to_string(),
        })
        .collect();
    let problems = check(&build_graph(&sources)).join("\n");
    assert!(
        problems.contains("db -> web (db/users.rs:2)"),
        "upward import not reported:\n{problems}"
    );
    assert!(
        problems.contains("cycle between top-level modules: db -> web -> db"),
        "top-level cycle not reported:\n{problems}"
    );
    assert!(
        problems.contains("cycle inside db: ous -> users -> ous"),
        "second-level cycle not reported:\n{problems}"
    );
    assert!(
        !problems.contains("commands"),
        "a #[cfg(test)] item was counted:\n{problems}"
    );
    assert!(
        !problems.contains("Ignored"),
        "a comment was counted:\n{problems}"
    );
}

fn collect_sources(root: &Path, dir: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_sources(root, &path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root).expect("below src");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push(Source {
                path: relative.to_string_lossy().replace('\\', "/"),
                text,
            });
        }
    }
}

/// `import/plan.rs` -> `[import, plan]`; `import/mod.rs` -> `[import]`; `lib.rs` -> `[]`.
fn module_path(file: &str) -> Vec<String> {
    if file == "main.rs" {
        return vec!["main".to_string()];
    }
    let stem = file.strip_suffix(".rs").expect("a .rs file");
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn build_graph(sources: &[Source]) -> Graph {
    let cleaned: Vec<(Vec<String>, String, BTreeSet<String>)> = sources
        .iter()
        .map(|source| {
            let (text, test_children) = drop_test_items(&blank_comments_and_literals(&source.text));
            (module_path(&source.path), text, test_children)
        })
        .collect();
    // Modules declared under #[cfg(test)] (`mod tests;`) and everything below them.
    let test_modules: Vec<Vec<String>> = cleaned
        .iter()
        .flat_map(|(module, _, children)| {
            children.iter().map(move |child| {
                let mut path = module.clone();
                path.push(child.clone());
                path
            })
        })
        .collect();
    let is_test = |module: &[String]| test_modules.iter().any(|t| module.starts_with(t));

    let tops: BTreeSet<String> = cleaned
        .iter()
        .filter_map(|(module, _, _)| module.first().cloned())
        .collect();
    let mut children: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (module, _, _) in &cleaned {
        if module.len() >= 2 {
            children
                .entry(module[0].clone())
                .or_default()
                .insert(module[1].clone());
        }
    }
    // `pub use child::Name` in a top module's mod.rs: Name -> child.
    let mut reexports: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut texts = Vec::new();
    for (module, text, _) in &cleaned {
        if module.len() == 1 {
            let own = children.get(&module[0]).cloned().unwrap_or_default();
            let (text, found) = take_reexports(text, module, &own);
            reexports.insert(module[0].clone(), found);
            texts.push(text);
        } else {
            texts.push(text.clone());
        }
    }

    let mut graph = Graph::default();
    for ((module, _, _), (text, source)) in cleaned.iter().zip(texts.iter().zip(sources)) {
        if module.is_empty() || is_test(module) {
            continue;
        }
        let own_children = if module.len() == 1 {
            children.get(&module[0]).cloned().unwrap_or_default()
        } else {
            declared_children(text)
        };
        for (target, line) in references(text, module, &own_children) {
            let evidence = Evidence {
                file: source.path.clone(),
                line,
            };
            let from_top = module[0].clone();
            let to_top = if tops.contains(&target[0]) && target[0] != "main" {
                target[0].clone()
            } else {
                ROOT.to_string()
            };
            if to_top == ROOT {
                continue;
            }
            if from_top != to_top {
                graph.top.entry((from_top, to_top)).or_insert(evidence);
                continue;
            }
            let from_second = module.get(1).cloned().unwrap_or_else(|| MOD_RS.to_string());
            let to_second = match target.get(1) {
                Some(name) if children.get(&to_top).is_some_and(|c| c.contains(name)) => {
                    name.clone()
                }
                Some(name) => reexports
                    .get(&to_top)
                    .and_then(|names| names.get(name))
                    .cloned()
                    .unwrap_or_else(|| MOD_RS.to_string()),
                None => MOD_RS.to_string(),
            };
            if from_second != to_second {
                graph
                    .second
                    .entry(to_top)
                    .or_default()
                    .entry((from_second, to_second))
                    .or_insert(evidence);
            }
        }
    }
    graph
}

/// Every problem, one line each: upward imports first, then cycles.
fn check(graph: &Graph) -> Vec<String> {
    let rank = |module: &str| LAYERS.iter().position(|layer| *layer == module);
    let mut problems = Vec::new();
    for ((from, to), evidence) in &graph.top {
        match (rank(from), rank(to)) {
            (Some(low), Some(high)) if low < high => problems.push(format!(
                "lower layer imports a higher one: {from} -> {to} ({}:{})",
                evidence.file, evidence.line
            )),
            (None, _) => problems.push(format!(
                "module {from} is missing from the layer table ({}:{})",
                evidence.file, evidence.line
            )),
            (_, None) => problems.push(format!(
                "module {to} is missing from the layer table ({}:{})",
                evidence.file, evidence.line
            )),
            _ => {}
        }
    }
    for cycle in cycles(&graph.top) {
        problems.push(format!(
            "cycle between top-level modules: {}",
            describe_cycle(&cycle, &graph.top)
        ));
    }
    for (top, edges) in &graph.second {
        for cycle in cycles(edges) {
            problems.push(format!(
                "cycle inside {top}: {}",
                describe_cycle(&cycle, edges)
            ));
        }
    }
    problems
}

/// `a -> b -> a (a.rs:3, b.rs:9)`.
fn describe_cycle(cycle: &[String], edges: &BTreeMap<(String, String), Evidence>) -> String {
    let mut names = cycle.to_vec();
    names.push(cycle[0].clone());
    let places: Vec<String> = names
        .windows(2)
        .map(|pair| {
            let evidence = &edges[&(pair[0].clone(), pair[1].clone())];
            format!("{}:{}", evidence.file, evidence.line)
        })
        .collect();
    format!("{} ({})", names.join(" -> "), places.join(", "))
}

/// One cycle per strongly connected component with more than one node, as a path starting at
/// the component's smallest name.
fn cycles(edges: &BTreeMap<(String, String), Evidence>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
        next.entry(to).or_default();
    }
    let reaches = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &after in &next[node] {
                if seen.insert(after) {
                    stack.push(after);
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&str, BTreeSet<&str>> =
        next.keys().map(|&node| (node, reaches(node))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for &node in next.keys() {
        if done.contains(node) || !reach[node].contains(node) {
            continue;
        }
        let component: BTreeSet<&str> = reach[node]
            .iter()
            .copied()
            .filter(|other| reach[other].contains(node))
            .collect();
        done.extend(component.iter().copied());
        found.push(shortest_cycle(node, &next, &component));
    }
    found
}

/// Breadth-first from `start` back to itself inside its component.
fn shortest_cycle(
    start: &str,
    next: &BTreeMap<&str, Vec<&str>>,
    component: &BTreeSet<&str>,
) -> Vec<String> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &after in &next[node] {
            if !component.contains(after) {
                continue;
            }
            if after == start {
                let mut path = vec![node.to_string()];
                let mut at = node;
                while at != start {
                    at = parent[at];
                    path.push(at.to_string());
                }
                path.reverse();
                return path;
            }
            if !parent.contains_key(after) {
                parent.insert(after, node);
                queue.push_back(after);
            }
        }
    }
    unreachable!("{start} is in a cycle")
}

fn describe(graph: &Graph) -> String {
    let mut out = String::from("top-level edges:\n");
    for (from, to) in graph.top.keys() {
        out.push_str(&format!("  {from} -> {to}\n"));
    }
    for (top, edges) in &graph.second {
        out.push_str(&format!("inside {top}:\n"));
        for (from, to) in edges.keys() {
            out.push_str(&format!("  {from} -> {to}\n"));
        }
    }
    out
}

/// Comments become spaces and literal contents become spaces; newlines stay, so line numbers hold.
fn blank_comments_and_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // Raw string r"…" or r#"…"#.
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('"');
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
                    out.push('"');
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), otherwise a lifetime.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                out.push_str(&" ".repeat(j + 1 - i));
                i = j + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                out.push_str("   ");
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Blanks every item carrying `#[cfg(test)]` and returns the names of the `mod x;` among them.
fn drop_test_items(text: &str) -> (String, BTreeSet<String>) {
    let mut chars: Vec<char> = text.chars().collect();
    let mut test_children = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '#' {
            i += 1;
            continue;
        }
        let Some(end) = attribute_end(&chars, i) else {
            i += 1;
            continue;
        };
        let attribute: String = chars[i..end]
            .iter()
            .filter(|c| !c.is_whitespace())
            .collect();
        let inner = attribute.starts_with("#!");
        if !(attribute.ends_with("[cfg(test)]")) {
            i = end;
            continue;
        }
        if inner {
            // `#![cfg(test)]`: the whole file is test code.
            return (String::new(), test_children);
        }
        let item_end = item_end(&chars, end);
        let item: String = chars[end..item_end].iter().collect();
        let words: Vec<&str> = item
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let after_visibility: Vec<&str> = words
            .iter()
            .copied()
            .skip_while(|w| matches!(*w, "pub" | "crate" | "super" | "in" | "self"))
            .collect();
        if item.trim_end().ends_with(';')
            && after_visibility.first() == Some(&"mod")
            && let Some(name) = after_visibility.get(1)
        {
            test_children.insert(name.to_string());
        }
        for c in &mut chars[i..item_end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = item_end;
    }
    (chars.into_iter().collect(), test_children)
}

/// `#[…]` or `#![…]` starting at `start`: the index just past the closing bracket.
fn attribute_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if chars.get(i) == Some(&'!') {
        i += 1;
    }
    if chars.get(i) != Some(&'[') {
        return None;
    }
    let mut depth = 0;
    while i < chars.len() {
        match chars[i] {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The end of the item starting at `start`: its `;` or its closing brace, attributes included.
fn item_end(chars: &[char], start: usize) -> usize {
    let mut i = start;
    let mut depth = 0usize;
    while i < chars.len() {
        match chars[i] {
            '#' if depth == 0 => {
                if let Some(end) = attribute_end(chars, i) {
                    i = end;
                    continue;
                }
            }
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            ';' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// The `mod x;` declarations of a file (its child modules).
fn declared_children(text: &str) -> BTreeSet<String> {
    let words = words_with_positions(text);
    words
        .windows(3)
        .filter(|w| w[0].1 == "mod" && text[w[2].0..].starts_with(';'))
        .map(|w| w[1].1.to_string())
        .collect()
}

fn words_with_positions(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let is_word = c.is_alphanumeric() || c == '_';
        match (is_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, &text[s..]));
    }
    // The third element of each window needs the position after the name; push a sentinel.
    words.push((text.len(), ""));
    words
}

/// Removes `pub use child::…;` statements from a top module's mod.rs and maps each re-exported
/// name to the child that defines it.
fn take_reexports(
    text: &str,
    module: &[String],
    children: &BTreeSet<String>,
) -> (String, HashMap<String, String>) {
    let mut out = text.to_string();
    let mut found = HashMap::new();
    let mut search = 0;
    while let Some(offset) = out[search..].find("pub use ") {
        let start = search + offset;
        let Some(length) = out[start..].find(';') else {
            break;
        };
        let end = start + length + 1;
        let statement = out[start + "pub use ".len()..end - 1].to_string();
        let mut paths = Vec::new();
        parse_use_tree(&statement, &mut 0, Vec::new(), &mut paths);
        let mut all_children = !paths.is_empty();
        for path in &paths {
            let resolved = resolve(path, module, children);
            match resolved {
                Some(target)
                    if target.len() >= 3
                        && target[0] == module[0]
                        && children.contains(&target[1]) =>
                {
                    let name = path.last().expect("non-empty path").clone();
                    found.insert(name, target[1].clone());
                }
                _ => all_children = false,
            }
        }
        if all_children {
            let blanked: String = out[start..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' })
                .collect();
            out.replace_range(start..end, &blanked);
        }
        search = end;
    }
    (out, found)
}

/// Every module path the text names, resolved to an absolute path from the crate root, with the
/// line it appears on.
fn references(
    text: &str,
    module: &[String],
    children: &BTreeSet<String>,
) -> Vec<(Vec<String>, usize)> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let line_of = |position: usize| text[..position].matches('\n').count() + 1;
    for (position, word) in words_with_positions(text) {
        if word.is_empty() || !text[position + word.len()..].starts_with("::") {
            continue;
        }
        let preceded_by_path = position >= 2 && &bytes[position - 2..position] == b"::";
        if preceded_by_path {
            continue;
        }
        let is_root = matches!(word, "crate" | "super" | "self")
            || (word == "roster" && module.first().is_some_and(|m| m == "main"))
            || children.contains(word);
        if !is_root {
            continue;
        }
        let mut paths = Vec::new();
        parse_use_tree(&text[position..], &mut 0, Vec::new(), &mut paths);
        for path in paths {
            if let Some(target) = resolve(&path, module, children)
                && !target.is_empty()
            {
                found.push((target, line_of(position)));
            }
        }
    }
    found
}

/// `a::b::{c, d::e}` -> `[a,b,c]`, `[a,b,d,e]`; stops at the first token that is not a path.
fn parse_use_tree(text: &str, at: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        skip_space(text, at);
        let rest = &text[*at..];
        if rest.starts_with('{') {
            *at += 1;
            loop {
                skip_space(text, at);
                if text[*at..].starts_with('}') {
                    *at += 1;
                    return;
                }
                parse_use_tree(text, at, path.clone(), out);
                skip_space(text, at);
                if text[*at..].starts_with(',') {
                    *at += 1;
                } else if text[*at..].starts_with('}') {
                    *at += 1;
                    return;
                } else {
                    return;
                }
            }
        }
        let word_length = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '*'))
            .unwrap_or(rest.len());
        if word_length == 0 {
            out.push(path);
            return;
        }
        let word = &rest[..word_length];
        *at += word_length;
        if word != "self" || path.is_empty() {
            path.push(word.to_string());
        }
        skip_space(text, at);
        if text[*at..].starts_with("::") {
            *at += 2;
        } else {
            // `as alias` and anything after the path end it.
            if text[*at..].starts_with("as ") {
                *at += 3;
                skip_space(text, at);
                let rest = &text[*at..];
                *at += rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
            }
            out.push(path);
            return;
        }
    }
}

fn skip_space(text: &str, at: &mut usize) {
    let rest = &text[*at..];
    *at += rest.len() - rest.trim_start().len();
}

/// Turns a path as written into a path from the crate root.
fn resolve(path: &[String], module: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" | "roster" => Vec::new(),
        "self" => module.to_vec(),
        "super" => {
            let mut base = module.to_vec();
            base.pop()?;
            let mut rest = rest;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        name if children.contains(name) => {
            let mut base = module.to_vec();
            base.push(name.to_string());
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}
