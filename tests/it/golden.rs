//! Golden diagnostics: every file in tests/fixtures/bad is refused with exactly the message in
//! its `.expected` file (message, location with caret, hints). One file per error kind.

use crate::repo_path;
use cartsim::diag::render_all;
use cartsim::model::compile;
use cartsim::spec::load_model;

#[test]
fn every_bad_fixture_gives_its_expected_message() {
    let folder = repo_path("tests/fixtures/bad");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".yaml").map(str::to_string))
        .collect();
    names.sort();
    assert!(
        names.len() >= 25,
        "one fixture per error kind, found {}",
        names.len()
    );
    let mut mismatches = Vec::new();
    for name in &names {
        let file = format!("tests/fixtures/bad/{name}.yaml");
        let text = std::fs::read_to_string(repo_path(&file)).unwrap();
        let expected =
            std::fs::read_to_string(repo_path(&format!("tests/fixtures/bad/{name}.expected")))
                .unwrap_or_else(|_| panic!("missing tests/fixtures/bad/{name}.expected"));
        let diagnostics = match load_model(&file, &text) {
            Err(diagnostics) => diagnostics,
            Ok(loaded) => compile(&loaded).err().unwrap_or_default(),
        };
        let actual = if diagnostics.is_empty() {
            "accepted\n".to_string()
        } else {
            render_all(&diagnostics)
        };
        if actual != expected {
            mismatches.push(format!(
                "{name}:\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn check_reports_every_problem_in_one_pass() {
    let text = "name: many\nparameters:\n  k: 0.1\nstates:\n  E: 1\n  M: 0\nodes:\n  E: -kk * E\n  X: 0\nsimulation: {end: 0, step: 1}\n";
    let loaded = load_model("many.yaml", text).unwrap();
    let diagnostics = compile(&loaded).err().unwrap();
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(diagnostics.len(), 4, "{messages:?}");
    for fragment in [
        "state `M` has no ODE",
        "ODE for `X`",
        "`simulation.end` is 0",
        "unknown name `kk`",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(fragment)),
            "{fragment} not in {messages:?}"
        );
    }
}

#[test]
fn deeply_nested_yaml_is_refused_before_the_yaml_reader_runs() {
    // 20,000 nested sequences (40 kB) kept the YAML reader busy for minutes (its time grows
    // with the square of the depth); they are refused with the position where reading stopped
    // (the event parser's own limit of 256 flow levels, met before the 64th level is seen).
    let nested =
        |open: &str, close: &str| format!("{}1{}", open.repeat(20_000), close.repeat(20_000));
    let text = format!("name: deep\nodes: {}\n", nested("[", "]"));
    let diagnostics = load_model("deep.yaml", &text).unwrap_err();
    let rendered = render_all(&diagnostics);
    assert!(
        rendered.starts_with(
            "error: the YAML nests more than 64 levels of mappings and sequences\n --> deep.yaml:2:262\n"
        ),
        "{rendered}"
    );
    let run = format!("model: m.yaml\nscenarios: {}\n", nested("{a: ", "}"));
    let diagnostics =
        cartsim::spec::load_yaml::<cartsim::spec::RunSpec>("run.yaml", &run).unwrap_err();
    assert!(diagnostics[0].message.contains("nests more than 64 levels"));
}
