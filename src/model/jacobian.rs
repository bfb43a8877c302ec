//! The symbolic Jacobian of the ODEs: built on first use (only the implicit methods need it,
//! so explicit runs of a 6,000-state model never pay for it) and sparse (a derivative only
//! where an ODE uses a state, so a chain of n states costs O(n), not n^2).

use super::forward_sensitivity::SensitivityLayout;
use crate::expr::{DerivativeMemo, Graph, NodeId, Program, Variable};

/// Most nodes the symbolic Jacobian may add to the model's graph; beyond, it is computed by
/// finite differences of the right-hand side instead. Real models need hundreds at most (the
/// 12,000 entries of a 6,000-state chain share a handful); a product of n states needs about
/// n^2 / 2 (each partial derivative is a product of n - 1 factors).
pub const MAX_JACOBIAN_NODES: usize = 200_000;

/// How the implicit methods get the Jacobian.
#[derive(Debug)]
pub(super) enum Jacobian {
    Symbolic(Symbolic),
    /// The symbolic Jacobian would exceed `MAX_JACOBIAN_NODES`.
    FiniteDifference,
}

/// The compiled Jacobian: its structurally nonzero entries and the programs computing them on
/// registers that extend the model's own (one per node of the model's graph, then one per
/// derivative node).
#[derive(Debug)]
pub(super) struct Symbolic {
    /// Registers the programs use (the model's, then the derivative nodes').
    registers: usize,
    /// The constant and parameter-only values the entries need.
    setup: Program,
    /// The time- and state-dependent values.
    program: Program,
    /// (row, column, node) of every entry that is not identically 0.
    entries: Vec<(usize, usize, NodeId)>,
}

impl Jacobian {
    /// d(ode i)/d(state j) of the first `n` ODE roots with respect to the first `n` states, on
    /// a copy of `graph` (finite differences when that would exceed `MAX_JACOBIAN_NODES`). On
    /// a sensitivity model the same entries are repeated on every diagonal block (see
    /// `sensitivity_model`: the Newton iteration sees J for y and for every column of S).
    pub fn build(
        graph: &Graph,
        ode_roots: &[NodeId],
        n: usize,
        layout: Option<&SensitivityLayout>,
    ) -> Jacobian {
        let mut graph = graph.clone();
        let budget = graph.len() + MAX_JACOBIAN_NODES;
        let mut memo = DerivativeMemo::new();
        let mut entries = Vec::new();
        for (row, &root) in ode_roots[..n].iter().enumerate() {
            for column in graph.states_used(root) {
                let column = column as usize;
                if column >= n {
                    continue;
                }
                let node = graph.derivative(root, Variable::State(column as u32), &mut memo);
                if graph.constant_value(node) != Some(0.0) {
                    entries.push((row, column, node));
                }
                if graph.len() > budget {
                    return Jacobian::FiniteDifference;
                }
            }
        }
        if let Some(layout) = layout {
            let plain = entries.clone();
            for j in 0..layout.parameters.len() {
                entries.extend(
                    plain
                        .iter()
                        .map(|&(i, l, node)| (layout.state(i, j), layout.state(l, j), node)),
                );
            }
        }
        let roots: Vec<NodeId> = entries.iter().map(|&(_, _, node)| node).collect();
        Jacobian::Symbolic(Symbolic {
            registers: graph.len(),
            setup: graph.setup_program(&roots),
            program: graph.varying_program(&roots),
            entries,
        })
    }
}

impl Symbolic {
    /// Fills the row-major `jacobian` (size x size, zeros included). `registers` holds the
    /// model's setup and switches; it is extended with the derivative nodes' registers.
    pub fn evaluate(
        &self,
        registers: &mut Vec<f64>,
        (t, states, parameters): (f64, &[f64], &[f64]),
        jacobian: &mut [f64],
    ) {
        if registers.len() < self.registers {
            registers.resize(self.registers, 0.0);
        }
        self.setup.run(registers, t, states, parameters);
        self.program.run(registers, t, states, parameters);
        jacobian.iter_mut().for_each(|entry| *entry = 0.0);
        let size = states.len();
        for &(row, column, node) in &self.entries {
            jacobian[row * size + column] = registers[node as usize];
        }
    }

    /// Entries that are not identically 0.
    pub fn nonzero_count(&self) -> usize {
        self.entries.len()
    }
}
