//! Time helpers.
