//! SBML export: a model file (as its spec) written as SBML Level 3 Version 2 core.
//! Parameters stay constant parameters; derived values and outputs become assignment rules,
//! states parameters with rate rules (and initial assignments for formula initial values);
//! events that set states, extinction floors, bolus doses and infusions become SBML events
//! (`events`). Events that only record change no trajectory and are left out; what SBML core
//! cannot say the cartsim way (`stop`, and `after` or `repeat: false` on an event that sets
//! states) is refused. SBML time starts at 0: a model starting at another time is shifted
//! (`shift_time`).

mod events;
mod formula;

use crate::diag::{Diagnostic, number};
use crate::spec::{ExprText, ModelSpec};
use formula::{expr, math, mathml};
use std::collections::HashSet;
use std::fmt::Write;

/// The SBML text of a model.
pub fn export(spec: &ModelSpec) -> Result<String, Diagnostic> {
    refuse_unsupported(spec)?;
    let mut ids = Ids::of(spec);
    let events = events::events(spec, &mut ids)?;
    let mut parameters = String::new();
    let mut initials = String::new();
    let mut rules = String::new();
    for (name, p) in spec.parameters.iter() {
        let _ = writeln!(
            parameters,
            "      <parameter id=\"{name}\" value=\"{}\" constant=\"true\"/>",
            number(p.value)
        );
    }
    for (name, formula) in assigned(spec, &mut ids) {
        let _ = writeln!(
            parameters,
            "      <parameter id=\"{name}\" constant=\"false\"/>"
        );
        let _ = writeln!(
            rules,
            "      <assignmentRule variable=\"{name}\">{}</assignmentRule>",
            math(formula, &name)?
        );
    }
    for (name, state) in spec.states.iter() {
        let value = match &state.initial {
            ExprText::Number(v) => format!(" value=\"{}\"", number(*v)),
            formula => {
                let _ = writeln!(
                    initials,
                    "      <initialAssignment symbol=\"{name}\">{}</initialAssignment>",
                    math(formula, name)?
                );
                String::new()
            }
        };
        let _ = writeln!(
            parameters,
            "      <parameter id=\"{name}\"{value} constant=\"false\"/>"
        );
        let ode = spec
            .odes
            .get(name)
            .ok_or_else(|| Diagnostic::new(format!("state `{name}` has no ODE")))?;
        let rate = mathml(&expr(ode, name)?);
        let rate = match events
            .infusion_rates
            .iter()
            .find(|(state, _)| state == name)
        {
            Some((_, infusion)) => format!("<apply><plus/>{rate}<ci>{infusion}</ci></apply>"),
            None => rate,
        };
        let _ = writeln!(
            rules,
            "      <rateRule variable=\"{name}\"><math xmlns=\"{}\">{rate}</math></rateRule>",
            formula::MATHML
        );
    }
    for (_, infusion) in &events.infusion_rates {
        let _ = writeln!(
            parameters,
            "      <parameter id=\"{infusion}\" value=\"0\" constant=\"false\"/>"
        );
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" version=\"2\">\n");
    let title = spec
        .title
        .as_deref()
        .map(|t| format!(" name=\"{}\"", escape(t)))
        .unwrap_or_default();
    let _ = writeln!(out, "  <model id=\"{}\"{title}>", spec.name);
    for (list, body) in [
        ("listOfParameters", parameters),
        ("listOfInitialAssignments", initials),
        ("listOfRules", rules),
        ("listOfEvents", events.text),
    ] {
        if !body.is_empty() {
            let _ = write!(out, "    <{list}>\n{body}    </{list}>\n");
        }
    }
    out.push_str("  </model>\n</sbml>\n");
    Ok(shift_time(out, spec.simulation.start))
}

/// The derived values and outputs, each with its SBML id. An output named as another symbol
/// (`blasts: {expr: blasts}` beside the derived `blasts`) is that symbol when its formula is
/// the name, and gets a new id otherwise.
fn assigned<'a>(spec: &'a ModelSpec, ids: &mut Ids) -> Vec<(String, &'a ExprText)> {
    let mut assigned: Vec<(String, &ExprText)> = (spec.derived.iter())
        .map(|(name, formula)| (name.to_string(), formula))
        .collect();
    let others = |name: &str| {
        spec.parameters.get(name).is_some()
            || spec.derived.get(name).is_some()
            || spec.states.get(name).is_some()
    };
    for (name, output) in spec.outputs.iter() {
        match (others(name), &output.expr) {
            (false, formula) => assigned.push((name.to_string(), formula)),
            (true, ExprText::Text(text)) if text.trim() == name => {}
            (true, formula) => assigned.push((ids.fresh(name), formula)),
        }
    }
    assigned
}

