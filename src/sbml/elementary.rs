//! MathML's trigonometric and hyperbolic functions, their inverses, `floor` and `ceiling`, and
//! the cartsim function each is written with: itself (`arcsin` is `asin`), or a reciprocal
//! (`sec(x)` is `1 / cos(x)`, `arcsec(x)` is `acos(1 / x)`, as the SBML Test Suite has them).

/// How the cartsim function gives the MathML one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `f(x)`.
    Direct,
    /// `1 / f(x)`.
    ReciprocalOfValue,
    /// `f(1 / x)`.
    OfReciprocal,
}

/// A one-argument MathML function with a cartsim form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elementary {
    /// The MathML element (`arcsec`).
    pub mathml: &'static str,
    /// The cartsim function (`acos`).
    pub function: &'static str,
    pub form: Form,
}

const fn row(mathml: &'static str, function: &'static str, form: Form) -> Elementary {
    Elementary {
        mathml,
        function,
        form,
    }
}

const ELEMENTARY: [Elementary; 26] = [
    row("sin", "sin", Form::Direct),
    row("cos", "cos", Form::Direct),
    row("tan", "tan", Form::Direct),
    row("sinh", "sinh", Form::Direct),
    row("cosh", "cosh", Form::Direct),
    row("tanh", "tanh", Form::Direct),
    row("arcsin", "asin", Form::Direct),
    row("arccos", "acos", Form::Direct),
    row("arctan", "atan", Form::Direct),
    row("arcsinh", "asinh", Form::Direct),
    row("arccosh", "acosh", Form::Direct),
    row("arctanh", "atanh", Form::Direct),
    row("floor", "floor", Form::Direct),
    row("ceiling", "ceil", Form::Direct),
    row("sec", "cos", Form::ReciprocalOfValue),
    row("csc", "sin", Form::ReciprocalOfValue),
    row("cot", "tan", Form::ReciprocalOfValue),
    row("sech", "cosh", Form::ReciprocalOfValue),
    row("csch", "sinh", Form::ReciprocalOfValue),
    row("coth", "tanh", Form::ReciprocalOfValue),
    row("arcsec", "acos", Form::OfReciprocal),
    row("arccsc", "asin", Form::OfReciprocal),
    row("arccot", "atan", Form::OfReciprocal),
    row("arcsech", "acosh", Form::OfReciprocal),
    row("arccsch", "asinh", Form::OfReciprocal),
    row("arccoth", "atanh", Form::OfReciprocal),
];

/// The function a MathML element names, if it is one of these.
pub fn elementary(mathml: &str) -> Option<Elementary> {
    ELEMENTARY.iter().find(|e| e.mathml == mathml).copied()
}
