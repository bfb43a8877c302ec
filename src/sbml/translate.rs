//! SBML document to a cartsim model: cartsim names for SBML ids, function definitions
//! inlined, every formula printed in cartsim's expression language, events as `when`/`set`.

use super::document::{Event, Info, Model, Pos};
use super::math::{Math, Op};
use super::names::Names;
use super::read::Refusal;
use super::roles::{Role, Symbol, assign_roles};

/// How to import: names and the simulation block written into the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// Name things by their SBML ids (default: by their SBML names where those are valid
    /// identifiers).
    pub sbml_ids: bool,
    pub end: f64,
    pub step: f64,
}

/// One named entry: a parameter (its value), derived value (formula) or state (initial value).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub text: String,
    pub unit: Option<String>,
    pub description: Option<String>,
}

/// A state event: `when`, then `set`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEntry {
    pub name: String,
    pub when: String,
    pub set: Vec<(String, String)>,
    /// The guard event that arms this one.
    pub after: Option<String>,
    /// A guard (nothing to set) is recorded: a cartsim event must do something.
    pub record: bool,
}

/// A cartsim model in its written parts, ready for the YAML writer.
#[derive(Debug, Clone, PartialEq)]
pub struct CartsimModel {
    pub name: String,
    pub title: Option<String>,
    pub reference: String,
    pub time_unit: Option<String>,
    pub parameters: Vec<Entry>,
    pub derived: Vec<Entry>,
    pub states: Vec<Entry>,
    /// Per state, in state order: the state's name and d/dt.
    pub odes: Vec<(String, String)>,
    /// States that are not species, which may be negative.
    pub signed_states: Vec<String>,
    pub events: Vec<EventEntry>,
    pub end: f64,
    pub step: f64,
}

/// Functions may call functions this deep (a definition calling itself is refused).
const MAX_INLINE_DEPTH: usize = 64;
/// Longest description kept from SBML notes (characters).
const MAX_DESCRIPTION: usize = 300;

/// Translates a read SBML model.
pub fn translate(model: &Model, options: &ImportOptions) -> Result<CartsimModel, Refusal> {
    let symbols = assign_roles(model)?;
    let names = Names::choose(&symbols, options.sbml_ids);
    let translator = Translator {
        model,
        names: &names,
    };
    let mut out = CartsimModel {
        name: names.model_name(&model.info.id),
        title: model.info.name.clone(),
        reference: reference(model),
        time_unit: model.time_unit.clone(),
        parameters: Vec::new(),
        derived: Vec::new(),
        states: Vec::new(),
        odes: Vec::new(),
        signed_states: Vec::new(),
        events: Vec::new(),
        end: options.end,
        step: options.step,
    };
    for symbol in &symbols {
        let name = names.of(&symbol.info.id).to_string();
        let entry = |text: String| Entry {
            name: name.clone(),
            text,
            unit: symbol.info.units.clone(),
            description: description(&symbol.info, &name),
        };
        match &symbol.role {
            Role::Parameter(value) => out.parameters.push(entry(
                translator.text(&Math::Number(*value), symbol.info.pos)?,
            )),
            Role::Derived(math) => out
                .derived
                .push(entry(translator.text(math, symbol.info.pos)?)),
            Role::State { initial, ode } => {
                out.states
                    .push(entry(translator.text(initial, symbol.info.pos)?));
                out.odes
                    .push((name.clone(), translator.text(ode, symbol.info.pos)?));
                if !symbol.is_species {
                    out.signed_states.push(name.clone());
                }
            }
        }
    }
    if out.states.is_empty() {
        add_clock(&mut out, &names);
    }
    out.events = translator.events(&symbols)?;
    Ok(out)
}

struct Translator<'a> {
    model: &'a Model,
    names: &'a Names,
}