fn refuse_unsupported(spec: &ModelSpec) -> Result<(), Diagnostic> {
    for (name, event) in spec.events.iter() {
        let refusal = match () {
            _ if event.stop => "`stop`",
            _ if event.set.is_empty() => continue,
            _ if event.after.is_some() => "`after`",
            _ if event.repeat == Some(false) => "`repeat: false`",
            _ => continue,
        };
        return Err(
            Diagnostic::new(format!("event `{name}`'s {refusal} has no SBML core form")).hint(
                "remove it (or write it as an event with `set` that repeats) before exporting",
            ),
        );
    }
    Ok(())
}

/// The SBML ids taken (one namespace: parameters, derived values, outputs, states, events),
/// so that the ids the export makes up are new.
pub(super) struct Ids(HashSet<String>);

impl Ids {
    fn of(spec: &ModelSpec) -> Self {
        let names = (spec.parameters.keys())
            .chain(spec.derived.keys())
            .chain(spec.outputs.keys())
            .chain(spec.states.keys())
            .chain(spec.events.keys())
            .chain([spec.name.as_str(), "weight"])
            .map(str::to_string)
            .collect();
        Ids(names)
    }

    /// `base`, or `base_2`, `base_3`, ... if it is taken; then taken.
    fn fresh(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut k = 1;
        while self.0.contains(&id) {
            k += 1;
            id = format!("{base}_{k}");
        }
        self.0.insert(id.clone());
        id
    }
}

/// SBML time starts at 0 (initial values hold there, and a trigger's `initialValue` is its
/// value before it): a model whose simulation starts at `start` is written in SBML time
/// `time = t - start`, so every `time` of the text (cartsim's `t`, the doses' times) becomes
/// `time + start`.
fn shift_time(text: String, start: f64) -> String {
    if start == 0.0 {
        return text;
    }
    let shifted = format!(
        "<apply><plus/>{}<cn>{}</cn></apply>",
        formula::TIME,
        number(start)
    );
    text.replace(formula::TIME, &shifted)
}

/// Text for an XML attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::export;
    use crate::spec::load_model;

    fn exported(extra: &str) -> Result<String, String> {
        let text = format!(
            "name: m\nparameters: {{k: 1}}\nstates: {{A: 1}}\nodes: {{A: -k * A}}\n{extra}simulation: {{end: 1, step: 0.5}}\n"
        );
        let spec = load_model("m.yaml", &text).unwrap().spec;
        export(&spec).map_err(|d| d.message)
    }

    #[test]
    fn stop_and_after_or_repeat_false_on_a_set_are_refused_by_name() {
        let stop = exported("events: {end: {when: A < 0.5, stop: true}}\n").unwrap_err();
        assert_eq!(stop, "event `end`'s `stop` has no SBML core form");
        let events = "events:\n  low: {when: A < 0.5, record: true}\n  top: {when: A < 0.4, after: low, set: {A: 1}}\n";
        let after = exported(events).unwrap_err();
        assert_eq!(after, "event `top`'s `after` has no SBML core form");
        let once = "events: {top: {when: A < 0.4, set: {A: 1}, repeat: false}}\n";
        let once = exported(once).unwrap_err();
        assert_eq!(once, "event `top`'s `repeat: false` has no SBML core form");
    }

    #[test]
    fn record_only_events_are_left_out_and_made_up_ids_are_new() {
        // `low` only records: no SBML event. The dose event's id `dose_1_1` is a parameter's
        // name here, so the event becomes `dose_1_1_2`.
        let events = "events:\n  low: {when: A < 0.5, record: true}\n  high: {when: A > 2, after: low, record: true}\n";
        let doses = "doses:\n  - {state: A, amount: 1, time: 0}\n";
        let text = format!("{events}{doses}");
        let sbml = exported(&text).unwrap();
        assert!(
            !sbml.contains("id=\"low\"") && !sbml.contains("id=\"high\""),
            "{sbml}"
        );
        let sbml = exported(doses).unwrap();
        assert!(sbml.contains("<event id=\"dose_1_1\""), "{sbml}");
        let taken = exported(&format!("derived: {{dose_1_1: 2 * A}}\n{doses}")).unwrap();
        assert!(taken.contains("<event id=\"dose_1_1_2\""), "{taken}");
    }
}
