//! Where each YAML node sits in the source text, by YAML path, and which mapping keys repeat.
//! serde (the typed reader) does not keep positions, so this separate event pass over the same
//! text supplies them for the semantic checks.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// A position in the source: 1-based line, 1-based column (in characters), byte-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    /// Length in characters of the marked text (at least 1).
    pub length: usize,
    /// For a one-line scalar: the column where its text starts (after any opening quote).
    pub text_column: Option<usize>,
}

/// A duplicated mapping key: its path, and where the first and second occurrence are.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    pub path: String,
    pub first: Position,
    pub second: Position,
}

/// Deepest nesting of mappings and sequences read. Model and run files nest a few levels; the
/// YAML readers take time quadratic in the depth (a 40 kB line of `[` took minutes).
pub const MAX_NESTING: usize = 64;

/// Positions of every node by dotted YAML path (`odes.E`, `doses.0.amount`).
#[derive(Debug, Default)]
pub struct SourceMap {
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
    pub duplicates: Vec<DuplicateKey>,
    /// The YAML paths of the mappings holding a merge key (`<<: *anchor`), with the key's place.
    pub merge_keys: Vec<(String, Position)>,
    /// Where the nesting first goes deeper than `MAX_NESTING` (the map stops there).
    pub too_deep: Option<Position>,
}

impl SourceMap {
    /// The position of the value at `path`, or of its closest enclosing node.
    pub fn value(&self, path: &str) -> Option<Position> {
        let mut current = path;
        loop {
            if let Some(position) = self.values.get(current) {
                return Some(*position);
            }
            current = &current[..current.rfind('.')?];
        }
    }

    /// Whether a node exists at exactly this path.
    pub fn has(&self, path: &str) -> bool {
        self.values.contains_key(path)
    }

    /// The position of the key that names the node at `path`, falling back to the value.
    pub fn key(&self, path: &str) -> Option<Position> {
        self.keys.get(path).copied().or_else(|| self.value(path))
    }

    /// Builds the map. A document the event parser cannot read gives an empty map: the typed
    /// reader then reports the syntax error with its own position.
    pub fn build(text: &str) -> SourceMap {
        let mut map = SourceMap::default();
        let mut builder = Builder { stack: Vec::new() };
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let (event, span) = match next {
                Ok(next) => next,
                // The event parser gives up at 256 flow levels (before its first event there).
                Err(error) if error.info() == "recursion limit exceeded" => {
                    let mark = error.marker();
                    map.too_deep = Some(Position {
                        line: mark.line(),
                        column: mark.col() + 1,
                        length: 1,
                        text_column: None,
                    });
                    break;
                }
                Err(_) => break,
            };
            builder.event(&mut map, event, span);
            if builder.stack.len() > MAX_NESTING {
                map.too_deep = Some(builder.position(span, None));
                break;
            }
        }
        map
    }
}

