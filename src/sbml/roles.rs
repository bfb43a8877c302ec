//! What each SBML symbol becomes in cartsim: a parameter (a constant number), a derived value
//! (an assignment rule, a reaction's rate, a constant set by an initial assignment) or a state
//! (with its ODE and its initial value, resolved to a formula of parameters).

use super::document::*;
use super::math::{Math, Op};
use super::read::Refusal;
use std::collections::HashMap;

/// The cartsim role of one symbol; math still in SBML ids (local parameters renamed).
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    Parameter(f64),
    Derived(Math),
    State { initial: Math, ode: Math },
}

/// A symbol with its role and what it is, in model order.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    pub info: Info,
    pub role: Role,
    /// A species' amount or concentration (kept nonnegative by cartsim's warnings).
    pub is_species: bool,
}

/// How deep initial values may refer to one another before a cycle is assumed.
const MAX_DEPTH: usize = 64;

/// What rules, initial assignments and events set, by SBML id.
struct Targets<'a> {
    rules: HashMap<&'a str, &'a Rule>,
    initials: HashMap<&'a str, &'a Rule>,
    events: Vec<&'a str>,
}

/// Stands for an initial value until `resolve_initials` fills it in.
const PLACEHOLDER: Math = Math::Number(f64::NAN);

impl<'a> Targets<'a> {
    fn of(model: &'a Model) -> Self {
        let by_variable =
            |rules: &'a [Rule]| rules.iter().map(|r| (r.variable.as_str(), r)).collect();
        Targets {
            rules: by_variable(&model.rules),
            initials: by_variable(&model.initial_assignments),
            events: (model.events.iter())
                .flat_map(|e| e.assignments.iter().map(|a| a.variable.as_str()))
                .collect(),
        }
    }

    /// The role of a symbol that a rule, an event or an initial assignment sets.
    fn set_role(&self, id: &str) -> Option<Role> {
        match self.rules.get(id) {
            Some(rule) if rule.kind == RuleKind::Assignment => {
                Some(Role::Derived(rule.math.clone()))
            }
            Some(rule) => Some(Role::State {
                initial: PLACEHOLDER,
                ode: rule.math.clone(),
            }),
            None if self.events.contains(&id) => Some(Role::State {
                initial: PLACEHOLDER,
                ode: Math::Number(0.0),
            }),
            None if self.initials.contains_key(id) => Some(Role::Derived(PLACEHOLDER)),
            None => None,
        }
    }
}

/// Every symbol of the model with its role, in model order (species, compartments,
/// parameters, species references, reactions, local parameters).
pub fn assign_roles(model: &Model) -> Result<Vec<Symbol>, Refusal> {
    let targets = Targets::of(model);
    let mut symbols = Vec::new();
    for s in &model.species {
        let role = match targets.rules.contains_key(s.info.id.as_str()) {
            true => targets.set_role(&s.info.id),
            false => None,
        };
        let role = match role {
            Some(role) => role,
            None => Role::State {
                initial: PLACEHOLDER,
                ode: species_ode(model, s)?,
            },
        };
        symbols.push(Symbol {
            info: s.info.clone(),
            role,
            is_species: true,
        });
    }
    let constants = (model.compartments.iter().map(|c| (&c.info, c.size)))
        .chain(model.parameters.iter().map(|p| (&p.info, p.value)));
    for (info, value) in constants {
        let role = match (targets.set_role(&info.id), value) {
            (Some(role), _) => role,
            (None, Some(value)) => Role::Parameter(value),
            (None, None) => {
                return Err(
                    Refusal::at_pos(info.pos, format!("`{}` has no value", info.id))
                        .hint("give it a value, or an initial assignment"),
                );
            }
        };
        symbols.push(Symbol {
            info: info.clone(),
            role,
            is_species: false,
        });
    }
    symbols.extend(stoichiometries(model, &targets)?);
    for reaction in &model.reactions {
        let role = Role::Derived(local_names(reaction));
        symbols.push(Symbol {
            info: reaction.info.clone(),
            role,
            is_species: false,
        });
    }
    symbols.extend(local_parameters(model)?);
    refuse_varying_volumes(model, &symbols)?;
    resolve_initials(model, &mut symbols, &targets.initials)?;
    Ok(symbols)
}

