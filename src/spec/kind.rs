//! What kind of file a YAML text is (model, run, trial or calibration file), told from its
//! top-level keys so that `check` can check any of them.

/// The kinds of files cartsim reads as YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Model,
    Run,
    Trial,
    Calibration,
}

/// The kind of `text` by its top-level keys: `levels` makes a trial file, `targets` or
/// `estimate` a calibration file (both name their run file in `run`), `model` a run file, and
/// anything else a model file (whose own checks then say what is wrong with it).
pub fn file_kind(text: &str) -> FileKind {
    let keys: Vec<&str> = text.lines().filter_map(top_level_key).collect();
    let has = |key: &str| keys.contains(&key);
    if has("levels") {
        FileKind::Trial
    } else if has("targets") || has("estimate") {
        FileKind::Calibration
    } else if has("model") {
        FileKind::Run
    } else {
        FileKind::Model
    }
}

/// The key of a block mapping's line at the left margin (`model: ../x.yaml` gives `model`).
fn top_level_key(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let (key, _) = line.split_once(':')?;
    let key = key.trim_end();
    key.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_top_level_keys() {
        let model = "name: m\nstates:\n  model: 1\nodes: {}\n";
        assert_eq!(file_kind(model), FileKind::Model, "a nested `model` key");
        assert_eq!(file_kind("# c\nmodel: ../m.yaml\n"), FileKind::Run);
        assert_eq!(file_kind("run: r.yaml\nlevels: {}\n"), FileKind::Trial);
        assert_eq!(
            file_kind("run: r.yaml\nestimate: {}\ntargets: []\n"),
            FileKind::Calibration
        );
        assert_eq!(file_kind("{not yaml"), FileKind::Model);
    }
}
