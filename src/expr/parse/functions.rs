//! The language's functions: their names (with the aliases R, Python and MathML use),
//! argument counts and usage lines for error hints.

/// A function of the expression language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    If,
    Exp,
    Ln,
    Log10,
    Sqrt,
    Abs,
    Min,
    Max,
    Pow,
    Hill,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Floor,
    Ceil,
}

/// Every function name the parser accepts and the function it names. Inverse functions also
/// go by their MathML names (`arcsin`), `ceil` by R's and MathML's `ceiling`.
pub const FUNCTIONS: &[(&str, Function)] = &[
    ("if", Function::If),
    ("exp", Function::Exp),
    ("ln", Function::Ln),
    ("log", Function::Ln),
    ("log10", Function::Log10),
    ("sqrt", Function::Sqrt),
    ("abs", Function::Abs),
    ("min", Function::Min),
    ("max", Function::Max),
    ("pow", Function::Pow),
    ("hill", Function::Hill),
    ("sin", Function::Sin),
    ("cos", Function::Cos),
    ("tan", Function::Tan),
    ("asin", Function::Asin),
    ("arcsin", Function::Asin),
    ("acos", Function::Acos),
    ("arccos", Function::Acos),
    ("atan", Function::Atan),
    ("arctan", Function::Atan),
    ("sinh", Function::Sinh),
    ("cosh", Function::Cosh),
    ("tanh", Function::Tanh),
    ("asinh", Function::Asinh),
    ("arcsinh", Function::Asinh),
    ("acosh", Function::Acosh),
    ("arccosh", Function::Acosh),
    ("atanh", Function::Atanh),
    ("arctanh", Function::Atanh),
    ("floor", Function::Floor),
    ("ceil", Function::Ceil),
    ("ceiling", Function::Ceil),
];

impl Function {
    pub(super) fn from_name(name: &str) -> Option<Function> {
        FUNCTIONS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, function)| function)
    }

    /// The accepted argument counts, as (minimum, maximum).
    pub(super) fn arity(self) -> (usize, usize) {
        match self {
            Function::If | Function::Hill => (3, 3),
            Function::Pow => (2, 2),
            Function::Min | Function::Max => (2, usize::MAX),
            _ => (1, 1),
        }
    }

    pub(super) fn usage(self) -> &'static str {
        match self {
            Function::If => "if(condition, value_if_true, value_if_false)",
            Function::Hill => "hill(x, n, k) = x^n / (k^n + x^n)",
            Function::Pow => "pow(base, exponent)",
            Function::Min => "min(a, b, ...)",
            Function::Max => "max(a, b, ...)",
            Function::Exp => "exp(x)",
            Function::Ln => "ln(x) (natural log; log(x) is the same)",
            Function::Log10 => "log10(x)",
            Function::Sqrt => "sqrt(x)",
            Function::Abs => "abs(x)",
            Function::Sin => "sin(x) (x in radians)",
            Function::Cos => "cos(x) (x in radians)",
            Function::Tan => "tan(x) (x in radians)",
            Function::Asin => "asin(x) (arcsin(x) is the same)",
            Function::Acos => "acos(x) (arccos(x) is the same)",
            Function::Atan => "atan(x) (arctan(x) is the same)",
            Function::Sinh => "sinh(x)",
            Function::Cosh => "cosh(x)",
            Function::Tanh => "tanh(x)",
            Function::Asinh => "asinh(x) (arcsinh(x) is the same)",
            Function::Acosh => "acosh(x) (arccosh(x) is the same)",
            Function::Atanh => "atanh(x) (arctanh(x) is the same)",
            Function::Floor => "floor(x)",
            Function::Ceil => "ceil(x) (ceiling(x) is the same)",
        }
    }
}

/// A hint for a function the language lacks but that a formula of its own functions gives.
pub(super) fn rewrite_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "sec" => "write 1 / cos(x)",
        "csc" => "write 1 / sin(x)",
        "cot" => "write 1 / tan(x)",
        "log2" => "write ln(x) / ln(2)",
        _ => return None,
    })
}