impl Translator<'_> {
    /// `math` in cartsim's language: calls inlined, ids renamed.
    fn text(&self, math: &Math, pos: Pos) -> Result<String, Refusal> {
        self.cartsim_math(math, pos)?
            .to_cartsim()
            .map_err(|why| Refusal::at_pos(pos, format!("cannot translate: {why}")))
    }

    fn cartsim_math(&self, math: &Math, pos: Pos) -> Result<Math, Refusal> {
        let inlined = self.inline(math, pos, 0)?;
        inlined.map_symbols(&mut |id: &str| match self.names.get(id) {
            Some(name) => Ok(Math::Symbol(name.to_string())),
            None => Err(Refusal::at_pos(
                pos,
                format!("`{id}` is not defined in the model"),
            )),
        })
    }

    /// The math with every call of a function definition replaced by its body.
    fn inline(&self, math: &Math, pos: Pos, depth: usize) -> Result<Math, Refusal> {
        if depth > MAX_INLINE_DEPTH {
            return Err(Refusal::at_pos(
                pos,
                "function definitions call each other without end",
            ));
        }
        math.rewrite(&mut |m: &Math| {
            let Math::Call(name, args) = m else {
                return Ok(None);
            };
            let Some(function) = self.model.functions.iter().find(|f| f.id == *name) else {
                return Err(Refusal::at_pos(
                    pos,
                    format!("`{name}` is called but is not a function definition"),
                ));
            };
            if function.arguments.len() != args.len() {
                return Err(Refusal::at_pos(
                    pos,
                    format!(
                        "`{name}` takes {} arguments, called with {}",
                        function.arguments.len(),
                        args.len()
                    ),
                ));
            }
            let mut values = Vec::new();
            for arg in args {
                values.push(self.inline(arg, pos, depth + 1)?);
            }
            let body = function.body.map_symbols(&mut |id: &str| {
                let index = function.arguments.iter().position(|a| a == id);
                Ok::<_, Refusal>(index.map_or(Math::Symbol(id.to_string()), |i| values[i].clone()))
            })?;
            self.inline(&body, function.pos, depth + 1).map(Some)
        })
    }

    fn events(&self, symbols: &[Symbol]) -> Result<Vec<EventEntry>, Refusal> {
        let mut events: Vec<EventEntry> = Vec::new();
        // An event that assigns nothing has no effect (and cartsim refuses one).
        let acting = self
            .model
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.assignments.is_empty());
        for (index, event) in acting {
            let trigger = self.cartsim_math(&event.trigger, event.pos)?;
            let Some((op, left, right)) = comparison(&trigger) else {
                return Err(Refusal::at_pos(event.pos, "the event's trigger is not one comparison (<, <=, >, >=)")
                    .hint("cartsim events fire when one comparison becomes true; split `and`/`or` triggers into several events"));
            };
            let print = |m: &Math| {
                m.to_cartsim()
                    .map_err(|why| Refusal::at_pos(event.pos, why))
            };
            let when = print(&trigger)?;
            let set = self.assignments(symbols, event)?;
            let base =
                (event.id.as_deref()).map_or(format!("event_{}", index + 1), Names::identifier);
            let name = unique(&events, base);
            // SBML fires only when the trigger turns true after being false (initialValue
            // true: not at the start if it holds then); cartsim fires at once if it holds
            // when armed, so a guard arms it when the trigger is (or becomes) false.
            let after = match event.initial_value && !starts_false(op, left, right) {
                true => {
                    let guard = unique(&events, format!("{name}_armed"));
                    let negated = Math::Apply(negation(op), vec![left.clone(), right.clone()]);
                    let when = print(&negated)?;
                    events.push(EventEntry {
                        name: guard.clone(),
                        when,
                        set: Vec::new(),
                        after: None,
                        record: true,
                    });
                    Some(guard)
                }
                false => None,
            };
            events.push(EventEntry {
                name,
                when,
                set,
                after,
                record: false,
            });
        }
        Ok(events)
    }

    fn assignments(
        &self,
        symbols: &[Symbol],
        event: &Event,
    ) -> Result<Vec<(String, String)>, Refusal> {
        let mut set = Vec::new();
        for assignment in &event.assignments {
            let target = symbols.iter().find(|s| s.info.id == assignment.variable);
            if !matches!(target.map(|s| &s.role), Some(Role::State { .. })) {
                return Err(Refusal::at_pos(
                    assignment.pos,
                    format!(
                        "the event sets `{}`, which is not a state of the model",
                        assignment.variable
                    ),
                ));
            }
            let value = self.text(&assignment.math, assignment.pos)?;
            set.push((self.names.of(&assignment.variable).to_string(), value));
        }
        Ok(set)
    }
}

/// A model where nothing changes in time (rules of parameters and time only) gets the one
/// state cartsim needs: the time elapsed, `elapsed` (or `elapsed_2`, ...).
fn add_clock(out: &mut CartsimModel, names: &Names) {
    let mut name = String::from("elapsed");
    for n in 2.. {
        if !names.is_taken(&name) {
            break;
        }
        name = format!("elapsed_{n}");
    }
    out.states.push(Entry {
        name: name.clone(),
        text: "0".into(),
        unit: out.time_unit.clone(),
        description: Some("time since the start (cartsim models need a state)".into()),
    });
    out.odes.push((name, "1".into()));
}

fn unique(events: &[EventEntry], base: String) -> String {
    let mut name = base.clone();
    for n in 2.. {
        if !events.iter().any(|e| e.name == name) {
            break;
        }
        name = format!("{base}_{n}");
    }
    name
}

fn comparison(math: &Math) -> Option<(Op, &Math, &Math)> {
    match math {
        Math::Apply(op @ (Op::Gt | Op::Lt | Op::Geq | Op::Leq), args) if args.len() == 2 => {
            Some((*op, &args[0], &args[1]))
        }
        _ => None,
    }
}

fn negation(op: Op) -> Op {
    match op {
        Op::Gt => Op::Leq,
        Op::Lt => Op::Geq,
        Op::Geq => Op::Lt,
        _ => Op::Gt,
    }
}

/// Whether the trigger is `t >= c` (or `t > c`, `c <= t`, `c < t`) with c > 0: false at
/// the start (0).
fn starts_false(op: Op, left: &Math, right: &Math) -> bool {
    match (op, left, right) {
        (Op::Gt | Op::Geq, Math::Time, Math::Number(c)) => *c > 0.0,
        (Op::Lt | Op::Leq, Math::Number(c), Math::Time) => *c > 0.0,
        _ => false,
    }
}

/// The SBML model's id, level and version, and its BioModels URNs.
fn reference(model: &Model) -> String {
    let mut parts = vec![format!(
        "SBML model {} (Level {} Version {})",
        model.info.id, model.level, model.version
    )];
    parts.extend(model.urns.iter().cloned());
    parts.join("; ")
}

/// The SBML name (when it is not the cartsim name) and notes, shortened.
fn description(info: &Info, name: &str) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(sbml_name) = info
        .name
        .as_deref()
        .filter(|n| *n != name && !n.trim().is_empty())
    {
        parts.push(sbml_name.trim().to_string());
    }
    if let Some(notes) = &info.notes {
        parts.push(notes.clone());
    }
    let text = parts.join(": ");
    match text.chars().count() {
        0 => None,
        n if n > MAX_DESCRIPTION => {
            Some(text.chars().take(MAX_DESCRIPTION - 3).collect::<String>() + "...")
        }
        _ => Some(text),
    }
}