enum Frame {
    Mapping {
        path: String,
        pending_key: Option<(String, Position)>,
        seen: HashMap<String, Position>,
    },
    Sequence {
        path: String,
        next_index: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Builder {
    fn position(&self, span: Span, style: Option<ScalarStyle>) -> Position {
        let start = span.start;
        let length = span.end.index().saturating_sub(start.index()).max(1);
        let one_line = span.start.line() == span.end.line();
        let text_column = match style {
            Some(ScalarStyle::Plain) if one_line => Some(start.col() + 1),
            Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) if one_line => {
                Some(start.col() + 2)
            }
            _ => None,
        };
        Position {
            line: start.line(),
            column: start.col() + 1,
            length,
            text_column,
        }
    }

    /// The path the next value gets, consuming a pending key or sequence slot.
    fn next_path(&mut self, map: &mut SourceMap) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, next_index }) => {
                let child = join(path, &next_index.to_string());
                *next_index += 1;
                Some(child)
            }
            Some(Frame::Mapping {
                path, pending_key, ..
            }) => {
                let (key, key_position) = pending_key.take()?;
                let child = join(path, &key);
                map.keys.insert(child.clone(), key_position);
                Some(child)
            }
        }
    }

    fn event(&mut self, map: &mut SourceMap, event: Event, span: Span) {
        match event {
            Event::Scalar(value, style, _, _) => {
                let position = self.position(span, Some(style));
                if let Some(Frame::Mapping {
                    path,
                    pending_key,
                    seen,
                }) = self.stack.last_mut()
                    && pending_key.is_none()
                {
                    let key = value.to_string();
                    if key == "<<" && style == ScalarStyle::Plain {
                        map.merge_keys.push((path.clone(), position));
                    }
                    if let Some(first) = seen.get(&key) {
                        map.duplicates.push(DuplicateKey {
                            path: join(path, &key),
                            first: *first,
                            second: position,
                        });
                    } else {
                        seen.insert(key.clone(), position);
                    }
                    *pending_key = Some((key, position));
                    return;
                }
                if let Some(path) = self.next_path(map) {
                    map.values.insert(path, position);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                let path = match self.stack.last_mut() {
                    Some(Frame::Mapping {
                        pending_key: None, ..
                    }) => String::from("<complex key>"),
                    _ => self.next_path(map).unwrap_or_default(),
                };
                map.values
                    .entry(path.clone())
                    .or_insert(self.position(span, None));
                self.stack.push(if is_mapping {
                    Frame::Mapping {
                        path,
                        pending_key: None,
                        seen: HashMap::new(),
                    }
                } else {
                    Frame::Sequence {
                        path,
                        next_index: 0,
                    }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Alias(_) => {
                self.next_path(map);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_block_and_flow_paths() {
        let text = "name: x\nparameters:\n  a: {value: 3, unit: d}\nodes:\n  E: -k * E\ndoses:\n  - {state: E, amount: 1}\n";
        let map = SourceMap::build(text);
        let value = map.value("parameters.a.value").unwrap();
        assert_eq!((value.line, value.column), (3, 14));
        let ode = map.value("odes.E").unwrap();
        assert_eq!((ode.line, ode.text_column), (5, Some(6)));
        assert_eq!(map.value("doses.0.amount").unwrap().line, 7);
        assert_eq!(map.value("odes.E.nothing").unwrap().line, 5);
        assert!(map.duplicates.is_empty());
    }

    #[test]
    fn stops_at_the_first_node_nested_too_deep() {
        let text = format!("name: x\nodes: {}1{}\n", "[".repeat(100), "]".repeat(100));
        let map = SourceMap::build(&text);
        let deep = map.too_deep.expect("nested 100 levels");
        // The document's mapping is the first level, so the 64th `[` is the first too deep;
        // `odes: ` takes 6 columns.
        assert_eq!((deep.line, deep.column), (2, 6 + MAX_NESTING));
        let shallow = format!("odes: {}1{}\n", "[".repeat(63), "]".repeat(63));
        assert!(SourceMap::build(&shallow).too_deep.is_none());
        let deeper = format!("odes: {}1{}\n", "[".repeat(300), "]".repeat(300));
        let deep = SourceMap::build(&deeper)
            .too_deep
            .expect("nested 300 levels");
        assert_eq!(deep.line, 1);
    }

    #[test]
    fn finds_merge_keys_but_not_quoted_ones() {
        let map = SourceMap::build("a: &x {b: 1}\nc:\n  <<: *x\n  \"<<\": 2\n");
        let places: Vec<(&str, usize, usize)> = (map.merge_keys.iter())
            .map(|(path, at)| (path.as_str(), at.line, at.column))
            .collect();
        assert_eq!(places, [("c", 3, 3)]);
    }

    #[test]
    fn finds_duplicate_keys() {
        let map = SourceMap::build("odes:\n  E: 1\n  E: 2\n");
        assert_eq!(map.duplicates.len(), 1);
        assert_eq!(map.duplicates[0].path, "odes.E");
        assert_eq!(
            (map.duplicates[0].first.line, map.duplicates[0].second.line),
            (2, 3)
        );
    }
}
