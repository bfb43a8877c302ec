//! The typed form of a model file, exactly as written (order kept, nothing resolved).

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use super::simulation::{SimulationSpec, SolverName};

/// An ordered map that refuses duplicate keys (serde's default keeps the last one silently).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<T>(pub Vec<(String, T)>);

impl<T> Default for OrderedMap<T> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<T> OrderedMap<T> {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = OrderedMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of names to entries")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OrderedMap(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, T)> = Vec::new();
                while let Some(key) = access.next_key::<String>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let value = access.next_value()?;
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// An expression as written: a YAML number or a string of the expression language.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprText {
    Number(f64),
    Text(String),
}

impl ExprText {
    /// The expression as text (a number written to read back exactly, `1e308` not 309 digits).
    pub fn source(&self) -> String {
        match self {
            ExprText::Number(value) => crate::diag::number(*value),
            ExprText::Text(text) => text.clone(),
        }
    }
}

impl Serialize for ExprText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ExprText::Number(value) => serializer.serialize_f64(*value),
            ExprText::Text(text) => serializer.serialize_str(text),
        }
    }
}

struct ExprVisitor;

impl Visitor<'_> for ExprVisitor {
    type Value = ExprText;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or an expression")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ExprText, E> {
        Ok(ExprText::Number(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExprText, E> {
        Ok(ExprText::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExprText, E> {
        Ok(ExprText::Number(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ExprText, E> {
        Ok(ExprText::Text(v.to_string()))
    }
}

impl<'de> Deserialize<'de> for ExprText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ExprVisitor)
    }
}

/// Implements `Deserialize` for a spec that may be written short (a bare number or
/// expression) or long (a mapping with the named fields).
macro_rules! short_or_long {
    ($name:ident, $long:ident, $short:expr) => {
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ShortOrLong;
                impl<'de> Visitor<'de> for ShortOrLong {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!(
                            "a number, an expression or a mapping (",
                            stringify!($name),
                            ")"
                        ))
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        ($short)(ExprText::Number(v)).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        ($short)(ExprText::Text(v.to_string())).map_err(E::custom)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<$name, A::Error> {
                        let long =
                            $long::deserialize(de::value::MapAccessDeserializer::new(access))?;
                        Ok(long.into())
                    }
                }
                deserializer.deserialize_any(ShortOrLong)
            }
        }
    };
}

/// A parameter: `name: 0.16` or `name: {value, unit, description}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterSpec {
    pub value: f64,
    pub unit: Option<String>,
    pub description: Option<String>,
    /// `[lower, upper]`: the range a fit keeps the parameter in (estimated on the logit scale
    /// of that range instead of the log scale).
    pub bounds: Option<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParameterLong {
    value: f64,
    unit: Option<String>,
    description: Option<String>,
    bounds: Option<[f64; 2]>,
}

impl From<ParameterLong> for ParameterSpec {
    fn from(long: ParameterLong) -> Self {
        ParameterSpec {
            value: long.value,
            unit: long.unit,
            description: long.description,
            bounds: long.bounds,
        }
    }
}

short_or_long!(
    ParameterSpec,
    ParameterLong,
    |value: ExprText| match value {
        ExprText::Number(value) => Ok(ParameterSpec {
            value,
            unit: None,
            description: None,
            bounds: None
        }),
        ExprText::Text(text) => Err(format!(
            "a parameter value must be a number, found `{text}` (put formulas under `derived:`)"
        )),
    }
);

/// A state: `name: initial` or `name: {initial, unit, description}`.
#[derive(Debug, Clone, PartialEq)]
pub struct StateSpec {
    pub initial: ExprText,
    pub unit: Option<String>,
    pub description: Option<String>,
    /// Absolute tolerance for this state (default: `simulation.atol`).
    pub atol: Option<f64>,
    /// Extinction floor: when the state falls below it, it is set to 0.
    pub floor: Option<f64>,
    /// `false` for a state that may be negative by design; others are warned about when the
    /// solver takes them below minus their absolute tolerance.
    pub nonnegative: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateLong {
    initial: ExprText,
    unit: Option<String>,
    description: Option<String>,
    atol: Option<f64>,
    floor: Option<f64>,
    nonnegative: Option<bool>,
}

impl From<StateLong> for StateSpec {
    fn from(long: StateLong) -> Self {
        StateSpec {
            initial: long.initial,
            unit: long.unit,
            description: long.description,
            atol: long.atol,
            floor: long.floor,
            nonnegative: long.nonnegative.unwrap_or(true),
        }
    }
}

short_or_long!(StateSpec, StateLong, |initial| Ok::<_, String>(StateSpec {
    initial,
    unit: None,
    description: None,
    atol: None,
    floor: None,
    nonnegative: true,
}));

/// An output: `name: expr` or `name: {expr, unit, description}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSpec {
    pub expr: ExprText,
    pub unit: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputLong {
    expr: ExprText,
    unit: Option<String>,
    description: Option<String>,
}

impl From<OutputLong> for OutputSpec {
    fn from(long: OutputLong) -> Self {
        OutputSpec {
            expr: long.expr,
            unit: long.unit,
            description: long.description,
        }
    }
}

short_or_long!(OutputSpec, OutputLong, |expr| Ok::<_, String>(OutputSpec {
    expr,
    unit: None,
    description: None
}));

/// One dosing line: a bolus, repeated bolus (`every`, `count`) or zero-order infusion
/// (`duration`). `per_kg: true` multiplies the amount by the parameter `weight`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DoseSpec {
    pub state: String,
    pub amount: ExprText,
    #[serde(default = "zero")]
    pub time: ExprText,
    pub every: Option<ExprText>,
    pub count: Option<u32>,
    pub duration: Option<ExprText>,
    #[serde(default)]
    pub per_kg: bool,
}

fn zero() -> ExprText {
    ExprText::Number(0.0)
}

/// A state event: when `when` becomes true, `set` states, `record` the time, or `stop`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub when: ExprText,
    #[serde(default)]
    pub set: OrderedMap<ExprText>,
    #[serde(default)]
    pub record: bool,
    #[serde(default)]
    pub stop: bool,
    /// Armed only once this other event has fired.
    pub after: Option<String>,
    /// Fire again each time the condition becomes true anew (default: only with `set`).
    pub repeat: Option<bool>,
}

/// A whole model file as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub name: String,
    pub title: Option<String>,
    pub reference: Option<String>,
    pub time_unit: Option<String>,
    #[serde(default)]
    pub parameters: OrderedMap<ParameterSpec>,
    /// Named alternative parameter values (cell lines, patients), chosen with `--params`.
    #[serde(default)]
    pub parameter_sets: OrderedMap<OrderedMap<f64>>,
    #[serde(default)]
    pub derived: OrderedMap<ExprText>,
    pub states: OrderedMap<StateSpec>,
    pub odes: OrderedMap<ExprText>,
    #[serde(default)]
    pub outputs: OrderedMap<OutputSpec>,
    #[serde(default)]
    pub doses: Vec<DoseSpec>,
    #[serde(default)]
    pub events: OrderedMap<EventSpec>,
    pub simulation: SimulationSpec,
}
