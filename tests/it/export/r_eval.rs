//! A small evaluator of the R arithmetic nlmixr2 and rxode2 model blocks use, written for the
//! tests (independent of cartsim's expression code): numbers, names, `+ - * / ^` (`^` right
//! associative and above unary minus, as R has it), comparisons, `!`, `&&`, `||`,
//! parentheses and `exp log log10 sqrt abs min max ifelse`, the trigonometric and hyperbolic
//! functions and their inverses (`asin`, ..., `atanh`), `floor` and `ceiling`.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(&'static str),
}

const OPS: [&str; 17] = [
    "&&", "||", "<=", ">=", "==", "!=", "+", "-", "*", "/", "^", "<", ">", "!", "(", ")", ",",
];

fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < bytes.len() {
                let d = bytes[i] as char;
                let exponent_sign =
                    (d == '-' || d == '+') && matches!(bytes[i - 1] as char, 'e' | 'E');
                if d.is_ascii_digit() || d == '.' || d == 'e' || d == 'E' || exponent_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Token::Number(text[start..i].parse().expect("an R number")));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric() || b"._".contains(&bytes[i]))
            {
                i += 1;
            }
            out.push(Token::Name(text[start..i].to_string()));
        } else {
            let op = (OPS.iter())
                .find(|op| text[i..].starts_with(**op))
                .unwrap_or_else(|| panic!("unknown R character `{c}` in {text}"));
            i += op.len();
            out.push(Token::Op(op));
        }
    }
    out
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    values: &'a HashMap<String, f64>,
}

/// R's binding powers of the infix operators (higher binds tighter).
fn infix(op: &str) -> Option<(u8, u8)> {
    Some(match op {
        "||" => (1, 2),
        "&&" => (3, 4),
        "<" | "<=" | ">" | ">=" | "==" | "!=" => (7, 8),
        "+" | "-" => (9, 10),
        "*" | "/" => (11, 12),
        "^" => (16, 15),
        _ => return None,
    })
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn expect(&mut self, op: &str) {
        assert_eq!(self.next(), Some(Token::Op(leak(op))), "expected `{op}`");
    }

    fn expression(&mut self, min: u8) -> f64 {
        let mut left = match self.next().expect("an operand") {
            Token::Number(v) => v,
            Token::Name(name) if self.peek() == Some(&Token::Op("(")) => self.call(&name),
            Token::Name(name) => *self
                .values
                .get(&name)
                .unwrap_or_else(|| panic!("`{name}` is not defined")),
            Token::Op("(") => {
                let v = self.expression(0);
                self.expect(")");
                v
            }
            // Unary minus binds below `^` (-2^2 is -4) and above `*`.
            Token::Op("-") => -self.expression(13),
            Token::Op("+") => self.expression(13),
            // `!` binds below comparisons (!a < b is !(a < b)).
            Token::Op("!") => f64::from(self.expression(5) == 0.0),
            Token::Op(op) => panic!("unexpected `{op}`"),
        };
        while let Some(Token::Op(op)) = self.peek().cloned() {
            let Some((left_power, right_power)) = infix(op) else {
                break;
            };
            if left_power < min {
                break;
            }
            self.at += 1;
            let right = self.expression(right_power);
            left = match op {
                "+" => left + right,
                "-" => left - right,
                "*" => left * right,
                "/" => left / right,
                "^" => left.powf(right),
                "<" => f64::from(left < right),
                "<=" => f64::from(left <= right),
                ">" => f64::from(left > right),
                ">=" => f64::from(left >= right),
                "==" => f64::from(left == right),
                "!=" => f64::from(left != right),
                "&&" => f64::from(left != 0.0 && right != 0.0),
                _ => f64::from(left != 0.0 || right != 0.0),
            };
        }
        left
    }

    fn call(&mut self, name: &str) -> f64 {
        self.expect("(");
        let mut args = vec![self.expression(0)];
        while self.peek() == Some(&Token::Op(",")) {
            self.at += 1;
            args.push(self.expression(0));
        }
        self.expect(")");
        match (name, args.as_slice()) {
            ("exp", [x]) => x.exp(),
            ("log", [x]) => x.ln(),
            ("log10", [x]) => x.log10(),
            ("sqrt", [x]) => x.sqrt(),
            ("abs", [x]) => x.abs(),
            ("sin", [x]) => x.sin(),
            ("cos", [x]) => x.cos(),
            ("tan", [x]) => x.tan(),
            ("asin", [x]) => x.asin(),
            ("acos", [x]) => x.acos(),
            ("atan", [x]) => x.atan(),
            ("sinh", [x]) => x.sinh(),
            ("cosh", [x]) => x.cosh(),
            ("tanh", [x]) => x.tanh(),
            ("asinh", [x]) => x.asinh(),
            ("acosh", [x]) => x.acosh(),
            ("atanh", [x]) => x.atanh(),
            ("floor", [x]) => x.floor(),
            ("ceiling", [x]) => x.ceil(),
            ("min", _) => args.iter().copied().fold(f64::INFINITY, f64::min),
            ("max", _) => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ("ifelse", [c, yes, no]) => {
                if *c != 0.0 {
                    *yes
                } else {
                    *no
                }
            }
            _ => panic!("`{name}` with {} arguments is not R arithmetic", args.len()),
        }
    }
}

fn leak(op: &str) -> &'static str {
    OPS.iter()
        .find(|o| **o == op)
        .copied()
        .expect("a known operator")
}

/// The value of R expression `text` with `values` for its names.
pub fn evaluate(text: &str, values: &HashMap<String, f64>) -> f64 {
    let mut parser = Parser {
        tokens: tokens(text),
        at: 0,
        values,
    };
    let value = parser.expression(0);
    assert_eq!(parser.at, parser.tokens.len(), "trailing text in {text}");
    value
}

#[test]
fn r_precedence_as_r_has_it() {
    let values = HashMap::from([("a".to_string(), 2.0), ("b.c".to_string(), 3.0)]);
    for (text, expected) in [
        ("-2^2", -4.0),
        ("2^3^2", 512.0),
        ("1 + 2 * 3", 7.0),
        ("a * b.c - 1", 5.0),
        ("!a < 1", 1.0),
        ("ifelse(a > 1 && b.c < 3, 1, 2)", 2.0),
        ("max(1, a, -b.c) + min(a, 1e-1)", 2.1),
        ("log(exp(2)) + sqrt(16) + abs(-1) + log10(100)", 9.0),
        ("floor(-a / 4) + ceiling(b.c / 2) + cos(0) + sinh(0)", 2.0),
    ] {
        assert!((evaluate(text, &values) - expected).abs() < 1e-12, "{text}");
    }
}
