//! The variables an expression sees (`object`, `oldObject`, `request`, `params`,
//! `namespaceObject`, `variables.<name>`…), eager or lazy.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::value::{Key, Value};
use super::{Env, EvalError};

/// Where the evaluator looks names up. Names may be dotted (`variables.foo`): for a select
/// chain `a.b.c` the evaluator asks for `a.b.c`, then `a.b`, then `a`, as cel-go resolves
/// qualified identifiers.
pub trait Activation {
    /// The value of `name`, `None` when it is not bound.
    fn resolve(&self, name: &str, env: &Env) -> Option<Result<Value, EvalError>>;
}

/// Computes a lazy entry. It receives the activation it belongs to, so that Kyverno's
/// variables can refer to other variables and to `object`.
pub type LazyFn = Rc<dyn Fn(&dyn Activation, &Env) -> Result<Value, EvalError>>;

enum Lazy {
    Pending(LazyFn),
    Running,
    Done(Result<Value, EvalError>),
}

enum Entry {
    Value(Value),
    Lazy(RefCell<Lazy>),
}

/// A set of named values. Lazy entries run on first access and keep their result, error
/// included, as Kyverno memoizes `variables.<name>`.
#[derive(Default)]
pub struct Bindings {
    entries: BTreeMap<String, Entry>,
}

impl Bindings {
    pub fn new() -> Bindings {
        Bindings::default()
    }

    pub fn set(&mut self, name: impl Into<String>, value: Value) -> &mut Self {
        self.entries.insert(name.into(), Entry::Value(value));
        self
    }

    /// Binds `name` (e.g. `variables.allowed`) to a value computed on first access.
    pub fn set_lazy(&mut self, name: impl Into<String>, f: LazyFn) -> &mut Self {
        self.entries
            .insert(name.into(), Entry::Lazy(RefCell::new(Lazy::Pending(f))));
        self
    }

    fn force(&self, name: &str, cell: &RefCell<Lazy>, env: &Env) -> Result<Value, EvalError> {
        let state = std::mem::replace(&mut *cell.borrow_mut(), Lazy::Running);
        match state {
            Lazy::Done(r) => {
                *cell.borrow_mut() = Lazy::Done(r.clone());
                r
            }
            Lazy::Running => {
                // A variable that needs itself: report it instead of recursing forever.
                Err(EvalError::new(
                    format!("variable '{name}' refers to itself"),
                    0..0,
                ))
            }
            Lazy::Pending(f) => {
                let r = f(self, env);
                *cell.borrow_mut() = Lazy::Done(r.clone());
                r
            }
        }
    }

    fn get(&self, name: &str, entry: &Entry, env: &Env) -> Result<Value, EvalError> {
        match entry {
            Entry::Value(v) => Ok(v.clone()),
            Entry::Lazy(cell) => self.force(name, cell, env),
        }
    }
}

impl Activation for Bindings {
    fn resolve(&self, name: &str, env: &Env) -> Option<Result<Value, EvalError>> {
        if let Some(entry) = self.entries.get(name) {
            return Some(self.get(name, entry, env));
        }
        // `variables` alone, when only `variables.x` entries exist: a map of all of them
        // (which forces every lazy one).
        let prefix = format!("{name}.");
        let mut members = self
            .entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('.'))
            .peekable();
        members.peek()?;
        let mut map = BTreeMap::new();
        for (k, entry) in members {
            match self.get(k, entry, env) {
                Ok(v) => {
                    map.insert(Key::String(k[prefix.len()..].into()), v);
                }
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(Value::map(map)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn lazy_entries_run_once_and_keep_errors() {
        let calls = Rc::new(Cell::new(0));
        let c = calls.clone();
        let mut b = Bindings::new();
        b.set_lazy(
            "variables.x",
            Rc::new(move |_, _| {
                c.set(c.get() + 1);
                Err(EvalError::new("no such key: a", 0..1))
            }),
        );
        let env = Env::fixed();
        for _ in 0..3 {
            let r = b.resolve("variables.x", &env);
            assert_eq!(r, Some(Err(EvalError::new("no such key: a", 0..1))));
        }
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn self_reference_is_an_error() {
        let mut b = Bindings::new();
        b.set_lazy(
            "variables.x",
            Rc::new(|a, env| a.resolve("variables.x", env).unwrap_or(Ok(Value::Null))),
        );
        let r = b.resolve("variables.x", &Env::fixed());
        assert_eq!(
            r.map(|r| r.map_err(|e| e.message)),
            Some(Err("variable 'variables.x' refers to itself".to_string()))
        );
    }

    #[test]
    fn a_prefix_gathers_the_dotted_entries() {
        let mut b = Bindings::new();
        b.set("variables.a", Value::Int(1));
        b.set_lazy("variables.b", Rc::new(|_, _| Ok(Value::Int(2))));
        b.set("variablesX", Value::Int(3));
        let r = b.resolve("variables", &Env::fixed());
        let Some(Ok(Value::Map(m))) = r else {
            panic!("expected a map, got {r:?}")
        };
        assert_eq!(m.len(), 2);
        assert!(m[&Key::String("b".into())].equals(&Value::Int(2)));
        assert!(b.resolve("nothing", &Env::fixed()).is_none());
    }
}
