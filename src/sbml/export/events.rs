//! The SBML events of a model: its `events:` that set states, its extinction floors, its bolus
//! doses (a `time >= T` event adding the amount) and its infusions (a `time >= T` event
//! switching the receiving state's infusion rate parameter on, and one at `T + duration`
//! switching it off, so that solvers see both discontinuities).
//!
//! A floor is an event on `state < floor` that sets every floored state below its own floor to
//! 0, as cartsim's floors do; its assignments are computed when it acts
//! (`useValuesFromTriggerTime="false"`), so a dose firing at the same instant is never undone.

use super::Ids;
use super::formula::{MATHML, TIME, expr, mathml, truth};
use crate::diag::{Diagnostic, number};
use crate::spec::{DoseSpec, ModelSpec};
use std::fmt::Write;

/// Every event's SBML text, and the infusion rate parameters as (state, parameter id).
pub(super) struct Events {
    pub text: String,
    pub infusion_rates: Vec<(String, String)>,
}

/// One SBML event.
struct Event<'a> {
    id: &'a str,
    /// The trigger's MathML content (inside `<math>`).
    trigger: &'a str,
    /// (variable, MathML content of its new value).
    assignments: &'a [(String, String)],
    /// Whether the new values are those at the trigger time (else when the event acts).
    values_at_trigger: bool,
}

pub(super) fn events(spec: &ModelSpec, ids: &mut Ids) -> Result<Events, Diagnostic> {
    let mut text = String::new();
    for (name, event) in spec.events.iter().filter(|(_, e)| !e.set.is_empty()) {
        let assignments: Result<Vec<(String, String)>, Diagnostic> = (event.set.iter())
            .map(|(state, value)| Ok((state.to_string(), mathml(&expr(value, name)?))))
            .collect();
        write_event(
            &mut text,
            &Event {
                id: name,
                trigger: &truth(&expr(&event.when, name)?),
                assignments: &assignments?,
                values_at_trigger: true,
            },
        );
    }
    floors(spec, ids, &mut text);
    let mut infusion_rates: Vec<(String, String)> = Vec::new();
    for (index, dose) in spec.doses.iter().enumerate() {
        let amount = match dose.per_kg {
            true => format!(
                "<apply><times/>{}<ci>weight</ci></apply>",
                mathml(&expr(&dose.amount, "doses")?)
            ),
            false => mathml(&expr(&dose.amount, "doses")?),
        };
        let times = dose_times(dose, index)?;
        match &dose.duration {
            None => {
                for (k, time) in times.iter().enumerate() {
                    let added = format!("<apply><plus/><ci>{}</ci>{amount}</apply>", dose.state);
                    write_event(
                        &mut text,
                        &Event {
                            id: &ids.fresh(&format!("dose_{}_{}", index + 1, k + 1)),
                            trigger: &at_or_after(time),
                            assignments: &[(dose.state.clone(), added)],
                            values_at_trigger: true,
                        },
                    );
                }
            }
            Some(duration) => {
                let rate = match infusion_rates.iter().find(|(s, _)| *s == dose.state) {
                    Some((_, rate)) => rate.clone(),
                    None => {
                        let rate = ids.fresh(&format!("{}_infusion_rate", dose.state));
                        infusion_rates.push((dose.state.clone(), rate.clone()));
                        rate
                    }
                };
                let duration = mathml(&expr(duration, "doses")?);
                let per_time = format!("<apply><divide/>{amount}{duration}</apply>");
                for (k, time) in times.iter().enumerate() {
                    let end = format!("<apply><plus/>{time}{duration}</apply>");
                    for (suffix, at, op) in [("on", time, "plus"), ("off", &end, "minus")] {
                        let switched = format!("<apply><{op}/><ci>{rate}</ci>{per_time}</apply>");
                        write_event(
                            &mut text,
                            &Event {
                                id: &ids.fresh(&format!(
                                    "infusion_{}_{}_{suffix}",
                                    index + 1,
                                    k + 1
                                )),
                                trigger: &at_or_after(at),
                                assignments: &[(rate.clone(), switched)],
                                values_at_trigger: true,
                            },
                        );
                    }
                }
            }
        }
    }
    Ok(Events {
        text,
        infusion_rates,
    })
}

/// One event per floored state, each setting every floored state below its floor to 0.
fn floors(spec: &ModelSpec, ids: &mut Ids, out: &mut String) {
    let floored: Vec<(&str, f64)> = (spec.states.iter())
        .filter_map(|(name, state)| state.floor.map(|level| (name, level)))
        .collect();
    let below = |name: &str, level: f64| {
        format!(
            "<apply><lt/><ci>{name}</ci><cn>{}</cn></apply>",
            number(level)
        )
    };
    let assignments: Vec<(String, String)> = (floored.iter())
        .map(|&(name, level)| {
            let value = format!(
                "<piecewise><piece><cn>0</cn>{}</piece><otherwise><ci>{name}</ci></otherwise></piecewise>",
                below(name, level)
            );
            (name.to_string(), value)
        })
        .collect();
    for &(name, level) in &floored {
        write_event(
            out,
            &Event {
                id: &ids.fresh(&format!("floor_{name}")),
                trigger: &below(name, level),
                assignments: &assignments,
                values_at_trigger: false,
            },
        );
    }
}

/// `time >= T`.
fn at_or_after(time: &str) -> String {
    format!("<apply><geq/>{TIME}{time}</apply>")
}

/// The times (MathML content) of a dose line's doses (`every`, `count` repeat it).
fn dose_times(dose: &DoseSpec, index: usize) -> Result<Vec<String>, Diagnostic> {
    let first = mathml(&expr(&dose.time, "doses")?);
    let every = match &dose.every {
        Some(every) => Some(mathml(&expr(every, "doses")?)),
        None => None,
    };
    let count = dose.count.unwrap_or(1);
    if count > 1000 {
        return Err(Diagnostic::new(format!(
            "dose line {} repeats {count} times; at most 1000 are exported",
            index + 1
        )));
    }
    Ok((0..count)
        .map(|k| match (&every, k) {
            (Some(every), k) if k > 0 => {
                format!("<apply><plus/>{first}<apply><times/><cn>{k}</cn>{every}</apply></apply>")
            }
            _ => first.clone(),
        })
        .collect())
}

fn write_event(out: &mut String, event: &Event) {
    let _ = writeln!(
        out,
        "      <event id=\"{}\" useValuesFromTriggerTime=\"{}\">",
        event.id, event.values_at_trigger
    );
    let _ = writeln!(
        out,
        "        <trigger initialValue=\"false\" persistent=\"true\"><math xmlns=\"{MATHML}\">{}</math></trigger>",
        event.trigger
    );
    if !event.assignments.is_empty() {
        out.push_str("        <listOfEventAssignments>\n");
        for (variable, value) in event.assignments {
            let _ = writeln!(
                out,
                "          <eventAssignment variable=\"{variable}\"><math xmlns=\"{MATHML}\">{value}</math></eventAssignment>"
            );
        }
        out.push_str("        </listOfEventAssignments>\n");
    }
    out.push_str("      </event>\n");
}
