//! Memory figures of a process from Linux `/proc/<pid>/status` (proc(5)): `VmRSS` (resident
//! now) and `VmHWM` (peak resident, "high water mark"). `None` elsewhere or when unreadable.

/// The field `field` (e.g. `"VmHWM"`) of `/proc/<pid>/status` in bytes; `pid` `None` = this
/// process.
pub fn status_bytes(pid: Option<u32>, field: &str) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".to_string(),
    };
    let s = std::fs::read_to_string(path).ok()?;
    let kb: u64 = s
        .lines()
        .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Resident memory of this process now, in bytes (`VmRSS`).
pub fn resident_bytes() -> Option<u64> {
    status_bytes(None, "VmRSS")
}

/// Peak resident memory of process `pid` (`None` = this one), in bytes (`VmHWM`).
pub fn peak_resident_bytes(pid: Option<u32>) -> Option<u64> {
    status_bytes(pid, "VmHWM")
}
