//! Unit tests of the trajectory figure.

use super::*;
