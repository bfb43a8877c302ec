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
        "onecomp_iv_bolus.yaml",
        include_str!("../models/onecomp_iv_bolus.yaml"),
    ),
    (
        "stein2019_tisagenlecleucel.yaml",
        include_str!("../models/stein2019_tisagenlecleucel.yaml"),
    ),
];
