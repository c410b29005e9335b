//! The lifecycle state machine: `stopped → starting → running → stopping → stopped`,
//! plus `failed`. The recorded phase is only a memory; [`observe`] re-reads the real
//! state (PID 1's pid, start time and cgroup membership, the monitor's pid and start
//! time) and [`reconcile`] derives the phase that is true now. Guards say which
//! commands a phase allows; [`decide_after_exit`] is the restart policy.

use crate::config::{RestartConfig, RestartPolicy};
use crate::record::{Desired, ExitInfo, Phase, ProcId, Record};
use nest_container::state::State;
use std::path::Path;
use std::time::Duration;

/// What is really there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub monitor_alive: bool,
    /// PID 1, verified by pid, start time and cgroup.
    pub container: Option<ProcId>,
    /// The runtime's state file, when it names a live PID 1.
    pub state: Option<State>,
}

/// Reads the runtime's state file and checks that PID 1 is the same process (pid and
/// start time) and still in the container's cgroup.
pub fn observe(name: &str, state_dir: &Path, record: &Record) -> Observed {
    let monitor_alive = record.monitor.is_some_and(|m| m.alive());
    let state = State::load_running(name, state_dir)
        .ok()
        .filter(in_own_cgroup);
    let container = state.as_ref().map(|s| ProcId {
        pid: s.pid,
        start_time: s.start_time,
    });
    Observed {
        monitor_alive,
        container,
        state,
    }
}

/// PID 1 is listed in the first readable of the container's cgroups (a pid that was
/// reused by an unrelated process would be elsewhere). A container without cgroups
/// (none mounted) passes on pid + start time alone.
pub fn in_own_cgroup(state: &State) -> bool {
    for dir in &state.cgroups {
        if let Ok(procs) = nest_sys::cgroup::processes(dir) {
            return procs.contains(&state.pid);
        }
    }
    state.cgroups.is_empty()
}

/// The phase that is true now, from the recorded one and what is there.
pub fn reconcile(record: &Record, obs: &Observed) -> Phase {
    match (obs.container.is_some(), obs.monitor_alive) {
        (true, _) if record.phase == Phase::Stopping || record.desired == Desired::Down => {
            Phase::Stopping
        }
        (true, _) => Phase::Running,
        (false, true) if record.desired == Desired::Down => Phase::Stopping,
        (false, true) => Phase::Starting,
        (false, false) => match record.phase {
            Phase::Stopped | Phase::Failed => record.phase,
            // Nothing is left, but the record says it should be: the monitor died (or
            // was killed) without recording how.
            Phase::Starting | Phase::Running | Phase::Stopping if record.desired == Desired::Up => {
                Phase::Failed
            }
            Phase::Starting | Phase::Running | Phase::Stopping => Phase::Stopped,
        },
    }
}

pub fn can_start(p: Phase) -> bool {
    matches!(p, Phase::Stopped | Phase::Failed)
}

pub fn can_stop(p: Phase) -> bool {
    matches!(p, Phase::Starting | Phase::Running | Phase::Stopping)
}

pub fn can_destroy(p: Phase) -> bool {
    matches!(p, Phase::Stopped | Phase::Failed)
}

pub fn can_enter(p: Phase) -> bool {
    matches!(p, Phase::Running)
}

/// What the monitor does after PID 1 is gone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Stay down in this phase.
    Stay(Phase),
    /// Start again after `delay`; `counts` says whether it is an automatic restart
    /// that counts towards the burst limit (a requested reboot does not).
    Restart { delay: Duration, counts: bool },
}

