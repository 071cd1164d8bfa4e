#!/usr/bin/python3 -I -S -B
"""InteractionSandbox Python sandbox runner (stdlib only, Python 3.9+).

Usage (one execution per process):

    python3 -I -S -B sandbox_runner.py < job.json > result.json

or as a warm fork server (``serve()``: JSON-lines jobs in, one forked supervisor per job, results out):

    python3 -I -S -B sandbox_runner.py --serve

or as a pre-started single-use task (``listen()``: one TCP connection, one job line in, one result line back, on
the connection and on stdout; exits unused after the idle lifetime):

    python3 -I -S -B sandbox_runner.py --listen PORT [--idle-seconds N]
    SANDBOX_LISTEN_PORT=PORT [SANDBOX_IDLE_SECONDS=N] python3 -I -S -B sandbox_runner.py

The runner process is the *supervisor*: it never runs user code.  It forks a
*child* that hardens itself (session, descriptors, namespaces, rlimits, uid,
environment, work dir, seccomp, audit-hook guard) and only then compiles and
runs the user code.  The supervisor drains the child's output concurrently with
a cap, enforces the wall-clock deadline, kills every process the execution
started (daemons included) and maps what it observed to one outcome.

Protocol between child and supervisor
-------------------------------------
* fd 0/1/2 of the user process: pipes for stdin / stdout / stderr.
* fd 3 ("report"): JSON lines, each < PIPE_BUF so writes are atomic.  Lines up
  to and including the ``hello`` line are written before any user code runs and
  are trusted (layers applied); every later line may have been forged by user
  code and is treated as an untrusted, size-capped, shape-checked detail.
* fd 4 ("control", pid-namespace mode only): held by the helper processes (the
  namespace's init and its parent), closed in the user process before user code
  runs, so its content cannot be forged: init's pid and the user process's
  wait status.

Importable: ``run_job(job) -> dict``, ``main()``, ``serve()`` and ``listen()``; nothing happens at import.
``run_job`` sets process-wide state (child subreaper) and must not be called
concurrently from several threads of one process (a warm fork server forks per
job, which is fine).
"""

import errno
import json
import re
import os
import select
import selectors
import signal
import sys
import time

__all__ = ["run_job", "main", "serve", "listen", "OUTCOMES", "ISOLATION_NAMES"]

OUTCOMES = ("ok", "runtime_error", "syntax_error", "timeout", "memory_limit",
            "output_limit", "resource_limit", "policy_violation", "system_error")
ISOLATION_NAMES = ("cleared-environment", "no-inherited-descriptors",
                   "private-work-directory", "rlimits", "dedicated-uid",
                   "process-bound:uid", "process-bound:shared-uid", "namespaces:*",
                   "seccomp", "runtime-guard", "process-tree-kill")

USER_FILENAME = "<user_code>"
REPORT_FD = 3
CTL_FD = 4
EXIT_VIOLATION = 86      # guard violation (meaningful only with a violation report)
EXIT_SETUP = 87          # hardening failed before user code ran
REPORT_LINE_MAX = 3800   # < PIPE_BUF (4096): atomic pipe writes
REPORT_TOTAL_MAX = 256 * 1024
MIB = 1024 * 1024
DRAIN_GRACE_S = 2.0
SAMPLE_INTERVAL_S = 0.05
KILL_ROUNDS_MAX = 400
KILL_DEADLINE_S = 5.0

