//! Compiling a (macro-free) condition tree: resolving fields, checking operators against field
//! types, parsing right-hand sides by type (numbers, booleans, IPs, networks, event types).

use std::net::IpAddr;

use memchr::memmem::Finder;

use super::test::{NumTest, StrSet, StrTest, Test, is_numeric};
use super::{Check, Mode, Node};
use crate::condition::{Expr, FieldExpr, Op, Rhs, Span, Transformer};
use crate::fields::{self, Field, FieldId, StaticFields, Ty};

/// A compile error at a position of a condition text.
#[derive(Debug, Clone)]
pub(crate) struct CompileError {
    pub at: Span,
    pub message: String,
}

fn err<T>(at: Span, message: impl Into<String>) -> Result<T, CompileError> {
    Err(CompileError {
        at,
        message: message.into(),
    })
}

/// Compiles `e`; `statics` are the `static.NAME` fields it may use.
pub(crate) fn compile(e: &Expr, statics: &StaticFields) -> Result<Node, CompileError> {
    let all = |v: &[Expr]| -> Result<Box<[Node]>, CompileError> {
        v.iter().map(|x| compile(x, statics)).collect()
    };
    Ok(match e {
        Expr::And(v) => Node::And(all(v)?),
        Expr::Or(v) => Node::Or(all(v)?),
        Expr::Not(x) => Node::Not(Box::new(compile(x, statics)?)),
        Expr::Macro { name, at } => {
            return err(*at, format!("Undefined macro '{name}' used in filter."));
        }
        Expr::Check(c) => compile_check(c, statics)?,
    })
}

/// Resolves a field expression: the field and the transformers, innermost first.
pub(crate) fn field_expr(
    fe: &FieldExpr,
    statics: &StaticFields,
) -> Result<(Field, Vec<Transformer>), CompileError> {
    match fe {
        FieldExpr::Field { name, arg, at } => {
            let f = fields::resolve(name, arg.as_deref(), statics).map_err(|e| CompileError {
                at: *at,
                message: e.0,
            })?;
            Ok((f, Vec::new()))
        }
        FieldExpr::Transform { kind, inner, at } => {
            let (f, mut ts) = field_expr(inner, statics)?;
            if ts.last() == Some(&Transformer::Len) {
                return err(
                    *at,
                    format!("{}() cannot take the result of len()", kind.name()),
                );
            }
            if !matches!(f.ty, Ty::Str | Ty::Bytes) {
                return err(
                    *at,
                    format!(
                        "{}() needs a string field; '{}' is {}",
                        kind.name(),
                        f.text,
                        f.ty.describe()
                    ),
                );
            }
            ts.push(*kind);
            Ok((f, ts))
        }
    }
}

fn result_type(f: &Field, ts: &[Transformer]) -> Ty {
    match ts.last() {
        None => f.ty,
        Some(Transformer::Len) => Ty::U64,
        Some(_) => Ty::Str,
    }
}

fn op_allowed(ty: Ty, op: Op) -> bool {
    use Op::*;
    match ty {
        Ty::Str | Ty::Dyn => true,
        Ty::Bytes => matches!(
            op,
            Eq | Ne
                | Contains
                | IContains
                | BContains
                | StartsWith
                | BStartsWith
                | EndsWith
                | Exists
                | In
                | Intersects
                | Glob
                | IGlob
                | Regex
        ),
        Ty::I64 | Ty::U64 => matches!(op, Eq | Ne | Lt | Le | Gt | Ge | In | Intersects | Exists),
        Ty::Bool => matches!(op, Eq | Ne | In | Intersects | Exists),
        Ty::Ip | Ty::Net => matches!(op, Eq | Ne | In | Intersects | Exists),
    }
}

