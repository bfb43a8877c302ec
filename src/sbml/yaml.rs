//! The model file text of an imported model: block style, one entry a line, strings quoted
//! only where YAML needs it.

use super::translate::{CartsimModel, Entry};
use crate::diag::number;
use std::fmt::Write;

/// The model file of `model`.
pub fn model_yaml(model: &CartsimModel, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Imported from {source} by `cartsim import`.");
    let _ = writeln!(out, "name: {}", scalar(&model.name));
    if let Some(title) = &model.title {
        let _ = writeln!(out, "title: {}", quoted(title));
    }
    let _ = writeln!(out, "reference: {}", quoted(&model.reference));
    if let Some(unit) = &model.time_unit {
        let _ = writeln!(out, "time_unit: {}", quoted(unit));
    }
    section(&mut out, "parameters", &model.parameters, "value", &[]);
    if !model.derived.is_empty() {
        out.push_str("derived:\n");
        for entry in &model.derived {
            let _ = writeln!(out, "  {}: {}", scalar(&entry.name), scalar(&entry.text));
        }
    }
    section(
        &mut out,
        "states",
        &model.states,
        "initial",
        &model.signed_states,
    );
    out.push_str("odes:\n");
    for (name, ode) in &model.odes {
        let _ = writeln!(out, "  {}: {}", scalar(name), scalar(ode));
    }
    if !model.events.is_empty() {
        out.push_str("events:\n");
        for event in &model.events {
            let _ = writeln!(out, "  {}:", event.name);
            let _ = writeln!(out, "    when: {}", scalar(&event.when));
            if let Some(after) = &event.after {
                let _ = writeln!(out, "    after: {after}");
            }
            if event.record {
                out.push_str("    record: true\n");
            }
            if !event.set.is_empty() {
                out.push_str("    set:\n");
                for (state, value) in &event.set {
                    let _ = writeln!(out, "      {}: {}", scalar(state), scalar(value));
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "simulation: {{end: {}, step: {}, rtol: 1e-8, atol: 1e-12}}",
        number(model.end),
        number(model.step)
    );
    out
}

/// Parameters or states: `name: value` when there is nothing else to say, else a flow
/// mapping with its unit and description.
fn section(out: &mut String, title: &str, entries: &[Entry], key: &str, signed: &[String]) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for entry in entries {
        let mut fields = Vec::new();
        if let Some(unit) = &entry.unit {
            fields.push(format!("unit: {}", quoted(unit)));
        }
        if let Some(description) = &entry.description {
            fields.push(format!("description: {}", quoted(description)));
        }
        if signed.contains(&entry.name) {
            fields.push("nonnegative: false".into());
        }
        match fields.is_empty() {
            true => {
                let _ = writeln!(out, "  {}: {}", scalar(&entry.name), scalar(&entry.text));
            }
            false => {
                let value = format!("{key}: {}", quoted_unless_number(&entry.text));
                let _ = writeln!(
                    out,
                    "  {}: {{{value}, {}}}",
                    scalar(&entry.name),
                    fields.join(", ")
                );
            }
        }
    }
}

/// A double-quoted YAML scalar (JSON's string syntax is valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

fn quoted_unless_number(text: &str) -> String {
    match text.parse::<f64>() {
        Ok(_) => text.to_string(),
        Err(_) => quoted(text),
    }
}

/// A plain scalar where YAML reads it back as the same string (or number), else quoted
/// (also names: a parameter `true` or `No` is written `"true"`, `"No"`).
fn scalar(text: &str) -> String {
    let plain_start = text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '(');
    let safe = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " _.+-*/^()<>=!,".contains(c));
    let is_number = text.parse::<f64>().is_ok();
    let yaml_word = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ]
    .contains(&text.to_ascii_lowercase().as_str());
    match (plain_start && safe && !yaml_word) || is_number {
        true => text.to_string(),
        false => quoted(text),
    }
}
