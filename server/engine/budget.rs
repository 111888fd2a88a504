//! The JMESPath step budget shared by every expression of an engine run.
//!
//! One expression is bounded by [`crate::limits::MAX_EVAL_STEPS`], but a rule may evaluate
//! thousands of them (a `foreach` over a long list, every sample of a file). The budget here
//! bounds their sum. It lives in a thread-local set around the run, so the engine's functions
//! keep their signatures; the engine is synchronous, so a run never leaves its thread.

use std::cell::Cell;

use crate::jmespath::{Ast, Options, Value, interp};
use crate::limits;

use super::Env;

/// What the budget covers, which decides the message when it runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One policy on one resource (`kyverno-ls test`).
    Run,
    /// Every policy and sample of one file (the editor and `check`).
    Simulation,
}

#[derive(Debug, Clone, Copy)]
struct State {
    left: u64,
    limit: u64,
    scope: Scope,
    exhausted: bool,
}

thread_local! {
    static BUDGET: Cell<Option<State>> = const { Cell::new(None) };
}

use crate::limits::thousands;

/// The message of a run that ran out of budget.
pub fn exhausted_message(scope: Scope, limit: u64) -> String {
    match scope {
        Scope::Run => format!(
            "evaluation stopped: the rules of this policy needed more than {} JMESPath steps on this resource (kyverno-ls's limit per policy and resource)",
            thousands(limit)
        ),
        Scope::Simulation => format!(
            "simulation stopped: the policies of this file needed more than {} JMESPath steps on their samples (kyverno-ls's limit per file)",
            thousands(limit)
        ),
    }
}

/// Restores the enclosing budget, also when the run panics.
struct Restore(Option<State>);

impl Drop for Restore {
    fn drop(&mut self) {
        BUDGET.with(|b| b.set(self.0));
    }
}

/// What a run under a budget spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    pub steps: u64,
    /// The budget ran out during the run.
    pub exhausted: bool,
}

/// Runs `f` with `steps` to spend.
pub fn with_budget<T>(steps: u64, limit: u64, scope: Scope, f: impl FnOnce() -> T) -> (T, Spent) {
    let previous = BUDGET.with(|b| {
        b.replace(Some(State {
            left: steps,
            limit,
            scope,
            exhausted: false,
        }))
    });
    let restore = Restore(previous);
    let out = f();
    let state = BUDGET.with(Cell::get).unwrap_or(State {
        left: steps,
        limit,
        scope,
        exhausted: false,
    });
    drop(restore);
    (
        out,
        Spent {
            steps: steps - state.left.min(steps),
            exhausted: state.exhausted,
        },
    )
}

/// Whether a budget is set on this thread.
pub fn active() -> bool {
    BUDGET.with(Cell::get).is_some()
}

/// Whether the current budget has run out, and its message.
pub fn exhausted() -> Option<String> {
    BUDGET
        .with(Cell::get)
        .filter(|s| s.exhausted)
        .map(|s| exhausted_message(s.scope, s.limit))
}

/// Evaluates `ast` against `data`, charging the current budget (unlimited but for the
/// per-expression bound when there is none).
pub fn evaluate(ast: &Ast, data: &Value, env: &Env) -> Result<Value, String> {
    let Some(mut state) = BUDGET.with(Cell::get) else {
        return crate::jmespath::evaluate(ast, data, env).map_err(|e| e.to_string());
    };
    if state.exhausted || state.left == 0 {
        state.exhausted = true;
        BUDGET.with(|b| b.set(Some(state)));
        return Err(exhausted_message(state.scope, state.limit));
    }
    let binding = state.left < limits::MAX_EVAL_STEPS;
    let options = Options {
        max_steps: state.left.min(limits::MAX_EVAL_STEPS),
        ..Options::KYVERNO
    };
    let (result, spent) = interp::evaluate_counted(ast, data, env, &options);
    state.left = state.left.saturating_sub(spent);
    let out = match result {
        Ok(v) => Ok(v),
        Err(crate::jmespath::EvalError::Limit { .. }) if binding && spent >= options.max_steps => {
            state.exhausted = true;
            Err(exhausted_message(state.scope, state.limit))
        }
        Err(e) => Err(e.to_string()),
    };
    BUDGET.with(|b| b.set(Some(state)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_shared_and_restored() {
        let env = Env::fixed();
        let ast = crate::jmespath::parse("`[0,1,2,3,4,5,6,7,8,9]` | map(&@, @)").unwrap();
        let data = Value::Null;
        let (_, one) = with_budget(1_000, 1_000, Scope::Run, || evaluate(&ast, &data, &env));
        let k = one.steps;
        assert!(k > 10 && !one.exhausted, "{one:?}");
        // Room for three and a half evaluations.
        let budget = 3 * k + k / 2;
        let (results, spent) = with_budget(budget, budget, Scope::Run, || {
            (0..6)
                .map(|_| evaluate(&ast, &data, &env).map(|_| ()))
                .collect::<Vec<_>>()
        });
        let message = format!(
            "evaluation stopped: the rules of this policy needed more than {budget} JMESPath steps on this resource (kyverno-ls's limit per policy and resource)"
        );
        let err = Err(message);
        assert_eq!(
            results,
            [Ok(()), Ok(()), Ok(()), err.clone(), err.clone(), err]
        );
        assert_eq!(
            spent,
            Spent {
                steps: budget,
                exhausted: true
            }
        );
        // Outside the run, no budget applies.
        assert!(!active());
        assert!(exhausted().is_none());
        assert!(evaluate(&ast, &data, &env).is_ok());
    }
}
