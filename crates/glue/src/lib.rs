//! The evaluator's IO over the store.