fn compile_check(
    c: &crate::condition::Check,
    statics: &StaticFields,
) -> Result<Node, CompileError> {
    let (field, transforms) = field_expr(&c.lhs, statics)?;
    let ty = result_type(&field, &transforms);
    if !op_allowed(ty, c.op) {
        return err(
            c.at,
            format!(
                "operator '{}' cannot be used with field '{}' ({})",
                c.op.as_str(),
                c.lhs.text(),
                ty.describe()
            ),
        );
    }
    let mut mode = Mode::Plain;
    if transforms.is_empty() {
        if field.is_any_ancestor() {
            mode = Mode::Ancestors;
        } else if field.is_either_endpoint() {
            mode = Mode::Endpoints;
        } else if field.is_dns_name()
            && matches!(c.op, Op::Eq | Op::Ne | Op::In | Op::Intersects)
            && c.modifier.is_none()
            && matches!(c.rhs, Rhs::Value(..) | Rhs::List(..))
        {
            mode = Mode::Dns;
        }
    }
    let test = match &c.rhs {
        Rhs::None => Test::Exists,
        Rhs::ListRef(name, at) => {
            return err(
                *at,
                format!(
                    "'{name}' is not a defined list (after '{}' a list is written in parentheses)",
                    c.op.as_str()
                ),
            );
        }
        Rhs::Field(fe) => {
            let (rf, rts) = field_expr(fe, statics)?;
            let rty = result_type(&rf, &rts);
            let numeric = is_numeric(ty) && is_numeric(rty);
            let stringy = |t: Ty| matches!(t, Ty::Str | Ty::Bytes | Ty::Dyn);
            let comparable = numeric
                || (stringy(ty) && stringy(rty))
                || (ty == rty && matches!(ty, Ty::Bool | Ty::Ip));
            if !comparable {
                return err(
                    fe.span(),
                    format!(
                        "cannot compare '{}' ({}) with '{}' ({})",
                        c.lhs.text(),
                        ty.describe(),
                        fe.text(),
                        rty.describe()
                    ),
                );
            }
            if matches!(c.op, Op::Regex) || c.modifier.is_some() {
                return err(
                    c.at,
                    format!("'{}' cannot compare two fields", c.op.as_str()),
                );
            }
            Test::Field(Box::new(super::test::FieldTest {
                op: c.op,
                rhs: rf,
                transforms: rts.into_boxed_slice(),
                numeric,
            }))
        }
        Rhs::Value(v, at) => {
            if mode == Mode::Dns {
                Test::Dns {
                    names: vec![v.as_str().into()].into_boxed_slice(),
                    ne: c.op == Op::Ne,
                }
            } else if let Some(m) = c.modifier {
                let _ = m;
                return err(*at, "oneof/anyof/allof need a list");
            } else {
                value_test(&field, ty, c.op, &[(v.clone(), *at)])?
            }
        }
        Rhs::List(items, at) => {
            if let Some(m) = c.modifier {
                if !matches!(ty, Ty::Str | Ty::Bytes | Ty::Dyn) {
                    return err(c.at, "oneof/anyof/allof only apply to string fields");
                }
                let tests = items
                    .iter()
                    .map(|(v, at)| str_test(c.op, v, *at))
                    .collect::<Result<Vec<_>, _>>()?;
                Test::Mod(m, tests.into_boxed_slice())
            } else if mode == Mode::Dns {
                Test::Dns {
                    names: items.iter().map(|(v, _)| v.as_str().into()).collect(),
                    ne: false,
                }
            } else {
                if items.is_empty() && matches!(c.op, Op::In | Op::Intersects | Op::PMatch) {
                    // `x in ()` is always false (libsinsp) and stays false when x is missing.
                    let _ = at;
                    return Ok(Node::Const(false));
                }
                value_test(&field, ty, c.op, items)?
            }
        }
    };
    if field.id == FieldId::EvtType && transforms.is_empty() {
        check_event_types(c)?;
    }
    let cached = if mode == Mode::Plain {
        super::cache_slot(&field)
    } else {
        None
    };
    let fast = mode == Mode::Plain
        && transforms.is_empty()
        && crate::fields::fast::compile(&field, &test, None).is_some();
    Ok(Node::Check(Box::new(Check {
        fast,
        test,
        cold: Box::new(super::CheckCold {
            field,
            mode,
            transforms: transforms.into_boxed_slice(),
            cached,
            col: None,
        }),
    })))
}

/// `evt.type = foo` with a name Falco does not know is an error.
fn check_event_types(c: &crate::condition::Check) -> Result<(), CompileError> {
    if !matches!(c.op, Op::Eq | Op::Ne | Op::In | Op::Intersects) {
        return Ok(());
    }
    let items: Vec<(&str, Span)> = match &c.rhs {
        Rhs::Value(v, at) => vec![(v, *at)],
        Rhs::List(v, _) => v.iter().map(|(s, at)| (s.as_str(), *at)).collect(),
        _ => return Ok(()),
    };
    for (name, at) in items {
        if crate::evttype::keys_for_name(name).is_none() {
            return err(at, format!("unknown event type {name}"));
        }
    }
    Ok(())
}

fn hex(v: &str, at: Span) -> Result<Box<[u8]>, CompileError> {
    let s = v.trim();
    if !s.len().is_multiple_of(2) || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return err(
            at,
            format!("'{v}' is not a hex byte string (bcontains/bstartswith take hex)"),
        );
    }
    Ok((0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect())
}

fn str_test(op: Op, v: &str, at: Span) -> Result<StrTest, CompileError> {
    let b: Box<[u8]> = v.as_bytes().into();
    Ok(match op {
        Op::Eq => StrTest::Eq(b),
        Op::Ne => StrTest::Ne(b),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => StrTest::Cmp(op, b),
        Op::Contains => StrTest::Contains(Box::new(Finder::new(v.as_bytes()).into_owned())),
        Op::BContains => StrTest::Contains(Box::new(Finder::new(&hex(v, at)?).into_owned())),
        Op::IContains => StrTest::IContains(v.to_ascii_lowercase().into_bytes().into()),
        Op::StartsWith => StrTest::StartsWith(b),
        Op::BStartsWith => StrTest::StartsWith(hex(v, at)?),
        Op::EndsWith => StrTest::EndsWith(b),
        Op::Glob => StrTest::Glob(b, false),
        Op::IGlob => StrTest::Glob(b, true),
        Op::Regex => StrTest::Regex(Box::new(
            regex::bytes::Regex::new(&format!("^(?:{v})$")).map_err(|e| CompileError {
                at,
                message: format!(
                    "invalid regular expression '{v}': {}",
                    first_line(&e.to_string())
                ),
            })?,
        )),
        Op::In | Op::Intersects => StrTest::In(StrSet::new(vec![b])),
        Op::PMatch => StrTest::PMatch(vec![pmatch_item(v)].into_boxed_slice()),
        Op::Exists => unreachable!("exists has no value"),
    })
}

