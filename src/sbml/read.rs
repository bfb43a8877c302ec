//! SBML text into the document types: the XML parsed by roxmltree, each component read with
//! its position, and what cartsim cannot simulate refused where it is written.

use super::annotations::{plain_text, time_unit_word, urns};
use super::document::*;
use super::math::Math;
use super::mathml::{elements, read_lambda, read_math};
use roxmltree::{Document, Node};

/// Why an SBML file cannot be imported: what, where, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub pos: Pos,
    pub hint: Option<String>,
}

impl Refusal {
    pub fn at(node: Node, message: impl Into<String>) -> Self {
        Refusal {
            message: message.into(),
            pos: position(node),
            hint: None,
        }
    }

    pub fn at_pos(pos: Pos, message: impl Into<String>) -> Self {
        Refusal {
            message: message.into(),
            pos,
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Where a node starts in the text.
pub fn position(node: Node) -> Pos {
    let at = node.document().text_pos_at(node.range().start);
    Pos {
        line: at.row,
        column: at.col,
    }
}

/// Reads an SBML Level 2 or 3 document.
pub fn read_sbml(text: &str) -> Result<Model, Refusal> {
    let document = Document::parse(text).map_err(|e| {
        let at = e.pos();
        Refusal {
            message: format!("not well-formed XML: {e}"),
            pos: Pos {
                line: at.row,
                column: at.col,
            },
            hint: None,
        }
    })?;
    let root = document.root_element();
    if root.tag_name().name() != "sbml" {
        let found = root.tag_name().name();
        return Err(Refusal::at(
            root,
            format!("not an SBML document: the root element is <{found}>"),
        )
        .hint("give an SBML Level 2 or 3 file (its root element is <sbml>)"));
    }
    let level = number_attribute(root, "level")?.unwrap_or(0.0) as u32;
    let version = number_attribute(root, "version")?.unwrap_or(0.0) as u32;
    if !(2..=3).contains(&level) {
        return Err(Refusal::at(root, format!("SBML Level {level} is not read"))
            .hint("convert the model to SBML Level 3 (libSBML, COPASI) and import that"));
    }
    refuse_required_packages(root)?;
    let model_node = child(root, "model")
        .ok_or_else(|| Refusal::at(root, "the SBML document has no <model>"))?;
    let mut model = read_model(model_node)?;
    model.level = level;
    model.version = version;
    Ok(model)
}

fn refuse_required_packages(root: Node) -> Result<(), Refusal> {
    for attribute in root.attributes() {
        if attribute.name() == "required" && attribute.value() == "true" {
            let package = attribute.namespace().unwrap_or_default();
            return Err(
                Refusal::at(root, format!("the model needs the SBML package {package}"))
                    .hint("cartsim reads SBML core only"),
            );
        }
    }
    Ok(())
}

pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    elements(node).find(|n| n.tag_name().name() == name)
}

/// The elements of `<listOf...>` under `node` (none when the list is absent).
pub fn list<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    child(node, name)
        .map(|l| elements(l).collect())
        .unwrap_or_default()
}

fn number_attribute(node: Node, name: &str) -> Result<Option<f64>, Refusal> {
    match node.attribute(name) {
        None => Ok(None),
        Some(text) => match text.trim().parse::<f64>() {
            Ok(value) => Ok(Some(value)),
            Err(_) => Err(Refusal::at(
                node,
                format!("`{name}=\"{text}\"` is not a number"),
            )),
        },
    }
}

fn flag(node: Node, name: &str, default: bool) -> bool {
    node.attribute(name)
        .map_or(default, |v| v == "true" || v == "1")
}

fn id_of(node: Node) -> Result<String, Refusal> {
    node.attribute("id").map(str::to_string).ok_or_else(|| {
        Refusal::at(
            node,
            format!("a <{}> without an `id`", node.tag_name().name()),
        )
    })
}

fn info(node: Node) -> Result<Info, Refusal> {
    Ok(Info {
        id: id_of(node)?,
        name: node.attribute("name").map(str::to_string),
        notes: child(node, "notes")
            .map(plain_text)
            .filter(|t| !t.is_empty()),
        units: node
            .attribute("units")
            .or(node.attribute("substanceUnits"))
            .map(str::to_string),
        pos: position(node),
    })
}

/// The `<math>` child of `node`, read.
fn math_of(node: Node) -> Result<Math, Refusal> {
    let math = child(node, "math")
        .ok_or_else(|| Refusal::at(node, format!("<{}> has no <math>", node.tag_name().name())))?;
    read_math(math)
}

/// Units written by unit definition id (`unit_0`) as that definition's name (`1/d`) where it
/// has one.
fn name_units(node: Node, model: &mut Model) {
    let definitions = list(node, "listOfUnitDefinitions");
    let name_of = |id: &str| {
        let definition = definitions.iter().find(|d| d.attribute("id") == Some(id));
        definition
            .and_then(|d| d.attribute("name"))
            .map(str::to_string)
    };
    let infos = (model.compartments.iter_mut().map(|c| &mut c.info))
        .chain(model.species.iter_mut().map(|s| &mut s.info))
        .chain(model.parameters.iter_mut().map(|p| &mut p.info));
    for info in infos {
        if let Some(name) = info.units.as_deref().and_then(name_of) {
            info.units = Some(name);
        }
    }
}

fn read_model(node: Node) -> Result<Model, Refusal> {
    let mut model = Model {
        info: Info {
            id: node.attribute("id").unwrap_or("model").to_string(),
            name: node.attribute("name").map(str::to_string),
            pos: position(node),
            ..Info::default()
        },
        urns: urns(node),
        time_unit: node.attribute("timeUnits").map(str::to_string),
        conversion_factor: node.attribute("conversionFactor").map(str::to_string),
        ..Model::default()
    };
    for f in list(node, "listOfFunctionDefinitions") {
        let (arguments, body) = read_lambda(child(f, "math").unwrap_or(f))?;
        model.functions.push(FunctionDefinition {
            id: id_of(f)?,
            arguments,
            body,
            pos: position(f),
        });
    }
    if model.time_unit.is_none()
        && list(node, "listOfUnitDefinitions")
            .iter()
            .any(|u| u.attribute("id") == Some("time"))
    {
        model.time_unit = Some("time".into());
    }
    model.time_unit = model.time_unit.map(|unit| time_unit_word(node, &unit));
    for c in list(node, "listOfCompartments") {
        model.compartments.push(Compartment {
            info: info(c)?,
            size: number_attribute(c, "size")?.or(number_attribute(c, "volume")?),
            constant: flag(c, "constant", true),
            dimensions: number_attribute(c, "spatialDimensions")?.unwrap_or(3.0),
        });
        if let Some(point) = model
            .compartments
            .last_mut()
            .filter(|c| c.dimensions == 0.0)
        {
            point.size = point.size.or(Some(1.0));
        }
    }
    for s in list(node, "listOfSpecies") {
        let mut species = read_species(s)?;
        // A compartment of 0 dimensions has no size: its species are amounts.
        let point = |c: &&Compartment| c.info.id == species.compartment && c.dimensions == 0.0;
        species.only_substance |= model.compartments.iter().find(point).is_some();
        model.species.push(species);
    }
    for p in list(node, "listOfParameters") {
        model.parameters.push(read_parameter(p)?);
    }
    for a in list(node, "listOfInitialAssignments") {
        model
            .initial_assignments
            .extend(read_rule(a, "symbol", RuleKind::Assignment)?);
    }
    for r in list(node, "listOfRules") {
        let kind = match r.tag_name().name() {
            "assignmentRule" => RuleKind::Assignment,
            "rateRule" => RuleKind::Rate,
            other => return Err(Refusal::at(r, format!("<{other}> cannot be translated"))
                .hint("cartsim integrates ODEs only (no algebraic equations); rewrite it as an assignment or rate rule")),
        };
        model.rules.extend(read_rule(r, "variable", kind)?);
    }
    for r in list(node, "listOfReactions") {
        model.reactions.push(read_reaction(r)?);
    }
    for e in list(node, "listOfEvents") {
        model.events.push(read_event(e)?);
    }
    name_units(node, &mut model);
    Ok(model)
}

fn read_species(node: Node) -> Result<Species, Refusal> {
    let initial = match (
        number_attribute(node, "initialAmount")?,
        number_attribute(node, "initialConcentration")?,
    ) {
        (Some(amount), _) => Some(Initial::Amount(amount)),
        (None, Some(concentration)) => Some(Initial::Concentration(concentration)),
        (None, None) => None,
    };
    Ok(Species {
        info: info(node)?,
        compartment: node
            .attribute("compartment")
            .map(str::to_string)
            .ok_or_else(|| Refusal::at(node, "a <species> without a `compartment`"))?,
        initial,
        only_substance: flag(node, "hasOnlySubstanceUnits", false),
        boundary: flag(node, "boundaryCondition", false),
        constant: flag(node, "constant", false),
        conversion_factor: node.attribute("conversionFactor").map(str::to_string),
    })
}

fn read_parameter(node: Node) -> Result<Parameter, Refusal> {
    Ok(Parameter {
        info: info(node)?,
        value: number_attribute(node, "value")?,
        constant: flag(node, "constant", true),
    })
}

/// A rule, initial assignment or event assignment; `None` without math (SBML L3V2: it then
/// has no effect).
fn read_rule(node: Node, target: &str, kind: RuleKind) -> Result<Option<Rule>, Refusal> {
    let name = node.tag_name().name();
    let variable = (node.attribute(target))
        .ok_or_else(|| Refusal::at(node, format!("<{name}> without `{target}`")))?;
    let Some(math) = child(node, "math") else {
        return Ok(None);
    };
    Ok(Some(Rule {
        kind,
        variable: variable.to_string(),
        math: read_math(math)?,
        pos: position(node),
    }))
}

fn read_reaction(node: Node) -> Result<Reaction, Refusal> {
    if flag(node, "fast", false) {
        return Err(Refusal::at(node, "a fast reaction cannot be translated")
            .hint("cartsim has no fast (equilibrium) reactions; give it an ordinary kinetic law"));
    }
    let law = child(node, "kineticLaw")
        .ok_or_else(|| Refusal::at(node, "a <reaction> without a <kineticLaw> has no rate"))?;
    let mut local_parameters = Vec::new();
    for p in list(law, "listOfLocalParameters")
        .into_iter()
        .chain(list(law, "listOfParameters"))
    {
        local_parameters.push(read_parameter(p)?);
    }
    Ok(Reaction {
        info: info(node)?,
        reactants: species_references(node, "listOfReactants")?,
        products: species_references(node, "listOfProducts")?,
        rate: math_of(law)?,
        local_parameters,
    })
}

fn species_references(reaction: Node, list_name: &str) -> Result<Vec<SpeciesReference>, Refusal> {
    let mut references = Vec::new();
    for r in list(reaction, list_name) {
        if let Some(math) = child(r, "stoichiometryMath") {
            return Err(Refusal::at(math, "<stoichiometryMath> cannot be translated")
                .hint("give a constant `stoichiometry` (or an assignment to a parameter used in the kinetic law)"));
        }
        references.push(SpeciesReference {
            species: r
                .attribute("species")
                .map(str::to_string)
                .ok_or_else(|| Refusal::at(r, "a <speciesReference> without `species`"))?,
            stoichiometry: number_attribute(r, "stoichiometry")?.unwrap_or(1.0),
            id: r.attribute("id").map(str::to_string),
            pos: position(r),
        });
    }
    Ok(references)
}

fn read_event(node: Node) -> Result<Event, Refusal> {
    if let Some(delay) = child(node, "delay") {
        return Err(
            Refusal::at(delay, "an event <delay> cannot be translated").hint(
                "cartsim events act when they fire; model the delay with a time-triggered event",
            ),
        );
    }
    if let Some(priority) = child(node, "priority") {
        return Err(
            Refusal::at(priority, "an event <priority> cannot be translated")
                .hint("cartsim acts on events that fire together in file order"),
        );
    }
    let trigger = child(node, "trigger")
        .ok_or_else(|| Refusal::at(node, "an <event> without a <trigger>"))?;
    let mut assignments = Vec::new();
    for a in list(node, "listOfEventAssignments") {
        assignments.extend(read_rule(a, "variable", RuleKind::Assignment)?);
    }
    Ok(Event {
        id: node.attribute("id").map(str::to_string),
        trigger: math_of(trigger)?,
        initial_value: flag(trigger, "initialValue", true),
        assignments,
        pos: position(node),
    })
}