# clone/unshare flags
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NS_FLAGS_MASK = (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC
                 | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
_MOUNT_OPTION_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                       "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
PR_SET_DUMPABLE = 4

PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

DEFAULT_JOB = {
    "executionId": "", "stdin": "", "timeoutSeconds": 30, "memoryMb": 512,
    "maxProcesses": 50, "maxOutputBytes": 65536, "maxFileBytes": 16 * MIB,
    "maxOpenFiles": 64, "policy": "standard", "workRoot": "/tmp", "disable": [],
    "uidBase": 61000, "uidCount": 512, "ownCgroup": False,
}
POLICIES = ("strict", "standard", "permissive")
# "nproc": no RLIMIT_NPROC. For containers, whose processes all share one uid in the host's user namespace (the
# kernel would count every container's processes together); the container's pids cgroup is the bound there.
DISABLE_KEYS = ("namespaces", "seccomp", "uid", "nproc")


class JobError(ValueError):
    """The job document is invalid."""


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

def _now():
    return time.monotonic()


def _cap(text, n):
    try:
        text = str(text)
    except Exception:  # noqa: BLE001 - str() of hostile objects
        text = "<unprintable>"
    return text if len(text) <= n else text[:n] + "..."


def _json_line(obj):
    data = json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    if len(data) > REPORT_LINE_MAX:
        data = json.dumps({"t": obj.get("t", "oversized"), "oversized": True}).encode()
    return data + b"\n"


def _write_line(fd, obj):
    try:
        os.write(fd, _json_line(obj))
        return True
    except Exception:  # noqa: BLE001
        return False


def _libc():
    import ctypes
    return ctypes.CDLL(None, use_errno=True)


def _prctl(libc, option, arg2=0, arg3=0, arg4=0, arg5=0):
    import ctypes
    ul = ctypes.c_ulong
    res = libc.prctl(ctypes.c_int(option), ul(arg2), ul(arg3), ul(arg4), ul(arg5))
    if res != 0:
        e = ctypes.get_errno()
        raise OSError(e, "prctl(%d): %s" % (option, os.strerror(e)))


def _max_fd():
    try:
        n = os.sysconf("SC_OPEN_MAX")
        return n if 0 < n < 1 << 20 else 1 << 20
    except (ValueError, OSError):
        return 65536


# --------------------------------------------------------------------------
# job validation
# --------------------------------------------------------------------------

def _int_field(job, name, lo, hi):
    v = job.get(name, DEFAULT_JOB.get(name))
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        raise JobError("%s must be a number" % name)
    v = int(v)
    if not lo <= v <= hi:
        raise JobError("%s must be within [%d, %d]" % (name, lo, hi))
    return v


def validate_job(job):
    """Return a normalised copy of the job or raise JobError."""
    if not isinstance(job, dict):
        raise JobError("job must be a JSON object")
    code = job.get("code")
    if not isinstance(code, str):
        raise JobError("code must be a string")
    stdin = job.get("stdin", "")
    if stdin is None:
        stdin = ""
    if not isinstance(stdin, str):
        raise JobError("stdin must be a string")
    policy = job.get("policy", DEFAULT_JOB["policy"])
    if policy not in POLICIES:
        raise JobError("policy must be one of %s" % ", ".join(POLICIES))
    disable = job.get("disable", []) or []
    if not isinstance(disable, list) or any(d not in DISABLE_KEYS for d in disable):
        raise JobError("disable must be a list of %s" % ", ".join(DISABLE_KEYS))
    own_cgroup = job.get("ownCgroup", DEFAULT_JOB["ownCgroup"])
    if not isinstance(own_cgroup, bool):
        raise JobError("ownCgroup must be true or false")
    work_root = job.get("workRoot", DEFAULT_JOB["workRoot"])
    if not isinstance(work_root, str) or not os.path.isabs(work_root) or "\0" in work_root:
        raise JobError("workRoot must be an absolute path")
    if not os.path.isdir(work_root):
        raise JobError("workRoot does not exist or is not a directory")
    n = {
        "executionId": _cap(job.get("executionId", ""), 200),
        "code": code, "stdin": stdin, "policy": policy, "disable": list(disable),
        "workRoot": work_root, "ownCgroup": own_cgroup,
        "timeoutSeconds": _int_field(job, "timeoutSeconds", 1, 3600),
        "memoryMb": _int_field(job, "memoryMb", 64, 1 << 20),
        "maxProcesses": _int_field(job, "maxProcesses", 1, 1 << 16),
        "maxOutputBytes": _int_field(job, "maxOutputBytes", 1, 1 << 30),
        "maxFileBytes": _int_field(job, "maxFileBytes", 0, 1 << 40),
        "maxOpenFiles": _int_field(job, "maxOpenFiles", 16, 1 << 20),
        "uidBase": _int_field(job, "uidBase", 1000, (1 << 31) - 2),
        "uidCount": _int_field(job, "uidCount", 1, 1 << 16),
    }
    if n["uidBase"] + n["uidCount"] >= (1 << 31) - 1:
        raise JobError("uidBase + uidCount out of range")
    return n


# --------------------------------------------------------------------------
# /proc scanning and killing
# --------------------------------------------------------------------------

def _status_field(data, name, default=None):
    """The first whitespace-separated value of ``name:`` in a /proc/PID/status text, as bytes."""
    at = data.find(b"\n" + name + b":")
    if at < 0:
        return default
    start = at + len(name) + 2
    end = data.find(b"\n", start)
    values = data[start:end if end >= 0 else len(data)].split()
    return values[0] if values else default


def _proc_table():
    """[(pid, ppid, sid, state, real_uid)] for every process, from one read of /proc/PID/status each (State, PPid,
    Uid, and NSsid: the session id as this /proc's pid namespace sees it)."""
    out = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/status" % name, "rb") as f:
                data = f.read()
            state = _status_field(data, b"State", b"?").decode()
            ppid = int(_status_field(data, b"PPid", b"0"))
            uid = int(_status_field(data, b"Uid", b"-1"))
            sid = _status_field(data, b"NSsid")
            if sid is None:   # kernels before 4.1: the session id is field 6 of /proc/PID/stat
                with open("/proc/%s/stat" % name, "rb") as f:
                    stat = f.read()
                sid = stat[stat.rfind(b")") + 2:].split()[3]
            sid = int(sid)
        except (OSError, ValueError, IndexError):
            continue
        out.append((int(name), ppid, sid, state, uid))
    return out


def _count_uid_tasks(uid):
    """Processes+threads whose real uid is ``uid`` (for a shared-uid RLIMIT_NPROC)."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/status" % name, "rb") as f:
                ruid = threads = None
                for line in f:
                    if line.startswith(b"Uid:"):
                        ruid = int(line.split()[1])
                    elif line.startswith(b"Threads:"):
                        threads = int(line.split()[1])
            if ruid == uid:
                total += threads or 1
        except (OSError, ValueError, IndexError):
            continue
    return total


# The memory cgroup as a container sees its own, with its out-of-memory kill counter and its limit: cgroup v2
# (private cgroup namespace, Docker's default there) and v1 (the engine mounts the container's own directory).
CGROUP_ROOT = "/sys/fs/cgroup"
_MEMORY_CGROUPS = (("", "memory.events", "memory.max"),
                   ("memory", "memory.oom_control", "memory.limit_in_bytes"))


def _oom_kills(memory_mb, root=None):
    """Processes of this memory cgroup killed by an out-of-memory killer so far (the kernel counts a victim before
    it sends the kill), or None when no cgroup with this job's memory limit is mounted where a container has its
    own: then the files are not this container's alone (a host cgroup namespace) or not there at all."""
    for sub, counter, limit in _MEMORY_CGROUPS:
        base = os.path.join(root or CGROUP_ROOT, sub)
        try:
            with open(os.path.join(base, limit), "rb") as f:
                if int(f.read().strip()) != memory_mb * MIB:
                    continue
            with open(os.path.join(base, counter), "rb") as f:
                for line in f:
                    name, _sep, value = line.partition(b" ")
                    if name == b"oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return None


class _Execution:
    """Supervisor-side state of one execution."""

    def __init__(self, job):
        self.job = job
        self.self_pid = os.getpid()
        self.child_pid = None
        self.child_status = None      # raw wait status of the direct child
        self.init_pid = None          # host pid of the pid namespace's init
        self.uid = None               # dedicated uid, or None
        self.uid_lock_fd = None
        self.subreaper = False
        self.workdir = None
        self.killed = set()
        # True once a sweep found no process of the execution left after the child ended: no member exists, and
        # only a member could create one, so later sweeps would find nothing either.
        self.clean = False
        # True once pid 1 of the execution's pid namespace reported that it reaped every other process of it. The
        # code never runs outside that namespace, so after the child (which waits for pid 1) has ended, nothing of
        # the execution is left and no sweep of /proc is needed.
        self.namespace_emptied = False

    # -- membership -------------------------------------------------------
    def members(self):
        """Live (non-zombie) processes of this execution, except the supervisor."""
        table = _proc_table()
        parent = {}
        for pid, ppid, _sid, _st, _uid in table:
            parent[pid] = ppid
        memo = {self.self_pid: True}

        def descends(p):
            chain = []
            verdict = False
            while p > 1 and p not in memo and len(chain) < 100000:
                chain.append(p)
                p = parent.get(p, 0)
            if p in memo:
                verdict = memo[p]
            for c in chain:
                memo[c] = verdict
            return verdict

        res = []
        for pid, _ppid, sid, state, uid in table:
            if pid == self.self_pid or state in ("Z", "X"):
                continue
            if ((self.uid is not None and uid == self.uid)
                    or (self.child_pid is not None and sid == self.child_pid)
                    or descends(pid)):
                res.append(pid)
        return res

    def user_process_count(self):
        helpers = {self.child_pid, self.init_pid} if self.init_pid else set()
        return len([p for p in self.members() if p not in helpers])

    # -- reaping ----------------------------------------------------------
    def reap(self, block_child=False):
        """Reap zombie children (orphans adopted as subreaper included)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                break
            if pid == self.child_pid and self.child_status is None:
                self.child_status = status
        if block_child and self.child_pid and self.child_status is None:
            try:
                _pid, status = os.waitpid(self.child_pid, 0)
                self.child_status = status
            except ChildProcessError:
                pass

    # -- killing ----------------------------------------------------------
    def _kill_uid_atomically(self):
        """kill(-1, SIGKILL) from a helper running as the slot uid (atomic vs fork bombs)."""
        if self.uid is None:
            return
        try:
            pid = os.fork()
        except OSError:
            return
        if pid == 0:
            try:
                os.setgroups([])
                os.setresgid(self.uid, self.uid, self.uid)
                os.setresuid(self.uid, self.uid, self.uid)
                os.kill(-1, signal.SIGKILL)
            except BaseException:  # noqa: BLE001
                pass
            os._exit(0)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def kill_all(self):
        """SIGKILL every process of the execution until none is left; return count."""
        if self.namespace_emptied and self.child_status is not None and not self.killed:
            self.clean = True
            return 0
        before = len(self.killed)
        deadline = _now() + KILL_DEADLINE_S
        found = True
        for _round in range(KILL_ROUNDS_MAX):
            found = self.members()
            if found:
                self._kill_uid_atomically()
            for pid in found:
                try:
                    os.kill(pid, signal.SIGKILL)
                    self.killed.add(pid)
                except ProcessLookupError:
                    pass
                except PermissionError:
                    pass
            self.reap()
            if not found or _now() > deadline:
                break
            time.sleep(0.005)
        if not found and self.child_status is not None:
            self.clean = True
        return len(self.killed) - before

    def leftovers(self):
        return [] if self.clean else self.members()


# --------------------------------------------------------------------------
# uid slots
# --------------------------------------------------------------------------

SLOT_CLEAN = b"c"
SLOT_IN_USE = b"u"


def _lock_dir():
    import tempfile
    base = os.path.join(tempfile.gettempdir(), "interaction-sandbox-uid-locks")
    for _attempt in range(3):
        try:
            os.mkdir(base, 0o700)
        except FileExistsError:
            pass
        st = os.lstat(base)
        import stat as _stat
        if (_stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid()
                and (st.st_mode & 0o077) == 0):
            return base
        # Someone else (e.g. a sandbox uid) planted it: move it out of the way.
        os.rename(base, "%s.untrusted.%d.%d" % (base, os.getpid(), int(time.time())))
    raise OSError("cannot create a trusted uid lock directory")


def _acquire_uid(ex):
    import fcntl
    job = ex.job
    base = _lock_dir()
    for uid in range(job["uidBase"], job["uidBase"] + job["uidCount"]):
        path = os.path.join(base, "%d.lock" % uid)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        ex.uid, ex.uid_lock_fd = uid, fd
        # The lock file's first byte says how its last holder left the uid: SLOT_CLEAN when that holder found no
        # process of it left after its run (only a process of the uid could create another). Anything else (a new
        # slot, a crashed or unverified run) means whatever is left under this uid is killed before reuse.
        if os.pread(fd, 1, 0) != SLOT_CLEAN:
            ex.kill_all()
            ex.killed.clear()
        os.pwrite(fd, SLOT_IN_USE, 0)
        return uid
    raise OSError("no free uid slot in [%d, %d)" % (job["uidBase"], job["uidBase"] + job["uidCount"]))


def _release_uid(ex):
    if ex.uid_lock_fd is not None:
        try:
            if ex.clean:
                os.pwrite(ex.uid_lock_fd, SLOT_CLEAN, 0)
        except OSError:
            pass
        try:
            os.close(ex.uid_lock_fd)
        except OSError:
            pass
        ex.uid_lock_fd = None


# --------------------------------------------------------------------------
# work directory
# --------------------------------------------------------------------------

def _make_workdir(ex):
    import tempfile
    d = tempfile.mkdtemp(prefix="isb-", dir=ex.job["workRoot"])
    os.chmod(d, 0o700)
    if ex.uid is not None:
        os.chown(d, ex.uid, ex.uid)
    ex.workdir = os.path.realpath(d)
    return ex.workdir


def _remove_tree(path, attempts=3):
    """Remove path even if user code chmod'ed things inside; True when gone."""
    import shutil
    import stat as _stat

    def onerror(func, p, _exc):
        for q in (os.path.dirname(p), p):
            try:
                st = os.lstat(q)
                if _stat.S_ISDIR(st.st_mode):
                    os.chmod(q, 0o700)
            except OSError:
                pass
        try:
            func(p)
        except OSError:
            pass

    for _i in range(attempts):
        if not os.path.lexists(path):
            return True
        try:
            os.chmod(path, 0o700)
        except OSError:
            pass
        for root, dirs, _files in os.walk(path):
            for d in dirs:
                try:
                    p = os.path.join(root, d)
                    if not os.path.islink(p):
                        os.chmod(p, 0o700)
                except OSError:
                    pass
        shutil.rmtree(path, onerror=onerror)
    return not os.path.lexists(path)


# --------------------------------------------------------------------------
# seccomp (classic BPF)
# --------------------------------------------------------------------------

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_DENY_X86_64 = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "mount": 165,
    "umount2": 166, "unshare": 272, "setns": 308, "pivot_root": 155, "chroot": 161,
    "bpf": 321, "keyctl": 250, "add_key": 248, "request_key": 249,
    "perf_event_open": 298, "userfaultfd": 323, "kexec_load": 246,
    "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
    "delete_module": 176, "personality": 135, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "open_by_handle_at": 304,
    "name_to_handle_at": 303, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "pidfd_getfd": 438, "process_madvise": 440, "swapon": 167, "swapoff": 168,
    "reboot": 169, "acct": 163, "iopl": 172, "ioperm": 173, "syslog": 103,
    "quotactl": 179, "lookup_dcookie": 212, "vhangup": 153, "kcmp": 312,
    "socket": 41,
}
_SPECIAL_X86_64 = {"clone": 56, "clone3": 435, "socketpair": 53}
_DENY_AARCH64 = {
    "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "mount": 40,
    "umount2": 39, "unshare": 97, "setns": 268, "pivot_root": 41, "chroot": 51,
    "bpf": 280, "keyctl": 219, "add_key": 217, "request_key": 218,
    "perf_event_open": 241, "userfaultfd": 282, "kexec_load": 104,
    "kexec_file_load": 294, "init_module": 105, "finit_module": 273,
    "delete_module": 106, "personality": 92, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "open_by_handle_at": 265,
    "name_to_handle_at": 264, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "pidfd_getfd": 438, "process_madvise": 440, "swapon": 224, "swapoff": 225,
    "reboot": 142, "acct": 89, "syslog": 116, "quotactl": 60,
    "lookup_dcookie": 18, "vhangup": 58, "kcmp": 272, "socket": 198,
}
_SPECIAL_AARCH64 = {"clone": 220, "clone3": 435, "socketpair": 199}


