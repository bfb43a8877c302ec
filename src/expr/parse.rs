//! Tokenizer and Pratt parser: expression text to a syntax tree with byte spans.

use std::ops::Range;

/// A parsed expression node with the byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Range<usize>,
}

impl Expr {
    /// Whether the expression is a truth value (a comparison, `and`, `or`, `not`) rather than
    /// a number: exporters write a number `x` used as a condition as `x != 0`.
    pub fn is_truth_value(&self) -> bool {
        match &self.kind {
            ExprKind::Binary(op, _, _) => {
                op.is_comparison() || matches!(op, BinaryOp::And | BinaryOp::Or)
            }
            ExprKind::Unary(UnaryOp::Not, _) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Name(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Call(Function, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Negate,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Power,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    And,
    Or,
    Min,
    Max,
}

impl BinaryOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Less
                | BinaryOp::LessEqual
                | BinaryOp::Greater
                | BinaryOp::GreaterEqual
                | BinaryOp::Equal
                | BinaryOp::NotEqual
        )
    }
}

/// A syntax error at a byte range of the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Range<usize>,
    pub hint: Option<String>,
}

impl ParseError {
    fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        ParseError {
            message: message.into(),
            span,
            hint: None,
        }
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

struct Parser {
    tokens: Vec<(Token, Range<usize>)>,
    position: usize,
    depth: usize,
}

/// Deepest nesting of sub-expressions accepted (recursion guard; real models stay far below).
const MAX_DEPTH: usize = 200;

/// Most tokens (numbers, names, operators, parentheses, commas) in one expression: the largest
/// shipped expression has under 100; every later stage (lowering, derivatives, native code)
/// grows linearly with the size and walks it without recursion, and this keeps it to seconds.
pub const MAX_TOKENS: usize = 200_000;

/// Parses an expression. `^` is right-associative and binds tighter than unary minus
/// (`-2^2 = -4`); comparisons do not chain; `and` binds tighter than `or`.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize(text)?;
    if tokens.len() > MAX_TOKENS + 1 {
        return Err(ParseError::new(
            format!(
                "the expression has {} tokens (numbers, names and operators); the limit is {MAX_TOKENS}",
                tokens.len() - 1
            ),
            tokens[MAX_TOKENS].1.clone(),
        )
        .with_hint("split it into several `derived` values (each may use the ones before)"));
    }
    if tokens.len() == 1 {
        return Err(ParseError::new("the expression is empty", 0..text.len())
            .with_hint("write a number or a formula"));
    }
    let mut parser = Parser {
        tokens,
        position: 0,
        depth: 0,
    };
    let expr = parser.expression(0)?;
    match parser.peek() {
        (Token::End, _) => Ok(expr),
        (token, span) => Err(ParseError::new(
            format!("unexpected {} after a complete expression", describe(token)),
            span.clone(),
        )
        .with_hint("is an operator missing?")),
    }
}

/// Binding powers (left, right) of infix operators; higher binds tighter.
fn infix(token: &Token) -> Option<(BinaryOp, u8, u8)> {
    Some(match token {
        Token::Name(n) if n == "or" => (BinaryOp::Or, 1, 2),
        Token::Name(n) if n == "and" => (BinaryOp::And, 3, 4),
        Token::Symbol("<") => (BinaryOp::Less, 7, 8),
        Token::Symbol("<=") => (BinaryOp::LessEqual, 7, 8),
        Token::Symbol(">") => (BinaryOp::Greater, 7, 8),
        Token::Symbol(">=") => (BinaryOp::GreaterEqual, 7, 8),
        Token::Symbol("==") => (BinaryOp::Equal, 7, 8),
        Token::Symbol("!=") => (BinaryOp::NotEqual, 7, 8),
        Token::Symbol("+") => (BinaryOp::Add, 9, 10),
        Token::Symbol("-") => (BinaryOp::Subtract, 9, 10),
        Token::Symbol("*") => (BinaryOp::Multiply, 11, 12),
        Token::Symbol("/") => (BinaryOp::Divide, 11, 12),
        Token::Symbol("^") => (BinaryOp::Power, 16, 15),
        _ => return None,
    })
}

const NOT_POWER: u8 = 5;
const NEGATE_POWER: u8 = 13;

impl Parser {
    fn peek(&self) -> &(Token, Range<usize>) {
        &self.tokens[self.position]
    }

    fn advance(&mut self) -> (Token, Range<usize>) {
        let token = self.tokens[self.position].clone();
        if self.position + 1 < self.tokens.len() {
            self.position += 1;
        }
        token
    }

