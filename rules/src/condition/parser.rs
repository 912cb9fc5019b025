//! Recursive-descent parser for conditions, following libsinsp's grammar (`filter/parser.h`):
//! `not` binds tighter than `and`, which binds tighter than `or`; word operators need a blank
//! after them, symbolic ones do not; bare strings stop at blanks, parentheses, quotes, `=` and
//! `,`.

use super::ast::{
    Check, Expr, FieldExpr, Modifier, Op, Rhs, Span, Transformer, UNSUPPORTED_TRANSFORMERS,
};

/// Falco parses rule conditions with a recursion limit of 1000.
pub(crate) const MAX_DEPTH: u32 = 1000;

/// A syntax error at a byte offset of the condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub off: usize,
    pub message: String,
}

/// Parses a whole condition. `text_id` goes into every [`Span`].
pub(crate) fn parse(text: &str, text_id: u32) -> Result<Expr, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
        text_id,
    };
    p.blanks();
    if p.pos >= p.s.len() {
        return Err(p.err("the condition is empty"));
    }
    let e = p.or()?;
    p.blanks();
    if p.pos < p.s.len() {
        let what = p.peek_token();
        return Err(p.err(format!(
            "unexpected '{what}' here: expected 'and', 'or' or the end of the condition"
        )));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: u32,
    text_id: u32,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\x08' | b'\r' | b'\n')
}

fn is_bare(c: u8) -> bool {
    !(is_blank(c)
        || matches!(c, b'(' | b')' | b'"' | b'\'' | b'=' | b',')
        || c.is_ascii_whitespace())
}