def seccomp_program(machine):
    """Classic-BPF program as a list of (code, jt, jf, k), or None if unsupported.

    Policy: wrong architecture (e.g. i386 syscalls on x86_64) -> kill process;
    x32 ABI -> EPERM; socket() -> EPERM for every family (no network and no
    connecting to host UNIX sockets); socketpair() only AF_UNIX; clone() with
    any namespace flag -> EPERM; clone3() -> ENOSYS (libc falls back to clone);
    the listed dangerous syscalls -> EPERM; everything else allowed.
    """
    arch = AUDIT_ARCH.get(machine)
    if arch is None:
        return None
    deny = _DENY_X86_64 if machine == "x86_64" else _DENY_AARCH64
    special = _SPECIAL_X86_64 if machine == "x86_64" else _SPECIAL_AARCH64
    LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, KILL_PROCESS = 0x7FFF0000, 0x80000000
    EPERM = 0x00050000 | errno.EPERM
    ENOSYS = 0x00050000 | errno.ENOSYS
    prog = [
        (LD_W_ABS, 0, 0, 4),            # A = arch
        (JEQ, 1, 0, arch),
        (RET, 0, 0, KILL_PROCESS),
        (LD_W_ABS, 0, 0, 0),            # A = nr
    ]
    if machine == "x86_64":
        prog += [(JGE, 0, 1, 0x40000000), (RET, 0, 0, EPERM)]
    for nr in sorted(set(deny.values())):
        prog += [(JEQ, 0, 1, nr), (RET, 0, 0, EPERM)]
    prog += [(JEQ, 0, 1, special["clone3"]), (RET, 0, 0, ENOSYS)]
    # clone: args[0] (flags, low 32 bits at offset 16) must carry no namespace flag
    prog += [(JEQ, 0, 4, special["clone"]), (LD_W_ABS, 0, 0, 16),
             (JSET, 0, 1, NS_FLAGS_MASK), (RET, 0, 0, EPERM), (RET, 0, 0, ALLOW)]
    # socketpair: only AF_UNIX (1)
    prog += [(JEQ, 0, 4, special["socketpair"]), (LD_W_ABS, 0, 0, 16),
             (JEQ, 0, 1, 1), (RET, 0, 0, ALLOW), (RET, 0, 0, EPERM)]
    prog += [(RET, 0, 0, ALLOW)]
    return prog


