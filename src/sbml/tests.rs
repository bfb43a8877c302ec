//! Hostile and malformed input: every case is refused with a message and a position, never a
//! panic; and the printer's parentheses against cartsim's own parser.

use super::math::{Math, Op};
use super::{ImportOptions, import};

fn options() -> ImportOptions {
    ImportOptions {
        sbml_ids: false,
        end: 1.0,
        step: 0.1,
    }
}

/// An L3V2 document around `model` (the inside of <model>).
fn sbml(model: &str) -> String {
    format!(
        "<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" version=\"2\">\n\
         <model id=\"m\">\n{model}\n</model>\n</sbml>\n"
    )
}

const SPECIES: &str = "<listOfCompartments><compartment id=\"c\" size=\"1\"/></listOfCompartments>\
    <listOfSpecies><species id=\"A\" compartment=\"c\" initialConcentration=\"1\"/></listOfSpecies>";

fn rate_rule(math: &str) -> String {
    sbml(&format!(
        "{SPECIES}<listOfRules><rateRule variable=\"A\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\">{math}</math></rateRule></listOfRules>"
    ))
}

fn refused(text: &str) -> String {
    match import("test.xml", text, &options()) {
        Ok(yaml) => panic!("accepted:\n{yaml}"),
        Err(diagnostic) => {
            assert!(diagnostic.location.is_some(), "no position: {diagnostic}");
            diagnostic.message
        }
    }
}

#[test]
fn malformed_files_are_refused_with_a_position() {
    assert!(refused("").contains("XML"));
    assert!(refused("<html><body/></html>").contains("not an SBML document"));
    assert!(refused("<sbml level=\"1\" version=\"2\"><model/></sbml>").contains("Level 1"));
    assert!(refused("<sbml level=\"3\" version=\"2\"></sbml>").contains("no <model>"));
    assert!(
        refused(&sbml("<listOfSpecies><species id=\"A\"/></listOfSpecies>"))
            .contains("compartment")
    );
    assert!(
        refused(&sbml(
            "<listOfParameters><parameter value=\"1\"/></listOfParameters>"
        ))
        .contains("without an `id`")
    );
    assert!(
        refused(&sbml(
            "<listOfParameters><parameter id=\"p\" value=\"x\"/></listOfParameters>"
        ))
        .contains("not a number")
    );
}

#[test]
fn math_cartsim_cannot_express_is_refused() {
    assert!(refused(&rate_rule("<apply><factorial/><ci>A</ci></apply>")).contains("<factorial>"));
    assert_eq!(
        refused(&rate_rule("<apply><sin/><ci>A</ci><ci>A</ci></apply>")),
        "MathML <sin> cannot take 2 arguments"
    );
    assert!(refused(&rate_rule("<apply><divide/><ci>A</ci></apply>")).contains("arguments"));
    assert!(refused(&rate_rule("<apply/>")).contains("empty"));
    assert!(refused(&rate_rule("<ci>nowhere</ci>")).contains("`nowhere` is not defined"));
    assert!(refused(&rate_rule("<cn>NaN</cn>")).contains("not a finite number"));
    let undefined = "<piecewise><piece><cn>1</cn><true/></piece></piecewise>";
    assert!(refused(&rate_rule(undefined)).contains("otherwise"));
    let delay = "<apply><csymbol definitionURL=\"http://www.sbml.org/sbml/symbols/delay\">d</csymbol><ci>A</ci><cn>1</cn></apply>";
    assert!(refused(&rate_rule(delay)).contains("delay"));
}

#[test]
fn a_model_without_states_gets_a_clock() {
    let rule = sbml(
        "<listOfParameters><parameter id=\"p\" constant=\"false\"/></listOfParameters>\
         <listOfRules><assignmentRule variable=\"p\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\">\
         <apply><times/><cn>2</cn><csymbol definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol></apply>\
         </math></assignmentRule></listOfRules>",
    );
    let yaml = import("test.xml", &rule, &options()).unwrap();
    assert!(yaml.contains("derived:\n  p: 2 * t\n"), "{yaml}");
    assert!(yaml.contains("odes:\n  elapsed: 1\n"), "{yaml}");
    let unknown = sbml(
        "<listOfReactions><reaction id=\"r\"><listOfReactants><speciesReference species=\"X\"/></listOfReactants>\
         <kineticLaw><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><cn>1</cn></math></kineticLaw></reaction></listOfReactions>",
    );
    assert!(refused(&unknown).contains("not a species"));
}

