//! What SBML says about a model besides its equations: notes as plain text, the time unit
//! as a word, and the model's BioModels identifiers from its annotation.

use super::read::{child, list};
use roxmltree::Node;

/// The text of an element (XHTML notes), whitespace collapsed.
pub fn plain_text(node: Node) -> String {
    let words: Vec<&str> = node
        .descendants()
        .filter(|n| n.is_text())
        .flat_map(|n| n.text().unwrap_or_default().split_whitespace())
        .collect();
    words.join(" ")
}

/// `day`, `hour`, `minute` or `second` for a unit definition of that many seconds; else its id.
pub fn time_unit_word(model: Node, id: &str) -> String {
    let definition = list(model, "listOfUnitDefinitions")
        .into_iter()
        .find(|u| u.attribute("id") == Some(id));
    let Some(definition) = definition else {
        return id.to_string();
    };
    let units = list(definition, "listOfUnits");
    let [unit] = units.as_slice() else {
        return id.to_string();
    };
    let get = |name: &str, default: f64| {
        unit.attribute(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    if unit.attribute("kind") != Some("second") || get("exponent", 1.0) != 1.0 {
        return id.to_string();
    }
    let seconds = get("multiplier", 1.0) * 10f64.powf(get("scale", 0.0));
    let words = [
        (86400.0, "day"),
        (3600.0, "hour"),
        (60.0, "minute"),
        (1.0, "second"),
        (604800.0, "week"),
    ];
    (words.iter().find(|(s, _)| ((seconds - s) / s).abs() < 1e-9))
        .map_or(id.to_string(), |(_, w)| w.to_string())
}

/// BioModels (and other MIRIAM) identifiers of the model, as `urn:miriam:` URNs.
pub fn urns(model: Node) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let Some(annotation) = child(model, "annotation") else {
        return found;
    };
    for node in annotation.descendants().filter(|n| n.is_element()) {
        for attribute in node.attributes().filter(|a| a.name() == "resource") {
            let value = attribute.value();
            let urn = match value.split_once("identifiers.org/") {
                Some((_, rest)) => format!("urn:miriam:{}", rest.replacen('/', ":", 1)),
                None => value.to_string(),
            };
            if urn.contains("biomodels.db") && !found.contains(&urn) {
                found.push(urn);
            }
        }
    }
    found
}
