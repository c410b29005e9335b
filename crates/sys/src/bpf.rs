//! The cgroup v2 device filter: a `BPF_PROG_TYPE_CGROUP_DEVICE` program, assembled
//! here from an allow-list, loaded with the `bpf` syscall and attached to a cgroup
//! directory. cgroup v2 has no `devices` controller; this program is how the kernel
//! decides mknod/open of device nodes for processes in that cgroup and below.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BpfError {
    #[error("loading the device filter program: {errno}{}", if log.is_empty() { String::new() } else { format!(" (verifier: {log})") })]
    Load {
        errno: nix::errno::Errno,
        log: String,
    },
    #[error("opening cgroup {path}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("attaching the device filter to cgroup {path}: {errno}")]
    Attach {
        path: PathBuf,
        errno: nix::errno::Errno,
    },
    #[error("querying the device programs of cgroup {path}: {errno}")]
    Query {
        path: PathBuf,
        errno: nix::errno::Errno,
    },
    #[error("the device filter has too many rules ({0})")]
    TooLarge(usize),
}

/// Which device nodes a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceType {
    Char,
    Block,
    /// Both.
    Any,
}

/// One allowed device class. `None` numbers match any; `access` is a subset of
/// `ACCESS_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceAllow {
    pub kind: DeviceType,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: u32,
}

// The kernel's bpf_cgroup_dev_ctx: `access_type` is (access << 16) | type.
pub const ACCESS_MKNOD: u32 = 1;
pub const ACCESS_READ: u32 = 2;
pub const ACCESS_WRITE: u32 = 4;
const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;

impl DeviceAllow {
    /// `access` from the letters of a devices-controller rule (`rwm`).
    pub fn access_from_letters(s: &str) -> u32 {
        s.chars()
            .map(|c| match c {
                'r' => ACCESS_READ,
                'w' => ACCESS_WRITE,
                'm' => ACCESS_MKNOD,
                _ => 0,
            })
            .fold(0, |a, b| a | b)
    }
}

/// One eBPF instruction, laid out as the kernel's `struct bpf_insn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Insn {
    code: u8,
    /// dst in the low nibble, src in the high one.
    regs: u8,
    off: i16,
    imm: i32,
}

const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;
const R4: u8 = 4;
const R5: u8 = 5;

// Opcodes: class | operation | source.
// BPF_LDX | BPF_MEM, size BPF_W (which is 0).
const LDX_W: u8 = 0x01 | 0x60;
const ALU32_AND_K: u8 = 0x04 | 0x50;
const ALU32_RSH_K: u8 = 0x04 | 0x70;
const ALU32_MOV_X: u8 = 0x04 | 0xb0 | 0x08;
const ALU64_MOV_K: u8 = 0x07 | 0xb0;
const JNE_K: u8 = 0x05 | 0x50;
const EXIT: u8 = 0x05 | 0x90;

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn {
        code,
        regs: dst | (src << 4),
        off,
        imm,
    }
}

/// The program for an allow-list: returns 1 (allow) when a rule covers the request,
/// 0 (deny, `EPERM`) otherwise. The context is read once into r2..r5: r2 the device
/// type, r3 the requested access, r4 major, r5 minor.
pub fn device_program(rules: &[DeviceAllow]) -> Result<Vec<Insn>, BpfError> {
    let mut p = vec![
        insn(LDX_W, R2, R1, 0, 0),
        insn(ALU32_AND_K, R2, 0, 0, 0xffff),
        insn(LDX_W, R3, R1, 0, 0),
        insn(ALU32_RSH_K, R3, 0, 0, 16),
        insn(LDX_W, R4, R1, 4, 0),
        insn(LDX_W, R5, R1, 8, 0),
    ];
    for r in rules {
        // Each test jumps past the rest of this rule's block when it fails.
        let mut tests: Vec<Insn> = Vec::new();
        match r.kind {
            DeviceType::Char => tests.push(insn(JNE_K, R2, 0, 0, DEV_CHAR)),
            DeviceType::Block => tests.push(insn(JNE_K, R2, 0, 0, DEV_BLOCK)),
            DeviceType::Any => {}
        }
        let denied = !r.access & (ACCESS_MKNOD | ACCESS_READ | ACCESS_WRITE);
        if denied != 0 {
            // Requested access outside the rule's: r1 = r3 & denied must be 0.
            tests.push(insn(ALU32_MOV_X, R1, R3, 0, 0));
            tests.push(insn(ALU32_AND_K, R1, 0, 0, denied as i32));
            tests.push(insn(JNE_K, R1, 0, 0, 0));
        }
        if let Some(m) = r.major {
            tests.push(insn(JNE_K, R4, 0, 0, m as i32));
        }
        if let Some(m) = r.minor {
            tests.push(insn(JNE_K, R5, 0, 0, m as i32));
        }
        tests.push(insn(ALU64_MOV_K, R0, 0, 0, 1));
        tests.push(insn(EXIT, 0, 0, 0, 0));
        let len = tests.len();
        for (i, t) in tests.iter_mut().enumerate() {
            if t.code == JNE_K {
                t.off = i16::try_from(len - i - 1).map_err(|_| BpfError::TooLarge(rules.len()))?;
            }
        }
        p.extend(tests);
    }
    p.push(insn(ALU64_MOV_K, R0, 0, 0, 0));
    p.push(insn(EXIT, 0, 0, 0, 0));
    if p.len() > 4096 {
        return Err(BpfError::TooLarge(rules.len()));
    }
    Ok(p)
}

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_QUERY: libc::c_long = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;

