//! The points a solver call returns, whichever stepper made them: ode_solvers' results (one
//! vector per point) or the slice stepper's `Points` (one flat buffer).

use nalgebra::{DefaultAllocator, Dim, OVector, allocator::Allocator};

/// The points of a solver call: ode_solvers' results or the slice stepper's.
pub(super) trait Results {
    fn count(&self) -> usize;
    fn point(&self, k: usize) -> Option<&[f64]>;
    fn last(&self) -> Option<&[f64]> {
        self.count().checked_sub(1).and_then(|k| self.point(k))
    }
}

impl<D: Dim> Results for [OVector<f64, D>]
where
    DefaultAllocator: Allocator<D>,
{
    fn count(&self) -> usize {
        self.len()
    }
    fn point(&self, k: usize) -> Option<&[f64]> {
        self.get(k).map(|state| state.as_slice())
    }
}

/// The points of one call, as ode_solvers' results: every dense point, or for a sparse call the
/// start and every accepted step (of which only the last is kept, all that is read).
pub(super) struct Points {
    width: usize,
    len: usize,
    keep_all: bool,
    values: Vec<f64>,
}

impl Points {
    pub fn new(width: usize, keep_all: bool, capacity: usize) -> Points {
        Points {
            width,
            len: 0,
            keep_all,
            values: Vec::with_capacity(width * capacity.max(1)),
        }
    }

    pub fn push(&mut self, y: impl Iterator<Item = f64>) {
        if !self.keep_all {
            self.values.clear();
        }
        self.values.extend(y);
        self.len += 1;
    }
}

impl Results for Points {
    fn count(&self) -> usize {
        self.len
    }

    /// Point `k`: any of a dense call's, the last of a sparse call's.
    fn point(&self, k: usize) -> Option<&[f64]> {
        let start = match self.keep_all {
            true => k * self.width,
            false if k + 1 == self.len => 0,
            false => return None,
        };
        self.values.get(start..start + self.width)
    }
}
