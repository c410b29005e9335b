//! A container spec (host paths, never store paths) turned into a running, isolated
//! container whose PID 1 is `nest init`.