def _install_seccomp(libc):
    import ctypes
    prog = seccomp_program(os.uname().machine)
    if prog is None:
        return False

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                    ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    arr = (SockFilter * len(prog))(*[SockFilter(*ins) for ins in prog])
    fprog = SockFprog(len(prog), arr)
    _prctl(libc, PR_SET_NO_NEW_PRIVS, 1)
    _prctl(libc, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
    return True


# --------------------------------------------------------------------------
# runtime guard (audit hook) -- defence in depth, not the boundary
# --------------------------------------------------------------------------

_SPAWN_EVENTS = frozenset(["os.system", "os.exec", "os.posix_spawn", "os.spawn",
                           "subprocess.Popen", "os.fork", "os.forkpty", "pty.spawn",
                           "os.startfile", "webbrowser.open"])
_ALWAYS_BLOCKED = frozenset([
    "cpython.PyInterpreterState_New", "sqlite3.enable_load_extension",
    "sqlite3.load_extension", "urllib.Request", "http.client.connect",
    "ftplib.connect", "smtplib.connect", "poplib.connect", "imaplib.open",
    "nntplib.connect", "telnetlib.Telnet.open", "ensurepip.bootstrap", "pdb.Pdb",
])
_BLOCKED_PREFIXES = ("socket.", "ctypes.", "syslog.", "_winapi.", "winreg.", "msvcrt.")
_BLOCKED_IMPORTS = frozenset([
    "ctypes", "_ctypes", "_ctypes_test", "_testcapi", "_testinternalcapi",
    "_testbuffer", "_testmultiphase", "_testclinic", "_testimportmultiple",
    "_xxtestfuzz", "_xxsubinterpreters", "_xxinterpchannels", "_interpreters",
    "_interpchannels", "_interpqueues", "readline", "_dbm", "_gdbm", "dbm.gnu",
    "dbm.ndbm", "_posixshmem", "nis", "ossaudiodev", "_curses", "_curses_panel",
])
# event -> [(arg index, dir_fd arg index or None, access, follow_final_symlink)]
_PATH_EVENTS = {
    "os.chdir": [(0, None, "r", True)],
    "os.listdir": [(0, None, "r", True)],
    "os.scandir": [(0, None, "r", True)],
    "os.walk": [(0, None, "r", True)],
    "os.fwalk": [(0, 3, "r", True)],
    "os.getxattr": [(0, None, "r", True)],
    "os.listxattr": [(0, None, "r", True)],
    "os.chflags": [(0, None, "w", True)],
    "os.chmod": [(0, 2, "w", True)],
    "os.chown": [(0, 3, "w", True)],
    "os.setxattr": [(0, None, "w", True)],
    "os.removexattr": [(0, None, "w", True)],
    "os.truncate": [(0, None, "w", True)],
    "os.utime": [(0, 3, "w", True)],
    "os.mkdir": [(0, 2, "w", False)],
    "os.remove": [(0, 1, "w", False)],
    "os.rmdir": [(0, 1, "w", False)],
    "os.rename": [(0, 2, "w", False), (1, 3, "w", False)],
    "os.link": [(0, 2, "w", False), (1, 3, "w", False)],
    "os.symlink": [(1, 2, "w", False)],
    "shutil.copyfile": [(0, None, "r", True), (1, None, "w", True)],
    "shutil.rmtree": [(0, 1, "w", False)],
    "shutil.move": [(0, None, "w", False), (1, None, "w", False)],
    "shutil.copytree": [(0, None, "r", True), (1, None, "w", True)],
    "shutil.unpack_archive": [(0, None, "r", True), (1, None, "w", True)],
    "shutil.make_archive": [(0, None, "w", True)],
    "tempfile.mkstemp": [(0, None, "w", False)],
    "tempfile.mkdtemp": [(0, None, "w", False)],
}
_READ_ONLY_DEVICES = ("/dev/urandom", "/dev/random", "/dev/zero")


_READ_ROOT_CANDIDATES = []


def _read_root_candidates():
    """Real paths of the interpreter's library directories (computed once: a warm server does it before forking,
    so no execution pays for sysconfig and realpath)."""
    if not _READ_ROOT_CANDIDATES:
        cands = [os.path.dirname(os.__file__), os.path.dirname(json.__file__)]
        cands += [p for p in sys.path if isinstance(p, str)]
        try:
            import sysconfig
            for key in ("stdlib", "platstdlib"):
                cands.append(sysconfig.get_paths().get(key) or "")
        except Exception:  # noqa: BLE001
            pass
        cands.append("/usr/share/zoneinfo")
        roots = set()
        for c in cands:
            if not c or not os.path.isabs(c):
                continue
            r = os.path.realpath(c)
            if r in ("/", "/tmp", "/usr", "/usr/lib", "/usr/local", "/opt", "/proc", "/sys",
                     "/dev", "/etc", "/home", "/root", "/var"):
                continue
            roots.add(r)
        _READ_ROOT_CANDIDATES.extend(sorted(roots))
    return _READ_ROOT_CANDIDATES


def _python_read_roots(workdir):
    # never a whole parent of the work dir
    return tuple(r for r in _read_root_candidates() if not (workdir == r or workdir.startswith(r + "/")))


def install_guard(workdir, policy, report_fd=REPORT_FD):
    """Install the audit hook.  A blocked event reports and ends the process."""
    allow_spawn = policy == "permissive"
    strict = policy == "strict"
    my_pid_box = [os.getpid()]
    read_roots = _python_read_roots(workdir)
    wd_prefix = workdir.rstrip("/") + "/"
    _write = os.write
    _exit = os._exit
    _getpid = os.getpid
    _readlink = os.readlink
    _getcwd = os.getcwd
    _realpath = os.path.realpath
    _dirname = os.path.dirname
    _basename = os.path.basename
    _join = os.path.join
    _fsdecode = os.fsdecode
    _fspath = os.fspath
    _dumps = json.dumps
    _repr = repr
    O_ACC, O_RDONLY = os.O_ACCMODE, os.O_RDONLY
    O_WRITEISH = os.O_CREAT | os.O_TRUNC | os.O_APPEND
    modules = sys.modules

    def deny(event, detail):
        try:
            line = _dumps({"t": "violation", "pid": _getpid(), "event": event,
                           "detail": detail[:500]}).encode("ascii", "replace")
            _write(report_fd, line[:REPORT_LINE_MAX] + b"\n")
        except BaseException:  # noqa: BLE001
            pass
        _exit(EXIT_VIOLATION)

    def fd_path(fd):
        return _readlink("/proc/self/fd/%d" % fd)

    def resolve(path, dir_fd, follow):
        if isinstance(path, int):
            return _realpath(fd_path(path))
        path = _fsdecode(_fspath(path))
        if "\0" in path:
            return None
        if not path.startswith("/"):
            base = fd_path(dir_fd) if isinstance(dir_fd, int) and dir_fd >= 0 else _getcwd()
            path = _join(base, path)
        if follow:
            return _realpath(path)
        return _join(_realpath(_dirname(path.rstrip("/")) or "/"),
                     _basename(path.rstrip("/")))

    def inside_work(p, strictly):
        return p.startswith(wd_prefix) or (not strictly and p == workdir)

    def allowed(p, access, follow):
        if p is None:
            return False
        if p == "/dev/null":
            return True
        if access == "w":
            if strict:
                return False
            return inside_work(p, not follow)
        if inside_work(p, False) or p in _READ_ONLY_DEVICES:
            return True
        for r in read_roots:
            if p == r or p.startswith(r + "/"):
                return True
        return False

    def check_path(event, path, dir_fd, access, follow):
        if path is None:
            return
        if isinstance(path, int) and event != "os.chdir" and event not in (
                "os.listdir", "os.scandir"):
            return  # operations on already-open descriptors
        try:
            p = resolve(path, dir_fd, follow)
        except BaseException:  # noqa: BLE001
            p = None
        if not allowed(p, access, follow):
            deny(event, "%s access to %s" % ("write" if access == "w" else "read",
                                            _repr(path)[:300]))

    def hook(event, args):
        if event == "open":
            path = args[0]
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
            write = ((flags & O_ACC) != O_RDONLY or (flags & O_WRITEISH) != 0
                     or any(c in mode for c in "wax+"))
            if isinstance(path, int):
                return
            check_path(event, path, None, "w" if write else "r", True)
            return
        spec = _PATH_EVENTS.get(event)
        if spec is not None:
            for idx, dfd_idx, access, follow in spec:
                if idx < len(args):
                    dfd = args[dfd_idx] if dfd_idx is not None and dfd_idx < len(args) else None
                    check_path(event, args[idx], dfd, access, follow)
            return
        if event == "import":
            name = args[0] if args else ""
            if name in _BLOCKED_IMPORTS or (
                    not allow_spawn and name == "_posixsubprocess" and name not in modules):
                deny(event, "import of %s" % _repr(name)[:100])
            return
        if event in _SPAWN_EVENTS:
            if not allow_spawn:
                deny(event, "process creation is not allowed under policy %s" % policy)
            else:
                my_pid_box[0] = _getpid()
            return
        if event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            if event == "signal.pthread_kill":
                return  # threads of this process only
            target = args[0] if args else None
            if event == "os.kill" and target == _getpid():
                return
            deny(event, "signal %r to %r" % (args[1:2], target))
        if event == "resource.prlimit":
            if args and args[0] not in (0, _getpid()):
                deny(event, "prlimit on pid %r" % (args[0],))
            return
        if event == "sqlite3.connect":
            db = args[0] if args else ":memory:"
            if db in (":memory:", "", b":memory:", b""):
                return
            check_path(event, db, None, "w", True)
            return
        if event in _ALWAYS_BLOCKED or event.startswith(_BLOCKED_PREFIXES):
            deny(event, _repr(args)[:300])

    sys.addaudithook(hook)
    return hook


# --------------------------------------------------------------------------
# child side
# --------------------------------------------------------------------------

def _report(obj):
    _write_line(REPORT_FD, obj)


def _setup_fds(pipes):
    """Dup the pipes onto 0..4 and close everything else."""
    import fcntl
    high = []
    for fd in pipes:  # stdin_r, stdout_w, stderr_w, report_w, ctl_w
        high.append(fcntl.fcntl(fd, fcntl.F_DUPFD, 100))
    for target, fd in enumerate(high):
        os.dup2(fd, target, inheritable=True)
    os.closerange(5, _max_fd())


def _unshare_namespaces(libc):
    """Returns (names applied, error text)."""
    import ctypes
    applied, errors = [], []
    for name, flag in (("mount", CLONE_NEWNS), ("net", CLONE_NEWNET), ("ipc", CLONE_NEWIPC),
                       ("uts", CLONE_NEWUTS), ("pid", CLONE_NEWPID)):
        if libc.unshare(ctypes.c_int(flag)) == 0:
            applied.append(name)
        else:
            errors.append("%s: %s" % (name, os.strerror(ctypes.get_errno())))
    if "mount" in applied:
        if libc.mount(b"none", b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None) != 0:
            errors.append("make-rprivate: %s" % os.strerror(ctypes.get_errno()))
    if "uts" in applied:
        libc.sethostname(b"sandbox", ctypes.c_size_t(7))
    return applied, "; ".join(errors)


def _mount_points():
    """Mount points of this mount namespace with their per-mount flags, parents before children."""
    points = []
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            fields = line.split(" ")
            if len(fields) < 6:
                continue
            path = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            flags = 0
            for option in fields[5].split(","):
                flags |= _MOUNT_OPTION_FLAGS.get(option, 0)
            points.append((path, flags))
    points.sort(key=lambda p: p[0].count("/") if p[0] != "/" else 0)
    return points


def _read_only_host(libc, workdir):
    """In the private mount namespace: every mount read-only except the work directory, so the code can write
    nowhere on the host (world-writable /tmp, /var/tmp, /dev/shm included) and leaves nothing for a later
    execution outside its work directory, which is wiped. Returns an error text or ''."""
    import ctypes
    wd = workdir.encode()
    if libc.mount(wd, wd, None, ctypes.c_ulong(MS_BIND | MS_REC), None) != 0:
        return "bind work dir: %s" % os.strerror(ctypes.get_errno())
    failures = []
    root_done = False
    for path, flags in _mount_points():
        if path == workdir or path.startswith(workdir.rstrip("/") + "/"):
            continue
        target = path.encode()
        if libc.mount(None, target, None, ctypes.c_ulong(MS_REMOUNT | MS_BIND | MS_RDONLY | flags), None) != 0:
            failures.append("%s: %s" % (path, os.strerror(ctypes.get_errno())))
        elif path == "/":
            root_done = True
    if not root_done:
        return "read-only root: " + "; ".join(failures[:3])
    return ("read-only remount failed for " + "; ".join(failures[:3])) if failures else ""


def _scrub_initial_environment(libc):
    """Zero the process's initial environment block (still in memory after a fork)."""
    import ctypes
    try:
        with open("/proc/self/stat", "rb") as f:
            data = f.read()
        fields = data[data.rfind(b")") + 2:].split()
        # fields[0] is field 3 (state); env_start/env_end are fields 50/51
        start, end = int(fields[47]), int(fields[48])
        if 0 < start < end and end - start < 64 * MIB:
            ctypes.memset(ctypes.c_void_p(start), 0, end - start)
            return True
    except Exception:  # noqa: BLE001
        pass
    return False


def _child_main(job, ctx, pipes):
    """Direct child of the supervisor.  Never returns."""
    try:
        os.setsid()
        _setup_fds(pipes)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            try:
                signal.signal(sig, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
        libc = _libc()
        try:
            _prctl(libc, PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            pass
        os.environ.clear()
        # zero the inherited environment block before init/user processes fork
        # from here (/proc/<pid>/environ would still show it)
        _scrub_initial_environment(libc)
        ns, ns_err = [], ""
        if ctx["use_ns"]:
            ns, ns_err = _unshare_namespaces(libc)
            if "mount" in ns:
                ro_err = _read_only_host(libc, ctx["workdir"])
                ctx["read_only_host"] = not ro_err
                if ro_err:
                    ns_err = (ns_err + "; " if ns_err else "") + ro_err
        if "pid" in ns:
            init = os.fork()
            if init == 0:
                _init_main(job, ctx, ns, ns_err, libc)
            _write_line(CTL_FD, {"t": "init", "pid": init})
            for fd in range(0, 5):
                try:
                    os.close(fd)
                except OSError:
                    pass
            while True:
                try:
                    _p, status = os.waitpid(init, 0)
                    break
                except InterruptedError:
                    continue
            if os.WIFSIGNALED(status):
                os.kill(os.getpid(), os.WTERMSIG(status))
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
        _user_main(job, ctx, ns, ns_err, libc)
    except BaseException as e:  # noqa: BLE001
        _report({"t": "setup_error", "detail": _cap("%s: %s" % (type(e).__name__, e), 500)})
        os._exit(EXIT_SETUP)


def _init_main(job, ctx, ns, ns_err, libc):
    """pid 1 of the new pid namespace: mounts /proc, runs the user process, reaps,
    and when the user process ends kills everything left in the namespace."""
    import ctypes
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1,
                    signal.SIGUSR2, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_DFL)  # kernel then drops them for pid 1
        try:
            _prctl(libc, PR_SET_PDEATHSIG, signal.SIGKILL)  # the namespace goes with its parent
        except OSError:
            pass
        if "mount" in ns:
            if libc.mount(b"proc", b"/proc", b"proc",
                          ctypes.c_ulong(MS_NOSUID | MS_NODEV | MS_NOEXEC), None) != 0:
                ns_err = (ns_err + "; " if ns_err else "") + "proc mount: %s" % os.strerror(
                    ctypes.get_errno())
                ns = [n for n in ns if n != "pid"] + ["pid-without-proc"]
        else:
            ns = [n for n in ns if n != "pid"] + ["pid-without-proc"]
        user = os.fork()
        if user == 0:
            _user_main(job, ctx, ns, ns_err, libc)
        for fd in range(0, 4):
            try:
                os.close(fd)
            except OSError:
                pass
        status, killed = None, 0
        while True:
            try:
                pid, st = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid == user:
                status = st
                break
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        while True:
            try:
                os.waitpid(-1, 0)
                killed += 1
            except ChildProcessError:
                break
            except InterruptedError:
                continue
        _write_line(CTL_FD, {"t": "status", "status": status, "killed": killed})
        os._exit(0)
    except BaseException as e:  # noqa: BLE001
        _write_line(CTL_FD, {"t": "init_error", "detail": _cap(e, 300)})
        os._exit(EXIT_SETUP)


class _Quitter:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Use %s() to exit" % self.name

    def __call__(self, code=None):
        raise SystemExit(code)


def _user_main(job, ctx, ns, ns_err, libc):
    """The process that runs user code (after hardening).  Never returns."""
    try:
        _user_setup(job, ctx, ns, ns_err, libc)
    except BaseException as e:  # noqa: BLE001
        _report({"t": "setup_error", "detail": _cap("%s: %s" % (type(e).__name__, e), 500)})
    os._exit(EXIT_SETUP)


def _user_setup(job, ctx, ns, ns_err, libc):
    import resource
    layers = ["no-inherited-descriptors"]
    try:
        os.close(CTL_FD)
    except OSError:
        pass
    if ns:
        good = [n for n in ns if n in ("net", "mount", "pid", "ipc", "uts")]
        if good:
            layers.append("namespaces:" + ",".join(good))
    if ctx.get("read_only_host"):
        layers.append("read-only-host-filesystem")
    # rlimits
    t = job["timeoutSeconds"]
    mem = job["memoryMb"] * MIB
    limits = [
        (resource.RLIMIT_CPU, (t + 1, t + 2)),
        (resource.RLIMIT_AS, (mem, mem)),
        (resource.RLIMIT_FSIZE, (job["maxFileBytes"], job["maxFileBytes"])),
        (resource.RLIMIT_NOFILE, (job["maxOpenFiles"], job["maxOpenFiles"])),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    if ctx["nproc"] is not None:
        limits.append((resource.RLIMIT_NPROC, (ctx["nproc"], ctx["nproc"])))
    for res, (soft, hard) in limits:
        cur_soft, cur_hard = resource.getrlimit(res)
        if cur_hard != resource.RLIM_INFINITY and hard > cur_hard:
            hard = cur_hard
            soft = min(soft, hard)
        resource.setrlimit(res, (soft, hard))
    layers.append("rlimits")
    # uid
    uid = ctx["uid"]
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid or os.getgid() != uid:
            raise OSError("uid drop did not take effect")
        layers.append("dedicated-uid")
        try:
            _prctl(libc, PR_SET_PDEATHSIG, signal.SIGKILL)  # cleared by setuid
        except OSError:
            pass
    if ctx["nproc_label"]:
        layers.append(ctx["nproc_label"])
    # environment
    os.environ.clear()
    workdir = ctx["workdir"]
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir,
                       "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"})
    _scrub_initial_environment(libc)
    layers.append("cleared-environment")
    os.chdir(workdir)
    layers.append("private-work-directory")
    if ctx["use_seccomp"]:
        try:
            if _install_seccomp(libc):
                layers.append("seccomp")
        except OSError as e:
            ns_err = (ns_err + "; " if ns_err else "") + "seccomp: %s" % e
    _run_user_code(job, ctx, layers, ns_err)


def _first_user_line(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == USER_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _print_user_traceback(exc, stderr):
    import traceback
    try:
        # lookup_lines=False: never read source files other than the user's
        frames = [f for f in traceback.StackSummary.extract(
            traceback.walk_tb(exc.__traceback__), lookup_lines=False)
            if f.filename == USER_FILENAME]
        parts = []
        if frames:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(frames))
        parts.extend(traceback.format_exception_only(type(exc), exc))
        stderr.write("".join(parts))
        stderr.flush()
    except BaseException:  # noqa: BLE001
        pass


_MEMORY_REPORT = b'{"t":"memory"}\n'


def _run_user_code(job, ctx, layers, note):
    import atexit
    import builtins
    import io
    import linecache
    import traceback  # noqa: F401 - preloaded before the guard
    # Fresh standard streams on fds 0/1/2; line-buffered so partial output
    # survives a kill at the deadline.
    sys.stdin = sys.__stdin__ = io.open(0, "r", encoding="utf-8", errors="replace",
                                        closefd=False)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.open(1, "wb", closefd=False), encoding="utf-8", errors="backslashreplace",
        line_buffering=True)
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.open(2, "wb", closefd=False), encoding="utf-8", errors="backslashreplace",
        line_buffering=True)
    os.set_inheritable(REPORT_FD, False)
    code_text = job["code"]
    linecache.cache[USER_FILENAME] = (len(code_text), None, code_text.splitlines(True),
                                      USER_FILENAME)
    builtins.exit = _Quitter("exit")
    builtins.quit = _Quitter("quit")
    for name in ("math", "random", "json", "re", "collections", "datetime", "itertools",
                 "functools", "string", "_posixsubprocess"):
        try:
            __import__(name)
        except ImportError:
            pass
    if job["policy"] != "permissive" and "_posixsubprocess" in sys.modules:
        def _blocked_fork_exec(*_a, **_k):
            sys.audit("os.exec", "_posixsubprocess.fork_exec", (), None)
            raise PermissionError("process creation is not allowed")
        sys.modules["_posixsubprocess"].fork_exec = _blocked_fork_exec
    # Drop ctypes from the module table: a later import is an audited event.
    for mod in [m for m in sys.modules if m == "ctypes" or m.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[mod]
    tf = sys.modules.get("tempfile")
    if tf is not None:
        tf.tempdir = None  # the supervisor's cached choice; re-derived from TMPDIR
    atexit._clear()
    install_guard(ctx["workdir"], job["policy"])
    layers.append("runtime-guard")
    _report({"t": "hello", "pid": os.getpid(), "layers": layers, "note": _cap(note, 500)})
    # ---------------- user code from here on ----------------
    exit_code = 0
    try:
        try:
            code_obj = compile(code_text, USER_FILENAME, "exec", dont_inherit=True)
        except MemoryError:
            os.write(REPORT_FD, _MEMORY_REPORT)
            os._exit(1)
        except (SyntaxError, ValueError) as e:
            line = getattr(e, "lineno", None)
            _report({"t": "syntax", "pid": os.getpid(), "type": type(e).__name__,
                     "message": _cap(getattr(e, "msg", None) or e, 1000),
                     "line": line if isinstance(line, int) else None})
            _print_user_traceback(e, sys.stderr)
            os._exit(1)
        g = {"__name__": "__main__", "__builtins__": builtins}
        try:
            exec(code_obj, g)
        except MemoryError:
            g.clear()
            try:
                os.write(REPORT_FD, _MEMORY_REPORT)
            except OSError:
                pass
            exit_code = 1
            try:
                sys.stderr.write("MemoryError\n")
            except BaseException:  # noqa: BLE001
                pass
        except SystemExit as e:
            c = e.code
            if c is None:
                exit_code = 0
            elif isinstance(c, int):
                exit_code = c & 0xFF
            else:
                try:
                    sys.stderr.write("%s\n" % (c,))
                except BaseException:  # noqa: BLE001
                    pass
                exit_code = 1
        except BaseException as e:  # noqa: BLE001
            info = {"t": "exception", "pid": os.getpid(), "type": type(e).__name__,
                    "message": _cap(e, 1000), "line": _first_user_line(e.__traceback__)}
            if isinstance(e, OSError) and isinstance(e.errno, int):
                info["errno"] = e.errno
            _report(info)
            _print_user_traceback(e, sys.stderr)
            exit_code = 1
        try:
            th = sys.modules.get("threading")
            if th is not None:
                th._shutdown()
            atexit._run_exitfuncs()
        except BaseException:  # noqa: BLE001
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
    except MemoryError:
        try:
            os.write(REPORT_FD, _MEMORY_REPORT)
        except OSError:
            pass
        exit_code = 1
    os._exit(exit_code)


# --------------------------------------------------------------------------
# supervisor
# --------------------------------------------------------------------------

def _result(outcome, **kw):
    r = {"outcome": outcome, "exitCode": None, "signal": None, "stdout": "",
         "stdoutTruncated": False, "stderr": "", "stderrTruncated": False,
         "exception": None, "violation": None, "isolation": [], "durationMs": 0,
         "detail": None, "killedAfterRun": 0}
    r.update(kw)
    return r


def _system_error(detail, started=None, **kw):
    dur = int((_now() - started) * 1000) if started else 0
    return _result("system_error", detail=_cap(detail, 1000), durationMs=dur, **kw)


def _try_subreaper():
    try:
        _prctl(_libc(), PR_SET_CHILD_SUBREAPER, 1)
        return True
    except Exception:  # noqa: BLE001
        return False


def _parse_reports(raw, capped):
    """Split the report stream into (trusted lines, untrusted lines)."""
    trusted, untrusted = [], []
    seen_hello = False
    for line in raw.split(b"\n"):
        if not line:
            continue
        if len(line) > REPORT_LINE_MAX + 100:
            continue
        try:
            obj = json.loads(line.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("t"), str):
            continue
        if not seen_hello:
            trusted.append(obj)
            if obj["t"] == "hello":
                seen_hello = True
        else:
            untrusted.append(obj)
    return trusted, untrusted, seen_hello


def _str_or_none(v, n):
    return _cap(v, n) if isinstance(v, str) else None


def _int_or_none(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _is_fork_eagain(rep):
    return (rep.get("t") == "exception" and rep.get("type") == "BlockingIOError"
            and rep.get("errno") == errno.EAGAIN)


def run_job(job):
    """Run one job; always returns a result dict (never raises)."""
    started = _now()
    ex = None
    try:
        try:
            job = validate_job(job)
        except JobError as e:
            return _system_error("invalid job: %s" % e, started)
        ex = _Execution(job)
        return _run(ex, started)
    except BaseException as e:  # noqa: BLE001
        if ex is not None:
            try:
                ex.kill_all()
            except BaseException:  # noqa: BLE001
                pass
        return _system_error("runner failure: %s: %s" % (type(e).__name__, e), started)
    finally:
        if ex is not None:
            try:
                if ex.workdir:
                    _remove_tree(ex.workdir)
            except BaseException:  # noqa: BLE001
                pass
            _release_uid(ex)


def _run(ex, started):
    job = ex.job
    is_root = os.geteuid() == 0
    disable = set(job["disable"])
    supervisor_layers = []
    notes = []
    ex.subreaper = _try_subreaper()
    if not is_root or "uid" in disable:
        # The code runs under the supervisor's own uid: make the supervisor non-dumpable so that its /proc
        # entries (fds, environ, mem) and ptrace are closed to that code. Refused on Lambda (no prctl).
        try:
            _prctl(_libc(), PR_SET_DUMPABLE, 0)
            supervisor_layers.append("supervisor-non-dumpable")
        except OSError:
            notes.append("prctl(PR_SET_DUMPABLE) refused: the supervisor's /proc entries are readable by the code")
    use_uid = is_root and "uid" not in disable
    if use_uid:
        try:
            _acquire_uid(ex)
        except OSError as e:
            return _system_error("uid slot: %s" % e, started)
    try:
        _make_workdir(ex)
    except OSError as e:
        return _system_error("cannot create work dir: %s" % e, started)
    nproc, nproc_label = None, None
    if "nproc" in disable:
        pass  # bounded outside the runner (a container's pids limit); sampling still reports resource_limit
    elif ex.uid is not None:
        nproc, nproc_label = job["maxProcesses"], "process-bound:uid"
    elif not is_root:
        nproc = _count_uid_tasks(os.getuid()) + job["maxProcesses"]
        nproc_label = "process-bound:shared-uid"
    else:
        notes.append("root without uid drop: RLIMIT_NPROC not enforced; "
                     "process bound by sampling only")
    ctx = {
        "uid": ex.uid, "workdir": ex.workdir, "nproc": nproc, "nproc_label": nproc_label,
        "use_ns": is_root and "namespaces" not in disable,
        "use_seccomp": "seccomp" not in disable and os.uname().machine in AUDIT_ARCH,
    }

    # ownCgroup: the runner and the code are alone in a memory cgroup (a single-use container)
    oom_before = _oom_kills(job["memoryMb"]) if job["ownCgroup"] else None
    pipes = []
    try:
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        rep_r, rep_w = os.pipe()
        ctl_r, ctl_w = os.pipe()
        pipes = [stdin_r, stdin_w, stdout_r, stdout_w, stderr_r, stderr_w, rep_r, rep_w,
                 ctl_r, ctl_w]
        for fd in pipes:
            os.set_inheritable(fd, False)
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:  # noqa: BLE001
                pass
        run_started = _now()
        pid = os.fork()
    except OSError as e:
        for fd in pipes:
            try:
                os.close(fd)
            except OSError:
                pass
        return _system_error("cannot start child: %s" % e, started)
    if pid == 0:  # child
        try:
            _child_main(job, ctx, (stdin_r, stdout_w, stderr_w, rep_w, ctl_w))
        finally:
            os._exit(EXIT_SETUP)
    ex.child_pid = pid
    for fd in (stdin_r, stdout_w, stderr_w, rep_w, ctl_w):
        os.close(fd)

    state = _supervise(ex, stdin_w, stdout_r, stderr_r, rep_r, ctl_r, run_started)
    duration_ms = int((_now() - run_started) * 1000)

    # ---- final sweep: nothing survives ----
    killed_after = state["killed_after"]
    if not ex.clean:
        killed_after += ex.kill_all()
    ex.reap(block_child=True)
    left = ex.leftovers()
    if left:
        notes.append("%d process(es) could not be killed" % len(left))

    trusted, untrusted, seen_hello = _parse_reports(bytes(state["report"]), False)
    ctl, _u, _s = _parse_reports(bytes(state["ctl"]), False)
    layers = []
    setup_error = None
    for r in trusted:
        if r["t"] == "hello" and isinstance(r.get("layers"), list):
            layers = [x for x in r["layers"] if isinstance(x, str)]
            if r.get("note"):
                notes.append(_cap(r.get("note"), 500))
        elif r["t"] == "setup_error":
            setup_error = _cap(r.get("detail"), 500)
    user_status = ex.child_status
    for r in ctl:
        if r["t"] == "status" and isinstance(r.get("status"), int):
            user_status = r["status"]
            if isinstance(r.get("killed"), int) and r["killed"] > 0:
                killed_after += r["killed"]
        elif r["t"] == "init_error":
            setup_error = setup_error or _cap(r.get("detail"), 500)
    isolation = list(supervisor_layers) + layers
    if ex.uid is not None or ex.subreaper or any(x.startswith("namespaces:") and "pid" in x
                                                    for x in layers):
        isolation.append("process-tree-kill")
    else:
        notes.append("no subreaper/uid/pid namespace: detached daemons may escape the kill")

    exit_code = signum = None
    if user_status is not None:
        if os.WIFEXITED(user_status):
            exit_code = os.WEXITSTATUS(user_status)
        elif os.WIFSIGNALED(user_status):
            signum = os.WTERMSIG(user_status)

    stdout_b, stderr_b = bytes(state["stdout"]), bytes(state["stderr"])
    res = _result("ok", exitCode=exit_code, signal=signum,
                  stdout=stdout_b.decode("utf-8", "replace"),
                  stdoutTruncated=state["stdout_trunc"],
                  stderr=stderr_b.decode("utf-8", "replace"),
                  stderrTruncated=state["stderr_trunc"],
                  isolation=isolation, durationMs=duration_ms,
                  killedAfterRun=killed_after)

    main_pid = None
    for r in trusted:
        if r["t"] == "hello" and _int_or_none(r.get("pid")) is not None:
            main_pid = r["pid"]
    main_reports = [r for r in untrusted if r.get("pid") == main_pid or r["t"] == "memory"]
    violation = next((r for r in untrusted if r["t"] == "violation"), None)
    exc = next((r for r in main_reports if r["t"] in ("exception", "syntax")), None)
    memory = any(r["t"] == "memory" for r in untrusted)
    fork_eagain = any(_is_fork_eagain(r) for r in untrusted)
    if exc is not None:
        res["exception"] = {"type": _str_or_none(exc.get("type"), 200) or "Exception",
                            "message": _str_or_none(exc.get("message"), 1000) or "",
                            "line": _int_or_none(exc.get("line"))}
    if violation is not None:
        res["violation"] = {"event": _str_or_none(violation.get("event"), 200) or "unknown",
                            "detail": _str_or_none(violation.get("detail"), 500) or ""}

    stop = state["stop"]
    stderr_text = res["stderr"]
    exc_type = res["exception"]["type"] if res["exception"] else None
    exc_errno = _int_or_none(exc.get("errno")) if exc else None
    if not seen_hello:
        outcome = "system_error"
        res["detail"] = "sandbox setup failed: %s" % (setup_error or "child ended before user code"
                                                     + (" (stop: %s)" % stop if stop else ""))
        if stop == "timeout":
            outcome, res["detail"] = "timeout", "deadline passed during setup"
    elif stop == "fork_limit" or fork_eagain:
        outcome = "resource_limit"
        res["detail"] = "process limit (%d) reached" % job["maxProcesses"]
    elif stop == "output_limit":
        outcome = "output_limit"
        res["detail"] = "output exceeded %d bytes" % job["maxOutputBytes"]
    elif stop == "timeout" or signum == signal.SIGXCPU:
        outcome = "timeout"
        res["detail"] = ("wall-clock deadline of %ds passed" % job["timeoutSeconds"]
                         if stop == "timeout" else "CPU time limit reached")
    elif violation is not None:
        outcome = "policy_violation"
        res["detail"] = "blocked by the runtime guard"
    elif memory or exc_type == "MemoryError" or (
            signum in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)
            and ("MemoryError" in stderr_text or "Cannot allocate memory" in stderr_text)):
        outcome = "memory_limit"
        res["detail"] = "memory limit of %d MiB reached" % job["memoryMb"]
    elif signum == signal.SIGXFSZ or exc_errno in (errno.EFBIG, errno.ENOSPC, errno.EMFILE,
                                                   errno.ENFILE):
        outcome = "resource_limit"
        res["detail"] = ("file size limit reached" if exc_errno != errno.EMFILE
                         else "open file limit reached")
    elif exc is not None and exc.get("t") == "syntax":
        outcome = "syntax_error"
    elif exc is not None:
        outcome = "runtime_error"
    elif signum is not None:
        outcome = "runtime_error"
        res["detail"] = "killed by signal %d" % signum
    elif exit_code == 0:
        outcome = "ok"
    elif exit_code == EXIT_SETUP and setup_error:
        outcome = "system_error"
        res["detail"] = "sandbox setup failed: %s" % setup_error
    else:
        outcome = "runtime_error"
        res["detail"] = "exit code %s" % exit_code
    # Counted after every process of the execution is gone: a kill of any of them (a forked child too) is in.
    oom_after = _oom_kills(job["memoryMb"]) if oom_before is not None and not left else None
    if oom_after is not None:
        res["oomKills"] = oom_after - oom_before
        if res["oomKills"] > 0:
            outcome = "memory_limit"
            res["detail"] = ("memory limit of %d MiB reached: the out-of-memory killer ended %d process(es) of "
                             "the code" % (job["memoryMb"], res["oomKills"]))
    res["outcome"] = outcome
    if notes:
        tail = "; ".join(n for n in notes if n)
        res["detail"] = (res["detail"] + "; " + tail) if res["detail"] else tail
        res["detail"] = _cap(res["detail"], 2000)
    return res


def _pidfd_open(pid):
    """A descriptor that turns readable when ``pid`` ends (Linux 5.3+, Python 3.9+), or None."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None or not pid:
        return None
    try:
        fd = opener(pid)
    except OSError:
        return None
    os.set_inheritable(fd, False)
    return fd


def _supervise(ex, stdin_w, stdout_r, stderr_r, rep_r, ctl_r, run_started):
    """Pump the pipes until the execution is over; kill on deadline/limits."""
    job = ex.job
    cap = job["maxOutputBytes"]
    deadline = run_started + job["timeoutSeconds"]
    st = {"stdout": bytearray(), "stderr": bytearray(), "report": bytearray(),
          "ctl": bytearray(), "stdout_trunc": False, "stderr_trunc": False,
          "stop": None, "killed_after": 0}
    stdin_data = job["stdin"].encode("utf-8", "surrogatepass")
    stdin_off = 0
    sel = selectors.DefaultSelector()
    names = {stdout_r: "stdout", stderr_r: "stderr", rep_r: "report", ctl_r: "ctl"}
    for fd in names:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    os.set_blocking(stdin_w, False)
    if stdin_data:
        sel.register(stdin_w, selectors.EVENT_WRITE)
    else:
        os.close(stdin_w)
        stdin_w = None
    open_reads = set(names)
    # Wake up the moment the child ends (a pidfd turns readable), instead of polling for it.
    child_fd = _pidfd_open(ex.child_pid)
    if child_fd is not None:
        sel.register(child_fd, selectors.EVENT_READ)
    next_sample = _now() + SAMPLE_INTERVAL_S
    drain_until = None
    report_seen = 0

    def take_ctl(data):
        if len(st["ctl"]) < 65536:
            st["ctl"] += data
            for line in bytes(st["ctl"]).split(b"\n"):
                try:
                    obj = json.loads(line) if line else None
                except ValueError:
                    continue
                if not isinstance(obj, dict):
                    continue
                if obj.get("t") == "init" and isinstance(obj.get("pid"), int):
                    ex.init_pid = obj["pid"]
                elif obj.get("t") == "status" and ex.init_pid is not None:
                    # pid 1 of the namespace writes this only once no other process of it is left
                    ex.namespace_emptied = True

    def read_some(fd):
        """Bytes ready on ``fd``; b"" when none are; None once it has ended (it is then closed)."""
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return b""
        except OSError:
            data = None
        if not data:
            sel.unregister(fd)
            os.close(fd)
            open_reads.discard(fd)
            return None
        return data

    def take_pending_ctl():
        while ctl_r in open_reads:
            data = read_some(ctl_r)
            if not data:
                return
            take_ctl(data)

    def stop(reason):
        if st["stop"] is None:
            st["stop"] = reason
            ex.kill_all()

    def close_stdin():
        nonlocal stdin_w
        if stdin_w is not None:
            try:
                sel.unregister(stdin_w)
            except (KeyError, ValueError):
                pass
            os.close(stdin_w)
            stdin_w = None

    try:
        while True:
            now = _now()
            if ex.child_status is None:
                ex.reap()
            child_done = ex.child_status is not None
            if st["stop"] is None and not child_done and now >= deadline:
                stop("timeout")
            if child_done and child_fd is not None:
                sel.unregister(child_fd)
                os.close(child_fd)
                child_fd = None
            if child_done and drain_until is None:
                take_pending_ctl()
                # The child ended: whatever is still running is a leftover.
                if st["stop"] is None:
                    st["killed_after"] += ex.kill_all()
                else:
                    ex.kill_all()
                close_stdin()
                drain_until = _now() + DRAIN_GRACE_S
            if child_done and (not open_reads or _now() > drain_until):
                break
            if st["stop"] is not None and not child_done:
                ex.kill_all()
                ex.reap()
            if drain_until is not None:
                timeout = 0.05
            else:
                # with a pidfd the child's end wakes the select; without one, poll for it
                timeout = SAMPLE_INTERVAL_S if child_fd is not None else 0.02
                if st["stop"] is None:
                    timeout = min(timeout, max(0.0, next_sample - _now()))
                timeout = max(0.0, min(timeout, deadline - _now()))
            for key, _mask in sel.select(timeout):
                fd = key.fd
                if fd == child_fd:
                    ex.reap()
                    continue
                if fd == stdin_w:
                    try:
                        n = os.write(stdin_w, stdin_data[stdin_off:stdin_off + 65536])
                        stdin_off += n
                        if stdin_off >= len(stdin_data):
                            close_stdin()
                    except BlockingIOError:
                        pass
                    except OSError:
                        close_stdin()
                    continue
                data = read_some(fd)
                if not data:
                    continue
                name = names[fd]
                if name in ("stdout", "stderr"):
                    buf = st[name]
                    if len(buf) < cap:
                        buf += data[:cap - len(buf)]
                    # total bytes received on this stream; anything beyond the cap
                    # means truncated and ends the execution
                    st[name + "_total"] = st.get(name + "_total", 0) + len(data)
                    if st[name + "_total"] > cap and not st[name + "_trunc"]:
                        st[name + "_trunc"] = True
                        stop("output_limit")
                elif name == "report":
                    if len(st["report"]) < REPORT_TOTAL_MAX:
                        st["report"] += data[:REPORT_TOTAL_MAX - len(st["report"])]
                    # react early to fork-limit and violations
                    buf = st["report"]
                    end = buf.rfind(b"\n")
                    if end > report_seen:
                        chunk = bytes(buf[report_seen:end])
                        report_seen = end + 1
                        if st["stop"] is None and (b'"violation"' in chunk
                                                   or b'BlockingIOError' in chunk):
                            for line in chunk.split(b"\n"):
                                try:
                                    obj = json.loads(line.decode("ascii"))
                                except (ValueError, UnicodeDecodeError):
                                    continue
                                if not isinstance(obj, dict):
                                    continue
                                if _is_fork_eagain(obj):
                                    stop("fork_limit")
                                    break
                                if obj.get("t") == "violation":
                                    stop("violation")
                                    break
                else:
                    take_ctl(data)
            if (st["stop"] is None and not child_done and _now() >= next_sample):
                next_sample = _now() + SAMPLE_INTERVAL_S
                if ex.user_process_count() >= job["maxProcesses"]:
                    stop("fork_limit")
    finally:
        close_stdin()
        if child_fd is not None:
            try:
                sel.unregister(child_fd)
            except (KeyError, ValueError):
                pass
            os.close(child_fd)
        for fd in list(open_reads):
            try:
                sel.unregister(fd)
            except (KeyError, ValueError):
                pass
            try:
                os.close(fd)
            except OSError:
                pass
        sel.close()
    return st


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------

def _read_job_bytes():
    """The job: from SANDBOX_JOB_B64 (gzip + base64; how a Fargate task receives it through RunTask overrides),
    else standard input up to its end, or up to a newline that ends a whole JSON document: a container engine
    passes the end of its input on only milliseconds after the data. A runner that has to wait for its job (a
    pooled container) loads what the execution will need meanwhile."""
    encoded = os.environ.pop("SANDBOX_JOB_B64", None)
    if encoded:
        import base64
        import gzip
        return gzip.decompress(base64.b64decode(encoded))
    try:
        waiting = not select.select([0], [], [], 0)[0]
    except (OSError, ValueError):
        waiting = False
    if waiting:
        _preload()
    data = bytearray()
    while True:
        chunk = os.read(0, 1 << 20)
        data += chunk
        if not chunk or (chunk.endswith(b"\n") and _is_json(data)):
            return bytes(data)


def _is_json(data):
    try:
        json.loads(data)
        return True
    except (ValueError, UnicodeDecodeError):
        return False


# --------------------------------------------------------------------------
# warm fork server
# --------------------------------------------------------------------------

# What the supervisor and the hardened child import, loaded before the job is there (once in the server, or by a
# runner that waits for its job) so that an execution does not pay for it. Standard library only; nothing here
# holds state of an execution (random reseeds itself after a fork).
_PRELOAD = ("math", "random", "json", "re", "collections", "datetime", "itertools", "functools", "string",
            "_posixsubprocess", "atexit", "io", "linecache", "traceback", "resource", "fcntl", "tempfile",
            "shutil", "stat", "sysconfig", "selectors", "ctypes")
SERVE_LINE_MAX = 32 * MIB      # one job line: code and stdin, JSON-escaped
SERVE_ID_MAX = 128


def _preload():
    for name in _PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    _read_root_candidates()


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _serve_line(obj):
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _supervisor_main(job_id, job, result_w, keep):
    """A forked supervisor of the server: runs one job exactly as a fresh runner process would. Never returns."""
    try:
        for fd in keep:
            try:
                os.close(fd)
            except OSError:
                pass
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)  # nothing in here may write on the server's answer channel
        os.close(null)
        try:
            _prctl(_libc(), PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the server
        except OSError:
            pass
        result = run_job(job)
        _write_all(result_w, _serve_line({"id": job_id, "t": "result", "result": result}))
    except BaseException:  # noqa: BLE001
        pass
    os._exit(0)


def serve(in_fd=0, out_fd=1):
    """Warm fork server: reads jobs as JSON lines ``{"id": ..., "job": {...}}`` on ``in_fd`` and forks one fresh
    supervisor per job, which runs ``run_job(job)`` exactly as a runner process of its own would (every restriction
    is applied in the supervisor's child before user code). Answers ``{"id": ..., "t": "result", "result": {...}}``
    or ``{"id": ..., "t": "error", "detail": ...}`` on ``out_fd``, one line per job, in completion order; jobs run
    concurrently. The server never runs user code, keeps no state of an execution, and starts with an empty
    environment; its first line is ``{"t": "ready", ...}``. It ends when ``in_fd`` closes and its jobs are done."""
    os.environ.clear()
    _preload()
    libc = _libc()
    non_dumpable = False
    if os.geteuid() != 0:
        # Same uid as the code it serves: keep its /proc entries and ptrace closed to that code.
        try:
            _prctl(libc, PR_SET_DUMPABLE, 0)
            non_dumpable = True
        except OSError:
            pass
    _write_all(out_fd, _serve_line({"t": "ready", "pid": os.getpid(), "root": os.geteuid() == 0,
                                    "nonDumpable": non_dumpable}))
    sel = selectors.DefaultSelector()
    sel.register(in_fd, selectors.EVENT_READ)
    pending = bytearray()
    reading = True
    jobs = {}   # result read fd -> [job id, supervisor pid, bytes received]

    def answer(obj):
        _write_all(out_fd, _serve_line(obj))

    def start(line):
        try:
            doc = json.loads(line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            answer({"id": None, "t": "error", "detail": _cap("invalid job line: %s" % e, 300)})
            return
        job_id = doc.get("id") if isinstance(doc, dict) else None
        if not isinstance(job_id, str) or not job_id or len(job_id) > SERVE_ID_MAX:
            answer({"id": None, "t": "error", "detail": "job line without a valid id"})
            return
        if not isinstance(doc.get("job"), dict):
            answer({"id": job_id, "t": "error", "detail": "job line without a job object"})
            return
        result_r, result_w = os.pipe()
        try:
            pid = os.fork()
        except OSError as e:
            os.close(result_r)
            os.close(result_w)
            answer({"id": job_id, "t": "error", "detail": _cap("cannot fork a supervisor: %s" % e, 300)})
            return
        if pid == 0:
            sel.close()
            _supervisor_main(job_id, doc["job"], result_w, [in_fd, out_fd, result_r] + list(jobs))
        os.close(result_w)
        os.set_blocking(result_r, False)
        jobs[result_r] = [job_id, pid, bytearray()]
        sel.register(result_r, selectors.EVENT_READ)

    def reap():
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                return

    while reading or jobs:
        for key, _mask in sel.select(1.0 if jobs else None):
            fd = key.fd
            if fd == in_fd:
                try:
                    data = os.read(in_fd, 1 << 20)
                except InterruptedError:
                    continue
                if not data:
                    sel.unregister(in_fd)
                    reading = False
                    continue
                pending += data
                while True:
                    cut = pending.find(b"\n")
                    if cut < 0:
                        break
                    line = bytes(pending[:cut])
                    del pending[:cut + 1]
                    if line.strip():
                        start(line)
                if len(pending) > SERVE_LINE_MAX:
                    answer({"id": None, "t": "error", "detail": "job line too long"})
                    return 2
                continue
            entry = jobs[fd]
            try:
                data = os.read(fd, 1 << 20)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                entry[2] += data
                continue
            sel.unregister(fd)
            os.close(fd)
            del jobs[fd]
            raw = bytes(entry[2])
            if raw.endswith(b"\n") and raw.count(b"\n") == 1:
                _write_all(out_fd, raw)
            else:
                answer({"id": entry[0], "t": "error", "detail": "the supervisor ended without a result"})
        reap()
    reap()
    return 0


def _run_raw_job(raw, started):
    """One job document as bytes -> its result dict (never raises)."""
    try:
        job = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return _system_error("invalid job JSON: %s" % e, started)
    return run_job(job)


def _result_bytes(result):
    return json.dumps(result, ensure_ascii=False).encode("utf-8", "replace") + b"\n"


def _emit(result):
    """The result line on standard output (the task's log stream); False when it cannot be written."""
    try:
        sys.stdout.buffer.write(_result_bytes(result))
        sys.stdout.buffer.flush()
        return True
    except OSError:
        return False


def main():
    started = _now()
    try:
        result = _run_raw_job(_read_job_bytes(), started)
    except BaseException as e:  # noqa: BLE001
        result = _system_error("runner failure: %s: %s" % (type(e).__name__, e), started)
    return 0 if _emit(result) else 1


# --------------------------------------------------------------------------
# listen mode: a pre-started single-use task handed its job over TCP
# --------------------------------------------------------------------------

LISTEN_PORT_VARIABLE = "SANDBOX_LISTEN_PORT"
IDLE_VARIABLE = "SANDBOX_IDLE_SECONDS"
LISTEN_IDLE_DEFAULT_S = 3600
LISTEN_READ_TIMEOUT_S = 10.0
LISTEN_LINE_MAX = SERVE_LINE_MAX
LISTEN_ACCEPTED = b'{"t":"accepted"}\n'


def _log(obj):
    """A line on standard error: the task's log stream, never the result channel."""
    try:
        sys.stderr.write(json.dumps(obj, separators=(",", ":")) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _read_job_line(conn, started):
    """(job bytes, None) or (None, system_error result): one line, at most LISTEN_LINE_MAX bytes, within
    LISTEN_READ_TIMEOUT_S in all."""
    import socket
    deadline = started + LISTEN_READ_TIMEOUT_S
    data = bytearray()
    while True:
        cut = data.find(b"\n")
        if cut >= 0:
            return bytes(data[:cut]), None
        if len(data) > LISTEN_LINE_MAX:
            return None, _system_error("job line longer than %d bytes" % LISTEN_LINE_MAX, started)
        left = deadline - _now()
        if left <= 0:
            return None, _system_error("no complete job line within %g s" % LISTEN_READ_TIMEOUT_S, started)
        conn.settimeout(left)
        try:
            chunk = conn.recv(1 << 20)
        except socket.timeout:
            continue
        if not chunk:
            return None, _system_error("the connection closed before a complete job line", started)
        data += chunk


def listen(port, idle_seconds=LISTEN_IDLE_DEFAULT_S, host="0.0.0.0"):
    """Single-use listener: accepts ONE connection on ``host:port``, closes the listening socket at once (a second
    connection is refused), answers ``{"t":"accepted"}``, reads one job line and runs it with ``run_job`` exactly as
    ``main()`` would. The result line goes to the connection and to standard output (the log stream, so a lost
    connection still leaves the result readable). Exits unused after ``idle_seconds`` without a connection. Port 0
    picks a free port; the bound port is logged on standard error as ``{"t":"listening","port":...}``."""
    import socket
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)   # not inheritable (PEP 446)
    try:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(1)
        _log({"t": "listening", "port": server.getsockname()[1], "idleSeconds": idle_seconds})
        server.settimeout(idle_seconds)
        try:
            conn, _peer = server.accept()
        except socket.timeout:
            _log({"t": "idle", "detail": "no job within the idle lifetime; exiting unused"})
            return 0
    finally:
        server.close()
    with conn:
        started = _now()
        try:
            conn.sendall(LISTEN_ACCEPTED)
        except OSError:
            return 1   # the peer is gone before it sent a job: nothing ran
        raw, result = _read_job_line(conn, started)
        if result is None:
            try:
                result = _run_raw_job(raw, started)
            except BaseException as e:  # noqa: BLE001
                result = _system_error("runner failure: %s: %s" % (type(e).__name__, e), started)
        written = _emit(result)
        try:
            conn.settimeout(LISTEN_READ_TIMEOUT_S)
            conn.sendall(_result_bytes(result))
        except OSError:
            pass    # the result is in the log stream
    return 0 if written else 1


def _listen_arguments(argv, env):
    """(port, idle seconds) when this process should listen, else None. ``--listen PORT [--idle-seconds N]``, or
    SANDBOX_LISTEN_PORT (and SANDBOX_IDLE_SECONDS) from a task definition, unless the task was started with its job
    in SANDBOX_JOB_B64 (RunTask)."""
    port = idle = None
    args = list(argv)
    while args:
        name = args.pop(0)
        if name not in ("--listen", "--idle-seconds") or not args:
            raise SystemExit("usage: sandbox_runner.py [--serve | --listen PORT [--idle-seconds N]]")
        value = args.pop(0)
        if name == "--listen":
            port = value
        else:
            idle = value
    if port is None and not env.get("SANDBOX_JOB_B64"):
        port = env.get(LISTEN_PORT_VARIABLE)
    if port is None:
        return None
    if idle is None:
        idle = env.get(IDLE_VARIABLE, LISTEN_IDLE_DEFAULT_S)
    try:
        port, idle = int(port), float(idle)
    except ValueError:
        raise SystemExit("listen port and idle seconds must be numbers")
    if not 0 <= port <= 65535 or idle <= 0:
        raise SystemExit("listen port must be within [0, 65535] and idle seconds positive")
    return port, idle


def _entry(argv):
    if argv == ["--serve"]:
        return serve()
    listening = _listen_arguments(argv, os.environ)
    if listening is not None:
        for name in (LISTEN_PORT_VARIABLE, IDLE_VARIABLE):
            os.environ.pop(name, None)
        return listen(*listening)
    return main()


if __name__ == "__main__":
    sys.exit(_entry(sys.argv[1:]))