/// Species references with an id: constant stoichiometries that math may use.
fn stoichiometries(model: &Model, targets: &Targets) -> Result<Vec<Symbol>, Refusal> {
    let mut symbols = Vec::new();
    for reference in (model.reactions.iter()).flat_map(|r| r.reactants.iter().chain(&r.products)) {
        if !model.species.iter().any(|s| s.info.id == reference.species) {
            let message = format!(
                "the reaction refers to `{}`, which is not a species",
                reference.species
            );
            return Err(Refusal::at_pos(reference.pos, message));
        }
        let Some(id) = &reference.id else { continue };
        if targets.rules.contains_key(id.as_str()) || targets.events.contains(&id.as_str()) {
            return Err(Refusal::at_pos(
                reference.pos,
                format!("the stoichiometry `{id}` changes in time"),
            )
            .hint("cartsim reactions have constant stoichiometries"));
        }
        let role = match targets.initials.contains_key(id.as_str()) {
            true => Role::Derived(PLACEHOLDER),
            false => Role::Parameter(reference.stoichiometry),
        };
        let info = Info {
            id: id.clone(),
            pos: reference.pos,
            ..Info::default()
        };
        symbols.push(Symbol {
            info,
            role,
            is_species: false,
        });
    }
    Ok(symbols)
}

/// Reactions' local parameters, as parameters under their global ids.
fn local_parameters(model: &Model) -> Result<Vec<Symbol>, Refusal> {
    let mut symbols = Vec::new();
    for reaction in &model.reactions {
        for p in &reaction.local_parameters {
            let value = p.value.ok_or_else(|| {
                Refusal::at_pos(
                    p.info.pos,
                    format!("local parameter `{}` has no value", p.info.id),
                )
            })?;
            let info = Info {
                id: local_id(&reaction.info.id, &p.info.id),
                ..p.info.clone()
            };
            symbols.push(Symbol {
                info,
                role: Role::Parameter(value),
                is_species: false,
            });
        }
    }
    Ok(symbols)
}

/// The global id of a reaction's local parameter (`/` cannot occur in SBML ids).
pub fn local_id(reaction: &str, parameter: &str) -> String {
    format!("{reaction}/{parameter}")
}

/// A reaction's rate with its local parameters renamed to their global ids.
fn local_names(reaction: &Reaction) -> Math {
    let locals: Vec<&str> = reaction
        .local_parameters
        .iter()
        .map(|p| p.info.id.as_str())
        .collect();
    let renamed = reaction.rate.map_symbols(&mut |id: &str| {
        Ok::<_, ()>(Math::Symbol(match locals.contains(&id) {
            true => local_id(&reaction.info.id, id),
            false => id.to_string(),
        }))
    });
    renamed.unwrap_or_else(|()| reaction.rate.clone())
}

/// d(species)/dt from the reactions: the sum of stoichiometry times rate, times the
/// conversion factor, over the compartment's size for a concentration.
fn species_ode(model: &Model, species: &Species) -> Result<Math, Refusal> {
    if species.boundary || species.constant {
        return Ok(Math::Number(0.0));
    }
    let mut sum: Option<Math> = None;
    for reaction in &model.reactions {
        let sides = [
            (&reaction.reactants, Op::Minus),
            (&reaction.products, Op::Plus),
        ];
        for (references, sign) in sides {
            for reference in references.iter().filter(|r| r.species == species.info.id) {
                let rate = Math::Symbol(reaction.info.id.clone());
                let term = match (&reference.id, reference.stoichiometry) {
                    (Some(id), _) => Math::Apply(Op::Times, vec![Math::Symbol(id.clone()), rate]),
                    (None, 1.0) => rate,
                    (None, s) => Math::Apply(Op::Times, vec![Math::Number(s), rate]),
                };
                sum = Some(match (sum, sign) {
                    (None, Op::Minus) => Math::Apply(Op::Minus, vec![term]),
                    (None, _) => term,
                    (Some(before), sign) => Math::Apply(sign, vec![before, term]),
                });
            }
        }
    }
    let Some(mut sum) = sum else {
        return Ok(Math::Number(0.0));
    };
    if let Some(factor) = species
        .conversion_factor
        .as_ref()
        .or(model.conversion_factor.as_ref())
    {
        sum = Math::Apply(Op::Times, vec![Math::Symbol(factor.clone()), sum]);
    }
    if !species.only_substance {
        sum = Math::Apply(
            Op::Divide,
            vec![sum, Math::Symbol(species.compartment.clone())],
        );
    }
    Ok(sum)
}

/// Species in concentration in a compartment whose size changes: cartsim's states are the
/// concentrations, which would need the dilution term.
fn refuse_varying_volumes(model: &Model, symbols: &[Symbol]) -> Result<(), Refusal> {
    for c in &model.compartments {
        let role = symbols
            .iter()
            .find(|s| s.info.id == c.info.id)
            .map(|s| &s.role);
        let ruled = model.rules.iter().any(|r| r.variable == c.info.id);
        let varies = ruled || matches!(role, Some(Role::State { .. }));
        let in_concentration = model
            .species
            .iter()
            .find(|s| s.compartment == c.info.id && !s.only_substance);
        if let (true, Some(species)) = (varies, in_concentration) {
            return Err(Refusal::at_pos(c.info.pos, format!("compartment `{}` changes size and holds `{}` in concentration", c.info.id, species.info.id))
                .hint("cartsim reads compartments of constant size; give the species hasOnlySubstanceUnits=\"true\""));
        }
        if c.dimensions == 0.0 && in_concentration.is_some() {
            return Err(Refusal::at_pos(
                c.info.pos,
                format!(
                    "compartment `{}` has no size (0 dimensions) but holds a species in concentration",
                    c.info.id
                ),
            ));
        }
    }
    Ok(())
}