/// The last line of a regex error (the message, without the pattern echo).
fn first_line(s: &str) -> String {
    let l = s.lines().last().unwrap_or(s).trim();
    l.strip_prefix("error: ").unwrap_or(l).to_string()
}

fn pmatch_item(v: &str) -> Box<[u8]> {
    let t = v.trim_end_matches('/');
    if t.is_empty() {
        b"/"[..].into()
    } else {
        t.as_bytes().into()
    }
}

fn parse_int(f: &Field, v: &str, at: Span) -> Result<i128, CompileError> {
    let s = v.trim();
    let parsed = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()
    } else {
        s.strip_prefix('+').unwrap_or(s).parse::<i128>().ok()
    };
    match parsed {
        Some(n) if f.ty == Ty::U64 && n < 0 => err(
            at,
            format!(
                "'{v}' is not a valid value for field '{}' (it cannot be negative)",
                f.text
            ),
        ),
        Some(n) => Ok(n),
        None if f.is_port() => match super::services::port(s) {
            Some(port) => Ok(port as i128),
            None => err(
                at,
                format!(
                    "'{v}' is neither a port number nor a service name this machine knows \
                     (/etc/services) for field '{}'",
                    f.text
                ),
            ),
        },
        None => err(
            at,
            format!("'{v}' is not a valid number for field '{}'", f.text),
        ),
    }
}

fn parse_net(f: &Field, v: &str, at: Span, net: bool) -> Result<(IpAddr, u8), CompileError> {
    let s = v.trim();
    if net && let Some((a, p)) = s.split_once('/') {
        let ip: Option<IpAddr> = a.parse().ok();
        let max = if ip.is_some_and(|i| i.is_ipv4()) {
            32
        } else {
            128
        };
        if let (Some(ip), Ok(p)) = (ip, p.parse::<u8>())
            && p <= max
        {
            return Ok((ip, p));
        }
        return err(
            at,
            format!("'{v}' is not a valid network (CIDR) for field '{}'", f.text),
        );
    }
    match s.parse::<IpAddr>() {
        Ok(ip) => Ok((ip, if ip.is_ipv4() { 32 } else { 128 })),
        Err(_) => err(
            at,
            format!(
                "'{v}' is not a valid {} for field '{}'",
                if net { "IP network" } else { "IP address" },
                f.text
            ),
        ),
    }
}

fn value_test(f: &Field, ty: Ty, op: Op, items: &[(String, Span)]) -> Result<Test, CompileError> {
    let list = matches!(op, Op::In | Op::Intersects | Op::PMatch);
    Ok(match ty {
        Ty::Str | Ty::Bytes | Ty::Dyn => {
            if list {
                if op == Op::PMatch {
                    Test::Str(StrTest::PMatch(
                        items.iter().map(|(v, _)| pmatch_item(v)).collect(),
                    ))
                } else {
                    Test::Str(StrTest::In(StrSet::new(
                        items.iter().map(|(v, _)| v.as_bytes().into()).collect(),
                    )))
                }
            } else {
                let (v, at) = &items[0];
                Test::Str(str_test(op, v, *at)?)
            }
        }
        Ty::I64 | Ty::U64 => {
            let nums = items
                .iter()
                .map(|(v, at)| parse_int(f, v, *at))
                .collect::<Result<Vec<_>, _>>()?;
            if list {
                Test::Num(NumTest::In(nums.into_boxed_slice()))
            } else {
                Test::Num(NumTest::Cmp(op, nums[0]))
            }
        }
        Ty::Bool => {
            let want = items
                .iter()
                .map(|(v, at)| match v.as_str() {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => err(
                        *at,
                        format!(
                            "'{v}' is not a valid boolean for field '{}' (use true or false)",
                            f.text
                        ),
                    ),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Test::Bool {
                want: want.into_boxed_slice(),
                ne: op == Op::Ne,
            }
        }
        Ty::Ip | Ty::Net => {
            let nets = items
                .iter()
                .map(|(v, at)| parse_net(f, v, *at, ty == Ty::Net))
                .collect::<Result<Vec<_>, _>>()?;
            Test::Ip {
                nets: nets.into_boxed_slice(),
                ne: op == Op::Ne,
            }
        }
    })
}
