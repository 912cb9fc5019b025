//! Falco's condition language: syntax tree and parser (libsinsp's `filter/parser`).

pub(crate) mod ast;
pub(crate) mod parser;

pub(crate) use ast::{Check, Expr, FieldExpr, Modifier, Op, Rhs, Span, Transformer};
pub(crate) use parser::parse;