/// The part of `union bpf_attr` that BPF_PROG_LOAD reads; the kernel accepts a
/// shorter attr than its own as long as the rest would be zero.
#[repr(C, align(8))]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// BPF_PROG_ATTACH's part of `union bpf_attr`. Every byte up to the size passed is a
/// field: the kernel refuses non-zero bytes it does not know (`EINVAL`), and padding
/// would be left uninitialised.
#[repr(C, align(8))]
#[derive(Default)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
    zero: u32,
}

/// BPF_PROG_QUERY's part of `union bpf_attr`.
#[repr(C, align(8))]
#[derive(Default)]
struct ProgQueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
    zero: u32,
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> Result<libc::c_long, nix::errno::Errno> {
    // SAFETY: attr is a live, properly aligned bpf_attr prefix of the given size; the
    // kernel reads at most that many bytes (and writes only into log buffers that the
    // attr points at, which outlive this call).
    let r = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr as *mut T as *mut libc::c_void,
            std::mem::size_of::<T>() as libc::c_uint,
        )
    };
    if r < 0 {
        Err(nix::errno::Errno::last())
    } else {
        Ok(r)
    }
}

/// Loads a device program; retries with the verifier's log on failure to report it.
pub fn load_device_program(prog: &[Insn]) -> Result<OwnedFd, BpfError> {
    let license = CString::new("MIT").unwrap_or_default();
    let mut name = [0u8; 16];
    name[..10].copy_from_slice(b"nest_devcg");
    let attempt = |log: Option<&mut Vec<u8>>| {
        let mut attr = ProgLoadAttr {
            prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
            insn_cnt: prog.len() as u32,
            insns: prog.as_ptr() as u64,
            license: license.as_ptr() as u64,
            prog_name: name,
            expected_attach_type: BPF_CGROUP_DEVICE,
            ..ProgLoadAttr::default()
        };
        if let Some(buf) = log {
            attr.log_level = 1;
            attr.log_size = buf.len() as u32;
            attr.log_buf = buf.as_mut_ptr() as u64;
            bpf(BPF_PROG_LOAD, &mut attr)
        } else {
            bpf(BPF_PROG_LOAD, &mut attr)
        }
    };
    match attempt(None) {
        // SAFETY: a successful BPF_PROG_LOAD returns a new descriptor we own.
        Ok(fd) => Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) }),
        Err(errno) => {
            let mut buf = vec![0u8; 64 * 1024];
            let _ = attempt(Some(&mut buf)).map(|fd| {
                // SAFETY: as above; closed at once, the first error is what we report.
                drop(unsafe { OwnedFd::from_raw_fd(fd as i32) })
            });
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            let log = String::from_utf8_lossy(&buf[..end])
                .trim()
                .lines()
                .last()
                .unwrap_or_default()
                .to_string();
            Err(BpfError::Load { errno, log })
        }
    }
}

/// Loads the program for `rules` and attaches it to the cgroup v2 directory `cgroup`
/// without `BPF_F_ALLOW_OVERRIDE`/`MULTI`, so nothing below can replace it. The
/// attachment keeps the program alive: it goes away with the cgroup.
pub fn attach_device_filter(cgroup: &Path, rules: &[DeviceAllow]) -> Result<(), BpfError> {
    let prog = load_device_program(&device_program(rules)?)?;
    let dir = std::fs::File::open(cgroup).map_err(|source| BpfError::Open {
        path: cgroup.to_path_buf(),
        source,
    })?;
    let mut attr = ProgAttachAttr {
        target_fd: dir.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        ..ProgAttachAttr::default()
    };
    bpf(BPF_PROG_ATTACH, &mut attr).map_err(|errno| BpfError::Attach {
        path: cgroup.to_path_buf(),
        errno,
    })?;
    Ok(())
}

