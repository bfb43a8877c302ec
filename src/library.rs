//! The shipped model library, embedded in the binary so `cartsim models` works anywhere.

/// (file name under `models/`, file text) for every shipped model.
pub const SHIPPED: &[(&str, &str)] = &[
    ("cart3.yaml", include_str!("../models/cart3.yaml")),
    (
        "cartmath_barros2021.yaml",
        include_str!("../models/cartmath_barros2021.yaml"),
    ),
    (
        "cd22_antigen_escape.yaml",
        include_str!("../models/cd22_antigen_escape.yaml"),
    ),
    (
        "hardiansyah2019_crs.yaml",
        include_str!("../models/hardiansyah2019_crs.yaml"),
    ),
    (
        "kirouac2023_cll.yaml",
        include_str!("../models/kirouac2023_cll.yaml"),
    ),
    (
        "leon_triana2021_ball.yaml",
        include_str!("../models/leon_triana2021_ball.yaml"),
    ),
    (
        "onecomp_iv_bolus.yaml",
        include_str!("../models/onecomp_iv_bolus.yaml"),
    ),
    (
        "owens_bozic2021_preconditioning.yaml",
        include_str!("../models/owens_bozic2021_preconditioning.yaml"),
    ),
    (
        "singh2021_idecel.yaml",
        include_str!("../models/singh2021_idecel.yaml"),
    ),
    (
        "stein2019_tisagenlecleucel.yaml",
        include_str!("../models/stein2019_tisagenlecleucel.yaml"),
    ),
    (
        "theophylline_oral_1cmt.yaml",
        include_str!("../models/theophylline_oral_1cmt.yaml"),
    ),
];