impl<'a> Parser<'a> {
    fn span(&self, off: usize) -> Span {
        Span {
            text: self.text_id,
            off: off as u32,
        }
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            off: self.pos,
            message: message.into(),
        }
    }

    fn err_at(&self, off: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            off,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn blanks(&mut self) -> bool {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| is_blank(c) || c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
        self.pos > start
    }

    /// The next token as text, for error messages.
    fn peek_token(&self) -> String {
        let rest = &self.text[self.pos..];
        if rest.is_empty() {
            return "end of condition".into();
        }
        let n = rest
            .char_indices()
            .find(|&(i, c)| i > 0 && (c.is_whitespace() || "()=,".contains(c)))
            .map_or(rest.len(), |(i, _)| i);
        let n = n.min(40);
        let mut t = rest[..crate::source::floor_char(rest, n)].to_string();
        if t.is_empty() {
            t = rest.chars().next().map(String::from).unwrap_or_default();
        }
        t
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!(
                "the condition nests deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    /// `word` at the cursor, followed by a blank or by one of `follow` (or the end when `eof`:
    /// a condition ending in `and`, `or` or `not` then fails at its end, where the missing
    /// check belongs, as libsinsp's "unexpected end of filter" does).
    fn keyword(&self, word: &str, follow: &[u8], eof: bool) -> bool {
        let w = word.as_bytes();
        if !self.s[self.pos..].starts_with(w) {
            return false;
        }
        match self.s.get(self.pos + w.len()) {
            None => eof,
            Some(&c) => is_blank(c) || c.is_ascii_whitespace() || follow.contains(&c),
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let first = self.and()?;
        let mut children = vec![first];
        loop {
            let save = self.pos;
            self.blanks();
            if self.keyword("or", b"(", true) {
                self.pos += 2;
                self.blanks();
                children.push(self.and()?);
            } else {
                self.pos = save;
                break;
            }
        }
        self.depth -= 1;
        Ok(if children.len() == 1 {
            children.pop().unwrap()
        } else {
            Expr::Or(children)
        })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let first = self.not()?;
        let mut children = vec![first];
        loop {
            let save = self.pos;
            self.blanks();
            if self.keyword("and", b"(", true) {
                self.pos += 3;
                self.blanks();
                children.push(self.not()?);
            } else {
                self.pos = save;
                break;
            }
        }
        self.depth -= 1;
        Ok(if children.len() == 1 {
            children.pop().unwrap()
        } else {
            Expr::And(children)
        })
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        self.blanks();
        let e = if self.keyword("not", b"(", true) {
            self.pos += 3;
            self.blanks();
            Expr::Not(Box::new(self.not()?))
        } else {
            self.check()?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn check(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        self.blanks();
        let start = self.pos;
        if self.peek() == Some(b'(') {
            self.pos += 1;
            let e = self.or()?;
            self.blanks();
            if self.peek() != Some(b')') {
                let what = self.peek_token();
                let _ = start;
                return Err(self.err(format!("unclosed '(': expected ')' but found '{what}'")));
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(e);
        }
        if self.pos >= self.s.len() {
            return Err(self.err("the condition ends where a check was expected"));
        }
        let lhs = match self.lhs()? {
            Lhs::Field(f) => f,
            Lhs::Macro(name) => {
                self.depth -= 1;
                return Ok(Expr::Macro {
                    name,
                    at: self.span(start),
                });
            }
        };
        let e = self.condition(lhs)?;
        self.depth -= 1;
        Ok(Expr::Check(Box::new(e)))
    }

    /// An identifier at the cursor, without moving.
    fn ident_len(&self, from: usize) -> usize {
        let s = &self.s[from..];
        if !s.first().is_some_and(|c| c.is_ascii_alphabetic()) {
            return 0;
        }
        s.iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
            .unwrap_or(s.len())
    }

    /// A field name (identifiers joined by dots, at least one dot) at the cursor.
    fn field_name_len(&self) -> usize {
        let mut n = self.ident_len(self.pos);
        if n == 0 {
            return 0;
        }
        let mut parts = 1;
        while self.s.get(self.pos + n) == Some(&b'.') {
            let m = self.ident_len(self.pos + n + 1);
            if m == 0 {
                break;
            }
            n += 1 + m;
            parts += 1;
        }
        if parts >= 2 { n } else { 0 }
    }

    fn lhs(&mut self) -> Result<Lhs, ParseError> {
        let start = self.pos;
        let id = self.ident_len(self.pos);
        if id > 0 && self.s.get(self.pos + id) == Some(&b'(') {
            let name = &self.text[self.pos..self.pos + id];
            if let Some(t) = self.transformer_call(name)? {
                return Ok(Lhs::Field(t));
            }
        }
        if let Some(f) = self.field()? {
            return Ok(Lhs::Field(f));
        }
        if id > 0 {
            self.pos += id;
            return Ok(Lhs::Macro(self.text[start..self.pos].to_string()));
        }
        let what = self.peek_token();
        Err(self.err(format!(
            "expected a field, a macro name, 'not' or '(' but found '{what}'"
        )))
    }

    /// `name(` was seen at the cursor: a transformer call (or an error for unknown ones).
    fn transformer_call(&mut self, name: &str) -> Result<Option<FieldExpr>, ParseError> {
        let start = self.pos;
        let kind = match Transformer::from_name(name) {
            Some(k) => k,
            None if UNSUPPORTED_TRANSFORMERS.contains(&name) => {
                return Err(self.err(format!(
                    "the '{name}' transformer is not supported by rtsec (supported: tolower, \
                     toupper, b64, basename, len, val)"
                )));
            }
            None => return Ok(None),
        };
        self.pos += name.len() + 1;
        self.blanks();
        let inner = if let Some(Lhs::Field(f)) = self.transformer_arg()? {
            f
        } else {
            return Err(self.err(format!("expected a field inside {name}(...)")));
        };
        self.blanks();
        if self.peek() != Some(b')') {
            let what = self.peek_token();
            return Err(self.err(format!("expected ')' to close {name}(, found '{what}'")));
        }
        self.pos += 1;
        Ok(Some(FieldExpr::Transform {
            kind,
            inner: Box::new(inner),
            at: self.span(start),
        }))
    }

    fn transformer_arg(&mut self) -> Result<Option<Lhs>, ParseError> {
        let id = self.ident_len(self.pos);
        if id > 0 && self.s.get(self.pos + id) == Some(&b'(') {
            let name = &self.text[self.pos..self.pos + id];
            if let Some(t) = self.transformer_call(name)? {
                return Ok(Some(Lhs::Field(t)));
            }
        }
        Ok(self.field()?.map(Lhs::Field))
    }

    /// `field.name` with an optional `[arg]`.
    fn field(&mut self) -> Result<Option<FieldExpr>, ParseError> {
        let n = self.field_name_len();
        if n == 0 {
            return Ok(None);
        }
        let start = self.pos;
        let name = self.text[start..start + n].to_string();
        self.pos += n;
        let mut arg = None;
        if self.peek() == Some(b'[') {
            self.pos += 1;
            let a = match self.peek() {
                Some(q @ (b'"' | b'\'')) => self.quoted(q)?,
                _ => {
                    let from = self.pos;
                    while self.peek().is_some_and(|c| {
                        !(c == b'['
                            || c == b']'
                            || c == b'"'
                            || c == b'\''
                            || is_blank(c)
                            || c.is_ascii_whitespace())
                    }) {
                        self.pos += 1;
                    }
                    if self.pos == from {
                        return Err(self.err(format!("expected an argument inside {name}[...]")));
                    }
                    self.text[from..self.pos].to_string()
                }
            };
            if self.peek() != Some(b']') {
                return Err(self.err(format!("expected ']' to close the argument of {name}")));
            }
            self.pos += 1;
            arg = Some(a);
        }
        Ok(Some(FieldExpr::Field {
            name,
            arg,
            at: self.span(start),
        }))
    }

    fn operator(&mut self) -> Option<Op> {
        const SYMBOLS: &[(&str, Op)] = &[
            ("<=", Op::Le),
            ("<", Op::Lt),
            (">=", Op::Ge),
            (">", Op::Gt),
            ("==", Op::Eq),
            ("=", Op::Eq),
            ("!=", Op::Ne),
        ];
        const WORDS: &[(&str, Op)] = &[
            ("glob", Op::Glob),
            ("iglob", Op::IGlob),
            ("contains", Op::Contains),
            ("icontains", Op::IContains),
            ("bcontains", Op::BContains),
            ("startswith", Op::StartsWith),
            ("bstartswith", Op::BStartsWith),
            ("endswith", Op::EndsWith),
            ("regex", Op::Regex),
        ];
        const LISTS: &[(&str, Op)] = &[
            ("intersects", Op::Intersects),
            ("in", Op::In),
            ("pmatch", Op::PMatch),
        ];
        if self.keyword("exists", b")", true) {
            self.pos += 6;
            return Some(Op::Exists);
        }
        for &(w, op) in SYMBOLS {
            if self.s[self.pos..].starts_with(w.as_bytes()) {
                self.pos += w.len();
                return Some(op);
            }
        }
        for &(w, op) in WORDS {
            if self.keyword(w, b"", false) {
                self.pos += w.len();
                return Some(op);
            }
        }
        for &(w, op) in LISTS {
            if self.s[self.pos..].starts_with(w.as_bytes())
                && !self
                    .s
                    .get(self.pos + w.len())
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                self.pos += w.len();
                return Some(op);
            }
        }
        None
    }

    fn condition(&mut self, lhs: FieldExpr) -> Result<Check, ParseError> {
        self.blanks();
        let at = self.span(self.pos);
        let Some(op) = self.operator() else {
            let what = self.peek_token();
            return Err(self.err(format!(
                "expected an operator after '{}' (=, !=, <, <=, >, >=, contains, icontains, \
                 bcontains, startswith, bstartswith, endswith, glob, iglob, regex, in, \
                 intersects, pmatch, exists) but found '{what}'",
                lhs.text()
            )));
        };
        let mut modifier = None;
        let rhs = match op {
            Op::Exists => Rhs::None,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                self.blanks();
                if let Some(f) = self.rhs_field()? {
                    Rhs::Field(f)
                } else {
                    let start = self.pos;
                    match self.number() {
                        Some(n) => Rhs::Value(n, self.span(start)),
                        None => {
                            let what = self.peek_token();
                            return Err(self.err(format!(
                                "expected a number after '{}' but found '{what}'",
                                op.as_str()
                            )));
                        }
                    }
                }
            }
            Op::In | Op::Intersects | Op::PMatch => {
                self.blanks();
                self.list_value(op)?
            }
            _ => {
                if op.is_str_op()
                    && matches!(op, Op::Eq | Op::Ne)
                    && !self
                        .peek()
                        .is_some_and(|c| is_blank(c) || c.is_ascii_whitespace())
                {
                    // `=`/`!=` need no blank: `proc.name!="sshd"`.
                }
                self.blanks();
                modifier = self.modifier();
                if modifier.is_some() {
                    self.blanks();
                    self.list_value(op)?
                } else if let Some(f) = self.rhs_field()? {
                    Rhs::Field(f)
                } else {
                    let start = self.pos;
                    match self.str_value()? {
                        Some(v) => Rhs::Value(v, self.span(start)),
                        None => {
                            let what = self.peek_token();
                            return Err(self.err(format!(
                                "expected a value after '{}' but found '{what}'",
                                op.as_str()
                            )));
                        }
                    }
                }
            }
        };
        Ok(Check {
            lhs,
            op,
            modifier,
            rhs,
            at,
        })
    }

    fn modifier(&mut self) -> Option<Modifier> {
        for (w, m) in [
            ("oneof", Modifier::OneOf),
            ("anyof", Modifier::AnyOf),
            ("allof", Modifier::AllOf),
        ] {
            if self.keyword(w, b"(", false) {
                self.pos += w.len();
                return Some(m);
            }
        }
        None
    }

    /// `val(field)` or a transformer call on the right-hand side.
    fn rhs_field(&mut self) -> Result<Option<FieldExpr>, ParseError> {
        let id = self.ident_len(self.pos);
        if id == 0 || self.s.get(self.pos + id) != Some(&b'(') {
            return Ok(None);
        }
        let name = &self.text[self.pos..self.pos + id];
        if name == "val" {
            let start = self.pos;
            self.pos += 4;
            self.blanks();
            let Some(f) = self.field()? else {
                return Err(self.err("expected a field inside val(...)"));
            };
            self.blanks();
            if self.peek() != Some(b')') {
                return Err(self.err("expected ')' to close val("));
            }
            self.pos += 1;
            let _ = start;
            return Ok(Some(f));
        }
        self.transformer_call(name)
    }

    fn list_value(&mut self, op: Op) -> Result<Rhs, ParseError> {
        let start = self.pos;
        if self.peek() != Some(b'(') {
            if let Some(f) = self.rhs_field()? {
                return Ok(Rhs::Field(f));
            }
            let id = self.ident_len(self.pos);
            if id > 0 {
                self.pos += id;
                return Ok(Rhs::ListRef(
                    self.text[start..self.pos].to_string(),
                    self.span(start),
                ));
            }
            let what = self.peek_token();
            return Err(self.err(format!(
                "expected a list '(...)' after '{}' but found '{what}'",
                op.as_str()
            )));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.blanks();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(Rhs::List(items, self.span(start)));
        }
        loop {
            self.blanks();
            let at = self.pos;
            match self.str_value()? {
                Some(v) => items.push((v, self.span(at))),
                None => {
                    let what = self.peek_token();
                    return Err(self.err(format!("expected a list item but found '{what}'")));
                }
            }
            self.blanks();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    let what = self.peek_token();
                    return Err(self.err(format!(
                        "expected ',' or ')' in the list but found '{what}'"
                    )));
                }
            }
        }
        Ok(Rhs::List(items, self.span(start)))
    }

    /// A quoted string or a bare string.
    fn str_value(&mut self) -> Result<Option<String>, ParseError> {
        match self.peek() {
            Some(q @ (b'"' | b'\'')) => self.quoted(q).map(Some),
            Some(c) if is_bare(c) => {
                let from = self.pos;
                while self.peek().is_some_and(is_bare) {
                    self.pos += 1;
                }
                // Stay on a char boundary: bare strings may hold UTF-8.
                while !self.text.is_char_boundary(self.pos) {
                    self.pos += 1;
                }
                Ok(Some(self.text[from..self.pos].to_string()))
            }
            _ => Ok(None),
        }
    }

    /// `[+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?` or `0x…`.
    fn number(&mut self) -> Option<String> {
        let s = self.s;
        let from = self.pos;
        let mut i = from;
        if s[i..].len() > 2
            && s[i] == b'0'
            && (s[i + 1] | 0x20) == b'x'
            && s[i + 2].is_ascii_hexdigit()
        {
            i += 2;
            while i < s.len() && s[i].is_ascii_hexdigit() {
                i += 1;
            }
            self.pos = i;
            return Some(self.text[from..i].to_string());
        }
        if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
            i += 1;
        }
        let digits = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits {
            return None;
        }
        if i < s.len() && s[i] == b'.' {
            i += 1;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
        }
        if i + 2 < s.len()
            && (s[i] | 0x20) == b'e'
            && (s[i + 1] == b'+' || s[i + 1] == b'-')
            && s[i + 2].is_ascii_digit()
        {
            i += 2;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
        }
        self.pos = i;
        Some(self.text[from..i].to_string())
    }

    /// A `'…'` or `"…"` string with libsinsp's escapes.
    fn quoted(&mut self, q: u8) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err_at(open, "this string is never closed"));
            };
            self.pos += 1;
            if c == q {
                break;
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return Err(self.err_at(open, "this string is never closed"));
            };
            self.pos += 1;
            match e {
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'/' => out.push(b'/'),
                b' ' => {
                    // libsinsp keeps `\ ` as a backslash followed by the space (legacy rules).
                    out.push(b'\\');
                    out.push(b' ');
                }
                b'"' if q == b'"' => out.push(b'"'),
                b'\'' if q == b'\'' => out.push(b'\''),
                b'x' => {
                    let h = self.s.get(self.pos..self.pos + 2);
                    let v = h
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match v {
                        Some(v) => {
                            out.push(v);
                            self.pos += 2;
                        }
                        None => {
                            return Err(self
                                .err_at(self.pos - 2, "'\\x' must be followed by two hex digits"));
                        }
                    }
                }
                other => {
                    let shown = if other.is_ascii_graphic() {
                        (other as char).to_string()
                    } else {
                        format!("\\x{other:02x}")
                    };
                    return Err(self.err_at(
                        self.pos - 2,
                        format!(
                            "unknown escape '\\{shown}' in a {}-quoted string",
                            if q == b'"' { "double" } else { "single" }
                        ),
                    ));
                }
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

enum Lhs {
    Field(FieldExpr),
    Macro(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        parse(s, 0).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }
    fn e(s: &str) -> ParseError {
        parse(s, 0).unwrap_err()
    }
    fn check(e: &Expr) -> &Check {
        match e {
            Expr::Check(c) => c,
            other => panic!("not a check: {other:?}"),
        }
    }

    #[test]
    fn precedence_not_and_or() {
        match p("a or b and not c") {
            Expr::Or(v) => {
                assert!(matches!(&v[0], Expr::Macro { name, .. } if name == "a"));
                match &v[1] {
                    Expr::And(w) => assert!(matches!(&w[1], Expr::Not(_))),
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(p("not a and b"), Expr::And(_)));
        assert!(matches!(p("not(a)"), Expr::Not(_)));
        assert!(matches!(p("not not a"), Expr::Not(_)));
        assert!(matches!(p("(a)and(b)"), Expr::And(_)));
    }

    #[test]
    fn operators_and_values() {
        let e = p("proc.name!=\"sshd\"");
        assert_eq!(check(&e).op, Op::Ne);
        assert_eq!(
            check(&e).rhs,
            Rhs::Value("sshd".into(), Span { text: 0, off: 11 })
        );
        let e = p("proc.cmdline= \"sh -s unix:cmd\"");
        assert_eq!(check(&e).op, Op::Eq);
        let e = p("fd.num>=0");
        assert_eq!(check(&e).op, Op::Ge);
        let e = p("proc.name in (a, 'b c', runc:[0:PARENT])");
        match &check(&e).rhs {
            Rhs::List(v, _) => {
                let items: Vec<_> = v.iter().map(|x| x.0.as_str()).collect();
                assert_eq!(items, ["a", "b c", "runc:[0:PARENT]"]);
            }
            other => panic!("{other:?}"),
        }
        let e = p("proc.name in (  )");
        assert!(matches!(&check(&e).rhs, Rhs::List(v, _) if v.is_empty()));
        let e = p("proc.aname[2] exists");
        assert_eq!(check(&e).op, Op::Exists);
        assert!(matches!(&check(&e).lhs, FieldExpr::Field { arg: Some(a), .. } if a == "2"));
        let e = p("proc.name startswith oneof (a, b)");
        assert_eq!(check(&e).modifier, Some(Modifier::OneOf));
        let e = p("proc.name = val(proc.pname)");
        assert!(matches!(&check(&e).rhs, Rhs::Field(_)));
        let e = p("tolower(proc.name) = bash");
        assert!(matches!(&check(&e).lhs, FieldExpr::Transform { .. }));
        let e = p("container.mount.dest[/var/run/docker.sock] exists");
        assert!(
            matches!(&check(&e).lhs, FieldExpr::Field { arg: Some(a), .. } if a == "/var/run/docker.sock")
        );
    }

    #[test]
    fn escapes() {
        let e = p(r#"proc.cmdline = "a\"b\\c\x41\n""#);
        assert_eq!(
            check(&e).rhs,
            Rhs::Value("a\"b\\cA\n".into(), Span { text: 0, off: 15 })
        );
        assert!(parse(r#"proc.name = 'a\"'"#, 0).is_err());
        assert!(parse(r#"proc.name = "a\q""#, 0).is_err());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let x = e("proc.name = a and (proc.pname = b");
        assert_eq!(x.off, 33);
        assert!(x.message.contains("unclosed '('"), "{x:?}");
        let x = e("proc.name");
        assert!(x.message.contains("expected an operator"), "{x:?}");
        let x = e("proc.name = a b");
        assert_eq!(x.off, 14);
        let x = e("fd.num > abc");
        assert!(x.message.contains("expected a number"), "{x:?}");
        let x = e("proc.name = 'abc");
        assert_eq!(x.off, 12);
        let x = e("");
        assert!(x.message.contains("empty"));
        for dangling in [
            "evt.type = open and",
            "evt.type = open or  ",
            "not",
            "a and not",
        ] {
            let x = e(dangling);
            assert_eq!(x.off, dangling.len(), "{dangling:?}: {x:?}");
            assert!(
                x.message.contains("ends where a check"),
                "{dangling:?}: {x:?}"
            );
        }
        let deep = "(".repeat(2000) + "a" + &")".repeat(2000);
        assert!(e(&deep).message.contains("deeper"));
    }
}
