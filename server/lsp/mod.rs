//! Language server shell.
