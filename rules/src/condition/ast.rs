//! The syntax tree of a condition. Nodes keep where they came from ([`Span`]) so that compile
//! errors found after macros were inlined still point into the right text.

/// A position: which condition text (an id into the compiler's text table) and the byte offset
/// in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct Span {
    pub text: u32,
    pub off: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Check(Box<Check>),
    /// A macro reference (an identifier where a check could be).
    Macro {
        name: String,
        at: Span,
    },
}

/// `lhs op rhs`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Check {
    pub lhs: FieldExpr,
    pub op: Op,
    /// `oneof`/`anyof`/`allof` after a string operator.
    pub modifier: Option<Modifier>,
    pub rhs: Rhs,
    /// Where the operator is.
    pub at: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldExpr {
    /// `name` or `name[arg]` (for `evt.arg.flags`, the name as written; the field table splits
    /// it).
    Field {
        name: String,
        arg: Option<String>,
        at: Span,
    },
    /// `tolower(x)` and friends.
    Transform {
        kind: Transformer,
        inner: Box<FieldExpr>,
        at: Span,
    },
}

impl FieldExpr {
    pub fn span(&self) -> Span {
        match self {
            FieldExpr::Field { at, .. } | FieldExpr::Transform { at, .. } => *at,
        }
    }

    /// The expression as written (`proc.aname[2]`, `tolower(proc.name)`).
    pub fn text(&self) -> String {
        match self {
            FieldExpr::Field {
                name, arg: None, ..
            } => name.clone(),
            FieldExpr::Field {
                name, arg: Some(a), ..
            } => format!("{name}[{a}]"),
            FieldExpr::Transform { kind, inner, .. } => {
                format!("{}({})", kind.name(), inner.text())
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Transformer {
    ToLower,
    ToUpper,
    B64,
    Basename,
    Len,
}

impl Transformer {
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "tolower" => Transformer::ToLower,
            "toupper" => Transformer::ToUpper,
            "b64" => Transformer::B64,
            "basename" => Transformer::Basename,
            "len" => Transformer::Len,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Transformer::ToLower => "tolower",
            Transformer::ToUpper => "toupper",
            Transformer::B64 => "b64",
            Transformer::Basename => "basename",
            Transformer::Len => "len",
        }
    }
}

/// Names of transformers libsinsp has that rtsec does not evaluate (parse error naming them).
pub(crate) const UNSUPPORTED_TRANSFORMERS: &[&str] = &["join", "concat", "getopt"];

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rhs {
    /// `exists`.
    None,
    Value(String, Span),
    List(Vec<(String, Span)>, Span),
    /// A bare identifier after a list operator: a list name that was not substituted.
    ListRef(String, Span),
    /// `val(field)` or a transformer: compare against another field of the same event.
    Field(FieldExpr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::enum_variant_names)] // named as in the language: oneof, anyof, allof
pub(crate) enum Modifier {
    OneOf,
    AnyOf,
    AllOf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    Regex,
    In,
    Intersects,
    PMatch,
    Exists,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::IGlob => "iglob",
            Op::Regex => "regex",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::PMatch => "pmatch",
            Op::Exists => "exists",
        }
    }

    /// Every operator spelling the loader accepts in exception `comps` (libsinsp's
    /// `supported_operators`), and whether it takes a list.
    pub fn from_comp(s: &str) -> Option<(Op, Option<Modifier>)> {
        let s = s.trim();
        let (op, rest) = match s.split_once(char::is_whitespace) {
            Some((a, b)) => (a, Some(b.trim())),
            None => (s, None),
        };
        let op = match op {
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "bcontains" => Op::BContains,
            "startswith" => Op::StartsWith,
            "bstartswith" => Op::BStartsWith,
            "endswith" => Op::EndsWith,
            "glob" => Op::Glob,
            "iglob" => Op::IGlob,
            "regex" => Op::Regex,
            "in" => Op::In,
            "intersects" => Op::Intersects,
            "pmatch" => Op::PMatch,
            "exists" => Op::Exists,
            _ => return None,
        };
        let m = match rest {
            None => None,
            Some("oneof") => Some(Modifier::OneOf),
            Some("anyof") => Some(Modifier::AnyOf),
            Some("allof") => Some(Modifier::AllOf),
            Some(_) => return None,
        };
        if m.is_some() && !op.is_str_op() {
            return None;
        }
        Some((op, m))
    }

    /// Operators whose right-hand side is a list.
    pub fn is_list_op(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::PMatch)
    }

    /// The operators that take `oneof/anyof/allof`.
    pub fn is_str_op(self) -> bool {
        matches!(
            self,
            Op::Eq
                | Op::Ne
                | Op::Contains
                | Op::IContains
                | Op::BContains
                | Op::StartsWith
                | Op::BStartsWith
                | Op::EndsWith
                | Op::Glob
                | Op::IGlob
                | Op::Regex
        )
    }
}