/// How many device programs are attached to the cgroup v2 directory itself (not
/// inherited ones): a property tests read instead of trying devices.
pub fn attached_device_programs(cgroup: &Path) -> Result<u32, BpfError> {
    let dir = std::fs::File::open(cgroup).map_err(|source| BpfError::Open {
        path: cgroup.to_path_buf(),
        source,
    })?;
    let mut attr = ProgQueryAttr {
        target_fd: dir.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        ..ProgQueryAttr::default()
    };
    bpf(BPF_PROG_QUERY, &mut attr).map_err(|errno| BpfError::Query {
        path: cgroup.to_path_buf(),
        errno,
    })?;
    Ok(attr.prog_cnt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny interpreter for the instructions `device_program` emits, so the
    /// program's logic is checked without the kernel.
    fn run(prog: &[Insn], kind: i32, access: u32, major: u32, minor: u32) -> u64 {
        let ctx = [((access << 16) | kind as u32), major, minor];
        let mut r = [0u64; 11];
        let mut pc = 0usize;
        loop {
            let i = prog[pc];
            let (dst, src) = ((i.regs & 0xf) as usize, (i.regs >> 4) as usize);
            pc += 1;
            match i.code {
                LDX_W => {
                    assert_eq!(src, 1, "loads only from the context");
                    r[dst] = u64::from(ctx[(i.off / 4) as usize]);
                }
                ALU32_AND_K => r[dst] = u64::from(r[dst] as u32 & i.imm as u32),
                ALU32_RSH_K => r[dst] = u64::from((r[dst] as u32) >> i.imm),
                ALU32_MOV_X => r[dst] = u64::from(r[src] as u32),
                ALU64_MOV_K => r[dst] = i.imm as i64 as u64,
                JNE_K => {
                    if r[dst] != i.imm as i64 as u64 {
                        pc += i.off as usize;
                    }
                }
                EXIT => return r[0],
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    fn rules() -> Vec<DeviceAllow> {
        vec![
            DeviceAllow {
                kind: DeviceType::Char,
                major: Some(1),
                minor: Some(3),
                access: DeviceAllow::access_from_letters("rwm"),
            },
            DeviceAllow {
                kind: DeviceType::Char,
                major: Some(136),
                minor: None,
                access: DeviceAllow::access_from_letters("rw"),
            },
            DeviceAllow {
                kind: DeviceType::Block,
                major: Some(7),
                minor: Some(0),
                access: DeviceAllow::access_from_letters("r"),
            },
        ]
    }

    #[test]
    fn allows_exactly_the_listed_devices_and_access() {
        let p = device_program(&rules()).expect("program");
        let rw = ACCESS_READ | ACCESS_WRITE;
        assert_eq!(run(&p, DEV_CHAR, rw, 1, 3), 1, "/dev/null");
        assert_eq!(run(&p, DEV_CHAR, ACCESS_MKNOD, 1, 3), 1);
        assert_eq!(run(&p, DEV_CHAR, ACCESS_READ, 1, 1), 0, "/dev/mem");
        assert_eq!(
            run(&p, DEV_BLOCK, ACCESS_READ, 1, 3),
            0,
            "block 1:3 is not char 1:3"
        );
        assert_eq!(run(&p, DEV_CHAR, rw, 136, 42), 1, "any pty");
        assert_eq!(
            run(&p, DEV_CHAR, ACCESS_MKNOD, 136, 42),
            0,
            "no mknod of ptys"
        );
        assert_eq!(run(&p, DEV_BLOCK, ACCESS_READ, 7, 0), 1);
        assert_eq!(
            run(&p, DEV_BLOCK, ACCESS_WRITE, 7, 0),
            0,
            "read-only loop device"
        );
        assert_eq!(run(&p, DEV_BLOCK, ACCESS_READ, 8, 0), 0, "a disk");
        assert_eq!(
            run(
                &device_program(&[]).expect("empty"),
                DEV_CHAR,
                ACCESS_READ,
                1,
                3
            ),
            0,
            "empty list denies all"
        );
        let any = [DeviceAllow {
            kind: DeviceType::Any,
            major: None,
            minor: None,
            access: 7,
        }];
        assert_eq!(
            run(&device_program(&any).expect("any"), DEV_BLOCK, 7, 8, 0),
            1
        );
    }

    #[test]
    fn letters() {
        assert_eq!(DeviceAllow::access_from_letters("rwm"), 7);
        assert_eq!(DeviceAllow::access_from_letters("r"), ACCESS_READ);
        assert_eq!(std::mem::size_of::<Insn>(), 8);
    }
}
