//! The tokenizer: expression text to numbers, names and symbols with their byte ranges.

use super::ParseError;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Number(f64),
    Name(String),
    Symbol(&'static str),
    End,
}

pub(super) fn tokenize(text: &str) -> Result<Vec<(Token, Range<usize>)>, ParseError> {
    const SYMBOLS: [&str; 15] = [
        "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "^", "(", ")", ",", "!",
    ];
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut j = i + 1;
                if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    i = j;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let literal = &text[start..i];
            let value = literal.parse::<f64>().map_err(|_| {
                ParseError::new(format!("`{literal}` is not a valid number"), start..i)
            })?;
            tokens.push((Token::Number(value), start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tokens.push((Token::Name(text[start..i].to_string()), start..i));
        } else if let Some(symbol) = SYMBOLS.iter().find(|s| text[i..].starts_with(**s)) {
            tokens.push((Token::Symbol(symbol), i..i + symbol.len()));
            i += symbol.len();
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            let error =
                ParseError::new(format!("unexpected character `{ch}`"), i..i + ch.len_utf8());
            return Err(match ch {
                '&' | '|' => error.with_hint("write `and` / `or` for logical operators"),
                '=' => error.with_hint("write `==` to compare; expressions do not assign"),
                _ => error.with_hint(
                    "expressions use numbers, names, + - * / ^, comparisons, and function calls",
                ),
            });
        }
    }
    tokens.push((Token::End, text.len()..text.len()));
    Ok(tokens)
}

pub(super) fn describe(token: &Token) -> String {
    match token {
        Token::Number(n) => format!("number `{n}`"),
        Token::Name(name) => format!("name `{name}`"),
        Token::Symbol(s) => format!("`{s}`"),
        Token::End => "end of expression".to_string(),
    }
}
