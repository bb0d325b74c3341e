//! The child's limits, installed between `fork` and `exec` (only async-signal-safe calls run
//! there: `setrlimit`, `unshare`, `prctl`, `getppid`).

use std::os::unix::process::CommandExt;
use std::process::Command;

use super::limits::ChildLimits;

/// Install `limits` in the forked child before `exec`: address space, CPU time (soft
/// `limits.cpu_seconds`, which the child may raise for OCR pages up to `cpu_hard`), no files
/// written, no core dumps, no network where the kernel allows; and on Linux the child dies with
/// the daemon (`PR_SET_PDEATHSIG` = `SIGKILL`), so a killed daemon leaves no extraction running
/// beside its next start.
pub(super) fn limit(cmd: &mut Command, limits: ChildLimits, cpu_hard: u64) {
    let set = move |resource, soft: u64, hard: u64| {
        let r = libc::rlimit {
            rlim_cur: soft as libc::rlim_t,
            rlim_max: hard as libc::rlim_t,
        };
        // SAFETY: setrlimit with a valid pointer to a local struct.
        unsafe { libc::setrlimit(resource, &r) }
    };
    #[cfg(target_os = "linux")]
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure calls only async-signal-safe functions and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if set(libc::RLIMIT_AS, limits.memory_bytes, limits.memory_bytes) != 0
                || set(libc::RLIMIT_CPU, limits.cpu_seconds, cpu_hard) != 0
                || set(libc::RLIMIT_FSIZE, 0, 0) != 0
                || set(libc::RLIMIT_CORE, 0, 0) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            #[cfg(target_os = "linux")]
            {
                // No network: a network namespace of its own (needs CAP_SYS_ADMIN, or an
                // unprivileged user namespace); where neither is allowed the child keeps
                // the host's network, and nothing it runs opens sockets.
                if libc::unshare(libc::CLONE_NEWNET) != 0 {
                    let _ = libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET);
                }
                // Dies with the daemon. Set after `unshare`: changing credentials (a new user
                // namespace) clears the setting (prctl(2)).
                if libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGKILL as libc::c_ulong,
                    0,
                    0,
                    0,
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                // The daemon may have died before the line above: the child was re-parented
                // and no signal will come.
                if libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
            Ok(())
        });
    }
}
