//! PID 1 inside a container: reap zombies, run activation, supervise the services of
//! `services.json`, answer on a control socket, re-activate a new system in place.