    fn expression(&mut self, min_power: u8) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let span = self.peek().1.clone();
            return Err(ParseError::new(
                format!("the expression is nested more than {MAX_DEPTH} levels deep"),
                span,
            )
            .with_hint("split it into several `derived` values"));
        }
        let result = self.nested(min_power);
        self.depth -= 1;
        result
    }

    fn nested(&mut self, min_power: u8) -> Result<Expr, ParseError> {
        let mut left = self.prefix()?;
        loop {
            let (token, _) = self.peek();
            let Some((op, left_power, right_power)) = infix(token) else {
                break;
            };
            if left_power < min_power {
                break;
            }
            self.advance();
            let right = self.expression(right_power)?;
            if op.is_comparison()
                && let ExprKind::Binary(inner, _, _) = &left.kind
                && inner.is_comparison()
            {
                return Err(ParseError::new(
                    "comparisons cannot be chained",
                    left.span.start..right.span.end,
                )
                .with_hint("write `a < b and b < c`"));
            }
            let span = left.span.start..right.span.end;
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
        Ok(left)
    }

    fn prefix(&mut self) -> Result<Expr, ParseError> {
        let (token, span) = self.advance();
        match token {
            Token::Number(value) => Ok(Expr {
                kind: ExprKind::Number(value),
                span,
            }),
            Token::Symbol("-") => self.unary(UnaryOp::Negate, NEGATE_POWER, span),
            Token::Symbol("+") => self.expression(NEGATE_POWER),
            Token::Symbol("!") => self.unary(UnaryOp::Not, NOT_POWER, span),
            Token::Name(name) if name == "not" => self.unary(UnaryOp::Not, NOT_POWER, span),
            Token::Symbol("(") => {
                let inner = self.expression(0)?;
                self.expect_close(span.start)?;
                Ok(inner)
            }
            Token::Name(name) => {
                if matches!(self.peek().0, Token::Symbol("(")) {
                    self.call(name, span)
                } else if let Some(function) = Function::from_name(&name) {
                    Err(ParseError::new(format!("`{name}` is a function"), span)
                        .with_hint(format!("call it: {}", function.usage())))
                } else if name == "and" || name == "or" {
                    Err(ParseError::new(
                        format!("`{name}` needs a value on its left"),
                        span,
                    ))
                } else {
                    Ok(Expr {
                        kind: ExprKind::Name(name),
                        span,
                    })
                }
            }
            Token::End => Err(ParseError::new("the expression ends too early", span)
                .with_hint("a value or a closing parenthesis is missing")),
            other => Err(ParseError::new(
                format!("expected a value, found {}", describe(&other)),
                span,
            )),
        }
    }

    fn unary(&mut self, op: UnaryOp, power: u8, span: Range<usize>) -> Result<Expr, ParseError> {
        let operand = self.expression(power)?;
        let span = span.start..operand.span.end;
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        })
    }

    fn expect_close(&mut self, open: usize) -> Result<usize, ParseError> {
        match self.advance() {
            (Token::Symbol(")"), span) => Ok(span.end),
            (token, span) => Err(ParseError::new(
                format!("expected `)`, found {}", describe(&token)),
                span,
            )
            .with_hint(format!("the `(` at offset {open} is not closed"))),
        }
    }

    fn call(&mut self, name: String, name_span: Range<usize>) -> Result<Expr, ParseError> {
        let Some(function) = Function::from_name(&name) else {
            let known = FUNCTIONS.iter().map(|&(known, _)| known);
            let error = ParseError::new(format!("unknown function `{name}`"), name_span);
            return Err(if let Some(rewrite) = functions::rewrite_hint(&name) {
                error.with_hint(rewrite)
            } else if let Some(best) = crate::diag::closest(&name, known.clone()) {
                error.with_hint(format!("did you mean `{best}`?"))
            } else {
                error.with_hint(format!(
                    "functions: {}",
                    known.collect::<Vec<_>>().join(", ")
                ))
            });
        };
        self.advance();
        let mut arguments = Vec::new();
        let end = if matches!(self.peek().0, Token::Symbol(")")) {
            self.advance().1.end
        } else {
            loop {
                arguments.push(self.expression(0)?);
                if matches!(self.peek().0, Token::Symbol(",")) {
                    self.advance();
                } else {
                    break self.expect_close(name_span.start)?;
                }
            }
        };
        let span = name_span.start..end;
        let (minimum, maximum) = function.arity();
        if arguments.len() < minimum || arguments.len() > maximum {
            return Err(ParseError::new(
                format!(
                    "`{name}` takes {}, found {}",
                    plural_arguments(minimum, maximum),
                    arguments.len()
                ),
                span,
            )
            .with_hint(format!("usage: {}", function.usage())));
        }
        Ok(Expr {
            kind: ExprKind::Call(function, arguments),
            span,
        })
    }
}

fn plural_arguments(minimum: usize, maximum: usize) -> String {
    if minimum == maximum {
        format!("{minimum} argument{}", if minimum == 1 { "" } else { "s" })
    } else {
        format!("at least {minimum} arguments")
    }
}

mod drop;
mod functions;
mod tokens;
pub use functions::{FUNCTIONS, Function};
use tokens::{Token, describe, tokenize};
#[cfg(test)]
mod tests;
