//! Command-line shell.

pub fn main() -> i32 {
    0
}
