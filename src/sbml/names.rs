//! cartsim names for SBML ids: the SBML `name` where it is a valid identifier (or the id),
//! made valid, never a reserved word, and unique.

use super::roles::Symbol;
use crate::expr::RESERVED_NAMES;
use crate::model::is_identifier;
use std::collections::HashMap;

/// The cartsim name of every SBML id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Names {
    by_id: HashMap<String, String>,
}

impl Names {
    /// Names for the symbols, in their order (earlier symbols keep the plainer name).
    pub fn choose(symbols: &[Symbol], sbml_ids: bool) -> Names {
        let mut names = Names::default();
        let mut taken: Vec<String> = Vec::new();
        for symbol in symbols {
            let id = &symbol.info.id;
            let from_name = symbol
                .info
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !sbml_ids && is_identifier(n));
            let base = match from_name {
                Some(name) if !RESERVED_NAMES.contains(&name) => name.to_string(),
                _ => Names::identifier(id),
            };
            let mut name = base.clone();
            for n in 2.. {
                if !taken.contains(&name) {
                    break;
                }
                name = format!("{base}_{n}");
            }
            taken.push(name.clone());
            names.by_id.insert(id.clone(), name);
        }
        names
    }

    pub fn get(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }

    /// Whether a symbol has this cartsim name.
    pub fn is_taken(&self, name: &str) -> bool {
        self.by_id.values().any(|n| n == name)
    }

    /// The name of an id known to be in the model.
    pub fn of<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id).unwrap_or(id)
    }

    /// The model's name: its id made an identifier.
    pub fn model_name(&self, id: &str) -> String {
        Names::identifier(id)
    }

    /// `text` made a valid, unreserved identifier: other characters become `_` (a local
    /// parameter `R1/k` becomes `R1_k`), a leading digit gets `_` in front, a reserved word
    /// `_value` after it.
    pub fn identifier(text: &str) -> String {
        let mut name: String = (text.chars())
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            name.insert(0, '_');
        }
        if RESERVED_NAMES.contains(&name.as_str()) {
            name.push_str("_value");
        }
        name
    }
}
