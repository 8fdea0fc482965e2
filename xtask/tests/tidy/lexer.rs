//! A rough Rust lexer for the tidy checks: identifiers and punctuation with their line numbers,
//! comments, string, byte-string, raw-string and char literals skipped, so that a path named in a
//! doc comment or an error message never counts as an import. Rough on purpose: numbers and
//! operators come out as single characters, which the path reader never looks at.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword (`r#` stripped), or a lifetime without its quote.
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other character that is not whitespace.
    Punct(char),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    /// 1-based.
    pub line: usize,
}

impl Token {
    pub fn is_ident(&self, name: &str) -> bool {
        matches!(&self.kind, Kind::Ident(n) if n == name)
    }

    pub fn ident(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ident(n) => Some(n),
            _ => None,
        }
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

pub fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Advances over chars[from..to], counting the lines it passes.
    let skip = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
        to
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i = skip(i, block_comment_end(&chars, i), &mut line);
        } else if let Some(end) = string_end(&chars, i) {
            i = skip(i, end, &mut line);
        } else if c == '\'' {
            match char_literal_end(&chars, i) {
                Some(end) => i = skip(i, end, &mut line),
                // A lifetime or a label: the identifier after the quote comes out as one.
                None => i += 1,
            }
        } else if is_ident_start(c) {
            let start = if c == 'r'
                && next == Some('#')
                && chars.get(i + 2).is_some_and(|&c| is_ident_start(c))
            {
                i + 2
            } else {
                i
            };
            let mut end = start;
            while end < chars.len() && is_ident_continue(chars[end]) {
                end += 1;
            }
            out.push(Token {
                kind: Kind::Ident(chars[start..end].iter().collect()),
                line,
            });
            i = end;
        } else if c == ':' && next == Some(':') {
            out.push(Token {
                kind: Kind::PathSep,
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                kind: Kind::Punct(c),
                line,
            });
            i += 1;
        }
    }
    out
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Block comments nest in Rust.
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1).copied()) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// If a string literal of any kind starts at `start` (`"…"`, `b"…"`, `c"…"`, `r#"…"#`, `br"…"`,
/// `cr"…"`), the index just past it.
fn string_end(chars: &[char], start: usize) -> Option<usize> {
    // Not the tail of an identifier such as `attr"`: a prefix only counts at an identifier's start.
    if start > 0 && is_ident_continue(chars[start - 1]) {
        return None;
    }
    let mut i = start;
    if matches!(chars.get(i), Some('b' | 'c')) {
        i += 1;
    }
    let raw = chars.get(i) == Some(&'r');
    if raw {
        i += 1;
        let mut hashes = 0;
        while chars.get(i) == Some(&'#') {
            hashes += 1;
            i += 1;
        }
        if chars.get(i) != Some(&'"') {
            return None;
        }
        i += 1;
        while i < chars.len() {
            if chars[i] == '"' && (1..=hashes).all(|h| chars.get(i + h) == Some(&'#')) {
                return Some(i + 1 + hashes);
            }
            i += 1;
        }
        return Some(chars.len());
    }
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    Some(chars.len())
}

/// If a char literal starts at the quote at `start` (`'a'`, `'\n'`, `'\u{1F600}'`, `'字'`), the
/// index just past it; `None` for a lifetime or a label (`'a`, `'static`, `'outer:`).
fn char_literal_end(chars: &[char], start: usize) -> Option<usize> {
    match chars.get(start + 1)? {
        '\\' => {
            let mut i = start + 2;
            while i < chars.len() && chars[i] != '\'' && chars[i] != '\n' {
                i += 1;
            }
            Some(i + 1)
        }
        _ if chars.get(start + 2) == Some(&'\'') => Some(start + 3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(source: &str) -> Vec<String> {
        tokens(source)
            .into_iter()
            .filter_map(|t| t.ident().map(str::to_owned))
            .collect()
    }

    #[test]
    fn comments_of_every_kind_are_skipped() {
        let source = "a // sqlx::x\n/// crate::web\n//! b\n/* c /* nested */ d */ e";
        assert_eq!(idents(source), ["a", "e"]);
    }

    #[test]
    fn strings_of_every_kind_are_skipped() {
        let source =
            r####"a "crate::web \" still" b"sqlx" r#"axum "quoted" "# c"x" br##"y"## d"####;
        assert_eq!(idents(source), ["a", "d"]);
    }

    #[test]
    fn char_literals_are_skipped_and_lifetimes_kept_as_identifiers() {
        let source = r"x('a', '\'', '\u{4e00}', '一') fn f<'a>(s: &'a str) 'outer: loop {}";
        assert_eq!(
            idents(source),
            ["x", "fn", "f", "a", "s", "a", "str", "outer", "loop"]
        );
    }

    #[test]
    fn lines_are_counted_through_multi_line_comments_and_strings() {
        let source = "a\n/* one\ntwo */\n\"three\nfour\"\nb";
        let lines: Vec<_> = tokens(source).iter().map(|t| t.line).collect();
        assert_eq!(lines, [1, 6]);
    }

    #[test]
    fn path_separators_and_raw_identifiers_come_out_as_tokens() {
        let kinds: Vec<_> = tokens("r#type::x").into_iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Ident("type".into()),
                Kind::PathSep,
                Kind::Ident("x".into())
            ]
        );
    }
}
