//! Where a switch whose time depends on a sensitivity parameter flips, the sensitivities jump.

use crate::expr::NodeId;
use crate::model::Model;

impl Model {
    /// Crossing the breakpoint `t` from the segment containing `before` to the one containing
    /// `after`: on a sensitivity model, where a switch whose time depends on p_j flips, adds
    /// (f(t-) - f(t+)) d(threshold)/d(p_j) to the sensitivities in `states` (one switch at a
    /// time when several flip together, the others already flipped). Nothing on a plain model.
    /// Leaves every switch as `set_switches(after)` does.
    pub fn cross_switches(
        &self,
        registers: &mut [f64],
        (before, after): (f64, f64),
        t: f64,
        states: &mut [f64],
        parameters: &[f64],
    ) {
        let Some(sensitivity) = &self.sensitivity else {
            return;
        };
        self.set_switches(registers, after);
        let switches = self.graph.switches();
        let flipping: Vec<&(usize, Vec<NodeId>)> = sensitivity
            .jumps
            .iter()
            .filter(|(index, _)| {
                let switch = switches[*index];
                let threshold = registers[switch.threshold as usize];
                switch.value_at(before, threshold) != switch.value_at(after, threshold)
            })
            .collect();
        if flipping.is_empty() {
            return;
        }
        for (index, _) in &flipping {
            let switch = switches[*index];
            let threshold = registers[switch.threshold as usize];
            registers[switch.node as usize] = switch.value_at(before, threshold);
        }
        let layout = &sensitivity.layout;
        let mut rates = vec![0.0; states.len()];
        let mut flipped = vec![0.0; states.len()];
        let mut jump = vec![0.0; states.len()];
        self.rhs(registers, t, states, parameters, &mut rates);
        for (index, derivatives) in flipping {
            let switch = switches[*index];
            let threshold = registers[switch.threshold as usize];
            registers[switch.node as usize] = switch.value_at(after, threshold);
            self.rhs(registers, t, states, parameters, &mut flipped);
            for i in 0..layout.states {
                for (j, &derivative) in derivatives.iter().enumerate() {
                    jump[layout.state(i, j)] +=
                        (rates[i] - flipped[i]) * registers[derivative as usize];
                }
            }
            std::mem::swap(&mut rates, &mut flipped);
        }
        for (state, change) in states.iter_mut().zip(&jump) {
            *state += change;
        }
    }
}
