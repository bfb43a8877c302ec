//! The parts of an SBML model cartsim reads, as plain data (no XML left): what `read` builds
//! and `translate` turns into a cartsim model.

use super::math::Math;

/// A 1-based line and column in the SBML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// What every named SBML component carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Info {
    pub id: String,
    pub name: Option<String>,
    /// The notes as plain text, whitespace collapsed.
    pub notes: Option<String>,
    /// The `units` (or `substanceUnits`) attribute.
    pub units: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Compartment {
    pub info: Info,
    pub size: Option<f64>,
    pub constant: bool,
    pub dimensions: f64,
}

/// How a species' initial value is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Initial {
    Amount(f64),
    Concentration(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Species {
    pub info: Info,
    pub compartment: String,
    pub initial: Option<Initial>,
    /// `hasOnlySubstanceUnits`: the symbol is the amount, not the concentration.
    pub only_substance: bool,
    pub boundary: bool,
    pub constant: bool,
    pub conversion_factor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub info: Info,
    pub value: Option<f64>,
    pub constant: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDefinition {
    pub id: String,
    pub arguments: Vec<String>,
    pub body: Math,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Assignment,
    Rate,
}

/// An assignment or rate rule, or an initial assignment (`kind` is then `Assignment`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub kind: RuleKind,
    pub variable: String,
    pub math: Math,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpeciesReference {
    pub species: String,
    pub stoichiometry: f64,
    /// L3: an id that math may use for the stoichiometry.
    pub id: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    pub info: Info,
    pub reactants: Vec<SpeciesReference>,
    pub products: Vec<SpeciesReference>,
    pub rate: Math,
    pub local_parameters: Vec<Parameter>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Option<String>,
    pub trigger: Math,
    /// `initialValue`: whether the trigger counts as true just before the start.
    pub initial_value: bool,
    pub assignments: Vec<Rule>,
    pub pos: Pos,
}

/// A model as cartsim reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub level: u32,
    pub version: u32,
    pub info: Info,
    /// BioModels and other identifiers from the model's annotation, as URNs.
    pub urns: Vec<String>,
    pub time_unit: Option<String>,
    pub conversion_factor: Option<String>,
    pub functions: Vec<FunctionDefinition>,
    pub compartments: Vec<Compartment>,
    pub species: Vec<Species>,
    pub parameters: Vec<Parameter>,
    pub initial_assignments: Vec<Rule>,
    pub rules: Vec<Rule>,
    pub reactions: Vec<Reaction>,
    pub events: Vec<Event>,
}
