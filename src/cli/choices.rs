//! The library's named choices as command-line values (`clap::ValueEnum`), so that clap stays
//! in `cli`: each value's name is the one model files and records use, its help what it means.

use crate::fit::Intervals;
use crate::fit::likelihood::{BlqMethod, ErrorModel};
use crate::fit::population::Covariance;
use crate::plot::FigureFormat;
use crate::report::Format;
use crate::simulate::Interpolation;
use crate::solver::SolverName;
use clap::ValueEnum;
use clap::builder::PossibleValue;

/// Implements `ValueEnum` for a library enum from (variant, name, help) triples.
macro_rules! choices {
    ($type:ty: $(($variant:path, $name:literal, $help:literal)),+ $(,)?) => {
        impl ValueEnum for $type {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($variant),+]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $($variant => PossibleValue::new($name).help($help)),+
                })
            }
        }
    };
}

choices!(SolverName:
    (SolverName::Auto, "auto", "Dormand-Prince 5(4), switching to BDF for the rest of the run when the model turns out stiff (default)"),
    (SolverName::Dopri5, "dopri5", "Dormand-Prince 5(4), adaptive"),
    (SolverName::Dop853, "dop853", "Dormand-Prince 8(5,3), adaptive; for tight tolerances"),
    (SolverName::Rk4, "rk4", "Classic fixed-step Runge-Kutta 4 with step `rk4_step`"),
    (SolverName::Bdf, "bdf", "Variable-order BDF (implicit, for stiff models; diffsol)"),
    (SolverName::Sdirk, "sdirk", "ESDIRK3(4) singly diagonally implicit Runge-Kutta (implicit; diffsol)"),
);

choices!(ErrorModel:
    (ErrorModel::Additive, "additive", "y = f + e, sd = sigma[0]"),
    (ErrorModel::Proportional, "proportional", "y = f (1 + e), sd = sigma[0] |f|"),
    (ErrorModel::Combined, "combined", "sd = sqrt(sigma[0]^2 + (sigma[1] f)^2)"),
    (ErrorModel::LogAdditive, "log-additive", "ln y = ln f + e, sd = sigma[0] on the log scale (y, f and LLOQ must be positive)"),
);

choices!(BlqMethod:
    (BlqMethod::M3, "m3", "Beal's M3: the likelihood of a BLQ observation is P(y < LLOQ)"),
    (BlqMethod::Drop, "drop", "Leave BLQ observations out"),
    (BlqMethod::HalfLloq, "half-lloq", "Replace a BLQ observation by LLOQ/2 and treat it as observed"),
);

choices!(Covariance:
    (Covariance::Hessian, "hessian", "Inverse Hessian of the objective, 2 R^-1 (NONMEM's $COV MATRIX=R; default)"),
    (Covariance::Sandwich, "sandwich", "Sandwich R^-1 S R^-1 from each ID's gradient (NONMEM's default $COV; robust to a misspecified error model)"),
    (Covariance::Both, "both", "Standard errors from the inverse Hessian, with se_hessian and se_sandwich side by side"),
);

choices!(Intervals:
    (Intervals::Wald, "wald", "Symmetric on the estimation scale: estimate +- t quantile x SE (default)"),
    (Intervals::Profile, "profile", "Profile likelihood: where -2LL, the other estimates re-optimised, stays within 3.84 of its minimum"),
);

choices!(Format:
    (Format::Html, "html", "one self-contained file"),
    (Format::Md, "md", "Markdown beside the folder's PNG figures"),
);

choices!(Interpolation:
    (Interpolation::Nocb, "nocb", "next observation carried backward (NONMEM): a record's value holds over the interval that ends at it (default)"),
    (Interpolation::Locf, "locf", "last observation carried forward (mrgsolve): a record's value holds from its time on"),
    (Interpolation::Linear, "linear", "linear between records, constant before the first and after the last"),
);

/// `--figures`: a figure format, or none at all (batch runs that only want the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureChoice {
    Png,
    Svg,
    Pdf,
    None,
}

impl FigureChoice {
    /// The format chosen; `None` for `none`.
    pub fn format(self) -> Option<FigureFormat> {
        match self {
            FigureChoice::Png => Some(FigureFormat::Png),
            FigureChoice::Svg => Some(FigureFormat::Svg),
            FigureChoice::Pdf => Some(FigureFormat::Pdf),
            FigureChoice::None => None,
        }
    }
}

choices!(FigureChoice:
    (FigureChoice::Png, "png", "bitmap at --dpi (default)"),
    (FigureChoice::Svg, "svg", "vector, text kept as text"),
    (FigureChoice::Pdf, "pdf", "vector, one page of the figure's size, text drawn as outlines (needs no font)"),
    (FigureChoice::None, "none", "no figures (tables and records only; the fastest batch run)"),
);
