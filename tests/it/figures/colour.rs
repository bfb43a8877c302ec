//! The series palette under simulated colour-vision deficiency: Machado, Oliveira & Fernandes
//! (2009), "A physiologically-based model for simulation of color vision deficiency", IEEE
//! TVCG 15(6):1291-1298, severity 1.0 matrices (their supplementary table), applied to linear
//! sRGB; differences as CIE76 Delta-E (Euclidean distance in CIELAB, D65 white).

use cartsim::plot::{PALETTE, series_style};

const PROTANOPIA: [[f64; 3]; 3] = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
];
const DEUTERANOPIA: [[f64; 3]; 3] = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
];
/// The Delta-E the issue asks between any two of the first 8 series.
const APART: f64 = 20.0;

/// sRGB 8-bit to linear (IEC 61966-2-1).
fn linear(c: u32) -> f64 {
    let c = f64::from(c & 0xff) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// CIELAB (D65) of a linear sRGB colour.
fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
    let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// A palette colour as seen with the deficiency `matrix`, in CIELAB.
fn seen(hex: u32, matrix: &[[f64; 3]; 3]) -> [f64; 3] {
    let rgb = [linear(hex >> 16), linear(hex >> 8), linear(hex)];
    let row = |m: &[f64; 3]| (m[0] * rgb[0] + m[1] * rgb[1] + m[2] * rgb[2]).clamp(0.0, 1.0);
    lab([row(&matrix[0]), row(&matrix[1]), row(&matrix[2])])
}

/// Every pair (i, j, CIE76 Delta-E) of the first 8 series under `matrix`.
fn pairs(matrix: &[[f64; 3]; 3]) -> Vec<(usize, usize, f64)> {
    let colours: Vec<[f64; 3]> = PALETTE.iter().map(|&hex| seen(hex, matrix)).collect();
    let mut pairs = Vec::new();
    for i in 0..8 {
        for j in i + 1..8 {
            let d = (0..3)
                .map(|k| (colours[i][k] - colours[j][k]).powi(2))
                .sum::<f64>();
            pairs.push((i, j, d.sqrt()));
        }
    }
    pairs
}

#[test]
fn the_palette_stays_apart_under_protanopia() {
    // Okabe-Ito's closest pair under protanopia is reddish purple and sky blue at 20.7.
    for (i, j, d) in pairs(&PROTANOPIA) {
        assert!(d >= APART, "series {i} and {j}: Delta-E {d:.1}");
    }
}

#[test]
fn series_closer_than_20_under_deuteranopia_differ_in_dash_and_marker() {
    // Okabe-Ito cannot keep 20 apart under deuteranopia: orange and yellow come to 17.0,
    // green and reddish purple 17.9, orange and vermillion 18.3 (CIE76; this computation).
    // Those pairs must differ in both dash pattern and marker, and no pair may come near
    // indistinguishable (below 15).
    let close: Vec<_> = (pairs(&DEUTERANOPIA).into_iter())
        .filter(|&(_, _, d)| d < APART)
        .collect();
    assert!(close.len() <= 3, "{close:?}");
    for (i, j, d) in close {
        let (a, b) = (series_style(i), series_style(j));
        assert!(d >= 15.0, "series {i} and {j}: Delta-E {d:.1}");
        assert!(
            a.dash != b.dash && a.marker != b.marker,
            "series {i} and {j} look alike"
        );
    }
}

#[test]
fn styles_repeat_only_after_24_series() {
    let styles: Vec<_> = (0..24).map(series_style).collect();
    for i in 0..24 {
        for j in i + 1..24 {
            assert_ne!(styles[i], styles[j], "series {i} and {j}");
        }
    }
    assert_eq!(series_style(24), styles[0]);
}