#[test]
fn cycles_are_refused() {
    let itself = sbml(&format!(
        "{SPECIES}<listOfFunctionDefinitions><functionDefinition id=\"f\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\">\
         <lambda><bvar><ci>x</ci></bvar><apply><ci>f</ci><ci>x</ci></apply></lambda></math></functionDefinition></listOfFunctionDefinitions>\
         <listOfRules><rateRule variable=\"A\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><apply><ci>f</ci><ci>A</ci></apply></math></rateRule></listOfRules>"
    ));
    assert!(refused(&itself).contains("without end"));
    let loop_ = sbml(&format!(
        "{SPECIES}<listOfParameters><parameter id=\"p\" constant=\"true\"/></listOfParameters><listOfInitialAssignments>\
         <initialAssignment symbol=\"p\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>p</ci></math></initialAssignment></listOfInitialAssignments>"
    ));
    assert!(refused(&loop_).contains("refers to itself"));
}

#[test]
fn delays_and_triggers_cartsim_lacks_are_refused() {
    let reset = "<listOfEventAssignments><eventAssignment variable=\"A\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\">\
        <cn>0</cn></math></eventAssignment></listOfEventAssignments>";
    let event = |inside: &str| {
        sbml(&format!(
            "{SPECIES}<listOfEvents><event id=\"e\">{inside}{reset}</event></listOfEvents>"
        ))
    };
    let trigger = "<trigger initialValue=\"true\" persistent=\"true\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><apply><eq/><ci>A</ci><cn>1</cn></apply></math></trigger>";
    assert!(refused(&event(trigger)).contains("one comparison"));
    let delay =
        "<delay><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><cn>1</cn></math></delay>";
    assert!(refused(&event(&format!("{trigger}{delay}"))).contains("<delay>"));
}

/// The MathML function `name` applied to `x`.
fn elementary(name: &str, x: Math) -> Math {
    let function = super::elementary::elementary(name).unwrap();
    Math::Apply(Op::Elementary(function), vec![x])
}

/// The printed text, parsed by cartsim, has the tree's meaning: evaluated on both sides.
#[test]
fn printing_keeps_the_meaning_under_cartsims_precedence() {
    use Math::{Apply, Number};
    let n = Number;
    let cases = [
        (
            Apply(Op::Minus, vec![Apply(Op::Power, vec![n(2.0), n(2.0)])]),
            -4.0,
        ),
        (
            Apply(Op::Power, vec![Apply(Op::Minus, vec![n(2.0)]), n(2.0)]),
            4.0,
        ),
        (
            Apply(
                Op::Power,
                vec![Apply(Op::Power, vec![n(2.0), n(3.0)]), n(2.0)],
            ),
            64.0,
        ),
        (
            Apply(
                Op::Minus,
                vec![n(1.0), Apply(Op::Minus, vec![n(2.0), n(3.0)])],
            ),
            2.0,
        ),
        (
            Apply(
                Op::Divide,
                vec![n(8.0), Apply(Op::Times, vec![n(2.0), n(2.0)])],
            ),
            2.0,
        ),
        (
            Apply(Op::Eq, vec![Apply(Op::Lt, vec![n(1.0), n(2.0)]), n(1.0)]),
            1.0,
        ),
        (
            Apply(Op::Not, vec![Apply(Op::And, vec![n(1.0), n(0.0)])]),
            1.0,
        ),
        (Apply(Op::Xor, vec![n(1.0), n(1.0), n(1.0)]), 1.0),
        (Apply(Op::Gt, vec![n(3.0), n(2.0), n(1.0)]), 1.0),
        (Apply(Op::Power, vec![n(2.0), n(-1.0)]), 0.5),
        (
            Apply(Op::Power, vec![elementary("sec", n(0.5)), n(2.0)]),
            (1.0 / 0.5f64.cos()).powi(2),
        ),
        (
            Apply(Op::Minus, vec![elementary("coth", n(2.0))]),
            -(1.0 / 2f64.tanh()),
        ),
        (
            Apply(Op::Divide, vec![n(1.0), elementary("csc", n(3.0))]),
            1.0 / (1.0 / 3f64.sin()),
        ),
        // arccot(x) = atan(1 / x), negative for x < 0 (the SBML Test Suite's case 957 gives
        // arccot(-0.1) = -1.471127674).
        (elementary("arccot", n(-0.1)), (1.0 / -0.1f64).atan()),
        (
            elementary("arcsech", Apply(Op::Plus, vec![n(0.2), n(0.22)])),
            (1.0 / (0.2f64 + 0.22)).acosh(),
        ),
        (elementary("ceiling", n(-1.5)), -1.0),
    ];
    for (math, expected) in cases {
        let text = math.to_cartsim().unwrap();
        let yaml = format!(
            "name: m\nstates:\n  x: {{initial: {}}}\nodes: {{x: 0}}\nsimulation: {{end: 1, step: 1}}\n",
            serde_json::to_string(&text).unwrap()
        );
        let loaded = crate::spec::load_model("m.yaml", &yaml).unwrap();
        let model = crate::model::compile(&loaded).unwrap_or_else(|d| panic!("{text}: {d:?}"));
        let mut registers = vec![0.0; model.register_count()];
        model.setup(&mut registers, &[]);
        assert_eq!(model.initial_states(&registers), [expected], "{text}");
    }
}