/// Fills in the initial values of states and the values of constants set by initial
/// assignments, as formulas of parameters.
fn resolve_initials(
    model: &Model,
    symbols: &mut [Symbol],
    initials: &HashMap<&str, &Rule>,
) -> Result<(), Refusal> {
    let resolver = Resolver {
        model,
        symbols,
        initials,
    };
    let mut resolved = Vec::new();
    for (index, symbol) in symbols.iter().enumerate() {
        let from_assignment = initials.contains_key(symbol.info.id.as_str());
        match &symbol.role {
            Role::State { .. } => resolved.push((index, resolver.initial_of(&symbol.info.id, 0)?)),
            Role::Derived(_)
                if from_assignment && !model.rules.iter().any(|r| r.variable == symbol.info.id) =>
            {
                resolved.push((index, resolver.initial_of(&symbol.info.id, 0)?))
            }
            _ => {}
        }
    }
    for (index, value) in resolved {
        match &mut symbols[index].role {
            Role::State { initial, .. } => *initial = value,
            role => *role = Role::Derived(value),
        }
    }
    Ok(())
}

struct Resolver<'a> {
    model: &'a Model,
    symbols: &'a [Symbol],
    initials: &'a HashMap<&'a str, &'a Rule>,
}

impl Resolver<'_> {
    /// The value of `id` at the start, as a formula of parameters.
    fn initial_of(&self, id: &str, depth: usize) -> Result<Math, Refusal> {
        let symbol = self.symbols.iter().find(|s| s.info.id == id);
        let pos = symbol.map(|s| s.info.pos).unwrap_or_default();
        if depth > MAX_DEPTH {
            return Err(Refusal::at_pos(
                pos,
                format!("the initial value of `{id}` refers to itself"),
            ));
        }
        if let Some(rule) = self.initials.get(id) {
            return self.at_start(&rule.math, depth);
        }
        let Some(symbol) = symbol else {
            return Err(Refusal::at_pos(
                pos,
                format!("`{id}` is not defined in the model"),
            ));
        };
        match &symbol.role {
            Role::Parameter(_) => Ok(Math::Symbol(id.to_string())),
            Role::Derived(math) => self.at_start(math, depth),
            Role::State { .. } => self.stored_initial(symbol, depth),
        }
    }

    fn at_start(&self, math: &Math, depth: usize) -> Result<Math, Refusal> {
        math.map_leaves(&mut |leaf: &Math| match leaf {
            Math::Symbol(id) => self.initial_of(id, depth + 1),
            _ => Ok(Math::Number(0.0)),
        })
    }

    /// A state's initial value as its attributes give it.
    fn stored_initial(&self, symbol: &Symbol, depth: usize) -> Result<Math, Refusal> {
        let id = &symbol.info.id;
        if let Some(species) = self.model.species.iter().find(|s| s.info.id == *id) {
            let size = || self.initial_of(&species.compartment, depth + 1);
            return match (species.initial, species.only_substance) {
                (Some(Initial::Amount(a)), true) | (Some(Initial::Concentration(a)), false) => {
                    Ok(Math::Number(a))
                }
                (Some(Initial::Amount(a)), false) => {
                    Ok(Math::Apply(Op::Divide, vec![Math::Number(a), size()?]))
                }
                (Some(Initial::Concentration(c)), true) => {
                    Ok(Math::Apply(Op::Times, vec![Math::Number(c), size()?]))
                }
                (None, _) => Err(Refusal::at_pos(
                    symbol.info.pos,
                    format!("species `{id}` has no initial amount or concentration"),
                )
                .hint("give `initialAmount` or `initialConcentration`, or an initial assignment")),
            };
        }
        let compartments = self.model.compartments.iter().map(|c| (&c.info, c.size));
        let value = (compartments.chain(self.model.parameters.iter().map(|p| (&p.info, p.value))))
            .find(|(info, _)| info.id == *id)
            .and_then(|(_, value)| value);
        value.map(Math::Number).ok_or_else(|| {
            Refusal::at_pos(symbol.info.pos, format!("`{id}` has no initial value"))
                .hint("give it a value, or an initial assignment")
        })
    }
}