/// The restart policy. `restarts` are the automatic restarts in a row so far,
/// `ran_for` how long PID 1 ran this time.
pub fn decide_after_exit(
    desired: Desired,
    policy: &RestartConfig,
    exit: &ExitInfo,
    restarts: u32,
    ran_for: Duration,
) -> Decision {
    if desired == Desired::Down {
        return Decision::Stay(Phase::Stopped);
    }
    let failed = exit.error.is_some() || exit.code != Some(0);
    if exit.error.is_none() && exit.code == Some(nest_init::protocol::EXIT_REBOOT) {
        return Decision::Restart {
            delay: Duration::ZERO,
            counts: false,
        };
    }
    let wants = match policy.policy {
        RestartPolicy::No => false,
        RestartPolicy::OnFailure => failed,
        RestartPolicy::Always => true,
    };
    if !wants {
        // A poweroff (status 0) is a clean stop; anything else is a failure.
        return Decision::Stay(if failed {
            Phase::Failed
        } else {
            Phase::Stopped
        });
    }
    let stable = ran_for.as_secs_f64() >= policy.stable_sec;
    let in_a_row = if stable { 0 } else { restarts };
    if in_a_row >= policy.burst {
        return Decision::Stay(Phase::Failed);
    }
    let delay = (policy.delay_sec.max(0.0)
        * 2f64.powi(i32::try_from(in_a_row.min(30)).unwrap_or(30)))
    .min(policy.max_delay_sec.max(0.0));
    Decision::Restart {
        delay: Duration::from_secs_f64(delay),
        counts: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(phase: Phase, desired: Desired) -> Record {
        Record {
            phase,
            desired,
            ..Record::default()
        }
    }

    fn obs(monitor: bool, container: bool) -> Observed {
        Observed {
            monitor_alive: monitor,
            container: container.then_some(ProcId {
                pid: 10,
                start_time: 1,
            }),
            state: None,
        }
    }

    #[test]
    fn reconcile_table() {
        use Desired::*;
        use Phase::*;
        let cases = [
            // recorded phase, desired, monitor alive, container alive => phase now
            (Stopped, Down, false, false, Stopped),
            (Failed, Up, false, false, Failed),
            (Starting, Up, true, false, Starting),
            (Starting, Up, true, true, Running),
            (Running, Up, true, true, Running),
            // re-adoption after the daemon (or the monitor) died: PID 1 still there
            (Running, Up, false, true, Running),
            (Stopping, Down, true, true, Stopping),
            (Running, Down, true, false, Stopping),
            (Stopping, Down, false, false, Stopped),
            // the monitor vanished while it should be up
            (Running, Up, false, false, Failed),
            (Starting, Up, false, false, Failed),
            // a record that says stopped, while a container runs (a crash mid-start)
            (Stopped, Up, false, true, Running),
        ];
        for (phase, desired, m, c, want) in cases {
            assert_eq!(
                reconcile(&rec(phase, desired), &obs(m, c)),
                want,
                "{phase:?} {desired:?} monitor={m} container={c}"
            );
        }
    }

    #[test]
    fn guards() {
        assert!(can_start(Phase::Stopped) && can_start(Phase::Failed));
        assert!(
            !can_start(Phase::Running)
                && !can_start(Phase::Starting)
                && !can_start(Phase::Stopping)
        );
        assert!(can_stop(Phase::Running) && !can_stop(Phase::Stopped));
        assert!(can_destroy(Phase::Failed) && !can_destroy(Phase::Running));
        assert!(can_enter(Phase::Running) && !can_enter(Phase::Starting));
    }

    fn exit(code: Option<i32>, error: Option<&str>) -> ExitInfo {
        ExitInfo {
            version: 1,
            code,
            error: error.map(String::from),
            at_ms: 0,
        }
    }

    #[test]
    fn restart_policy() {
        let mut p = RestartConfig::default();
        let short = Duration::from_millis(50);
        // reboot restarts at once whatever the policy; poweroff stays down
        p.policy = RestartPolicy::No;
        assert_eq!(
            decide_after_exit(Desired::Up, &p, &exit(Some(133), None), 0, short),
            Decision::Restart {
                delay: Duration::ZERO,
                counts: false
            }
        );
        assert_eq!(
            decide_after_exit(Desired::Up, &p, &exit(Some(0), None), 0, short),
            Decision::Stay(Phase::Stopped)
        );
        assert_eq!(
            decide_after_exit(Desired::Up, &p, &exit(Some(1), None), 0, short),
            Decision::Stay(Phase::Failed)
        );
        // stop/terminate asked for it: never restart, not even a reboot
        p.policy = RestartPolicy::Always;
        assert_eq!(
            decide_after_exit(Desired::Down, &p, &exit(Some(137), None), 0, short),
            Decision::Stay(Phase::Stopped)
        );
        assert_eq!(
            decide_after_exit(Desired::Down, &p, &exit(Some(133), None), 0, short),
            Decision::Stay(Phase::Stopped)
        );
        assert!(matches!(
            decide_after_exit(Desired::Up, &p, &exit(Some(0), None), 0, short),
            Decision::Restart { counts: true, .. }
        ));
        // on-failure: a crash restarts with a doubling, bounded back-off
        p.policy = RestartPolicy::OnFailure;
        assert_eq!(
            decide_after_exit(Desired::Up, &p, &exit(Some(0), None), 0, short),
            Decision::Stay(Phase::Stopped)
        );
        let d = |p: &RestartConfig, n| match decide_after_exit(
            Desired::Up,
            p,
            &exit(Some(137), None),
            n,
            short,
        ) {
            Decision::Restart { delay, .. } => delay,
            other => panic!("{other:?}"),
        };
        assert_eq!(d(&p, 0), Duration::from_millis(100));
        assert_eq!(d(&p, 1), Duration::from_millis(200));
        assert_eq!(d(&p, 3), Duration::from_millis(800));
        p.burst = 100;
        assert_eq!(d(&p, 20), Duration::from_secs(30));
        p.burst = 10;
        assert!(matches!(
            decide_after_exit(Desired::Up, &p, &exit(None, Some("mount failed")), 0, short),
            Decision::Restart { .. }
        ));
        // too many quick failures in a row: give up
        assert_eq!(
            decide_after_exit(Desired::Up, &p, &exit(Some(1), None), 10, short),
            Decision::Stay(Phase::Failed)
        );
        // ...unless it ran long enough to count as stable again
        assert_eq!(
            decide_after_exit(
                Desired::Up,
                &p,
                &exit(Some(1), None),
                10,
                Duration::from_secs(60)
            ),
            Decision::Restart {
                delay: Duration::from_millis(100),
                counts: true
            }
        );
    }
}
