//! Tests of the validate pipeline (match → context → preconditions → deny / pattern / foreach /
//! podSecurity) on whole policies.

mod pipeline;
