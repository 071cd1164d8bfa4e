"""Tests of the sandbox runner with real processes.

Run: /usr/bin/python3 -m unittest discover -s runner-image/tests -v

Most cases run twice: with every layer ("full") and with namespaces, seccomp
and uid disabled ("bare", a Lambda-like host).  Layers that need root are only
asserted when the tests run as root.
"""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.normpath(os.path.join(HERE, "..", "runner", "sandbox_runner.py"))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
IS_ROOT = os.geteuid() == 0
BARE = ["namespaces", "seccomp", "uid"]
MODES = (("full", []), ("bare", BARE))
CANARY = "canary-3f9a1c0e-secret"

sys.path.insert(0, os.path.dirname(RUNNER))
import sandbox_runner as sr  # noqa: E402


_READABLE_RUNNER = []


def _runner_readable_by_anyone():
    """A copy of the runner in a world-readable directory: the checkout may sit below a directory other uids
    cannot enter (a private temp dir, a home directory)."""
    if not _READABLE_RUNNER:
        import atexit
        import shutil
        d = tempfile.mkdtemp(prefix="runner-copy-")
        os.chmod(d, 0o755)
        shutil.copy(RUNNER, os.path.join(d, "sandbox_runner.py"))
        os.chmod(os.path.join(d, "sandbox_runner.py"), 0o644)
        atexit.register(shutil.rmtree, d, True)
        _READABLE_RUNNER.append(os.path.join(d, "sandbox_runner.py"))
    return _READABLE_RUNNER[0]


def run_runner(code, env=None, raw_stdin=None, timeout=30, as_uid=None, **fields):
    job = {
        "executionId": "test", "code": code, "stdin": "", "timeoutSeconds": 10,
        "memoryMb": 256, "maxProcesses": 30, "maxOutputBytes": 65536,
        "maxFileBytes": 1 << 20, "maxOpenFiles": 64, "policy": "standard",
        "workRoot": tempfile.gettempdir(), "disable": [], "uidBase": 61000,
        "uidCount": 64,
    }
    job.update(fields)
    data = raw_stdin if raw_stdin is not None else json.dumps(job).encode()
    runner = RUNNER if as_uid is None else _runner_readable_by_anyone()
    proc = subprocess.run([PYTHON, "-I", "-S", "-B", runner], input=data,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env if env is not None else {}, timeout=timeout,
                          preexec_fn=_drop_to(as_uid) if as_uid is not None else None)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.decode("utf-8"))


def _drop_to(uid):
    def fn():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    return fn


def runner_processes():
    """pids of processes whose command line is the runner (forks of it included)."""
    found = []
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read()
            with open("/proc/%s/stat" % name, "rb") as f:
                st = f.read()
        except OSError:
            continue
        state = st[st.rfind(b")") + 2:].split()[0]
        if RUNNER.encode() in cmd and state not in (b"Z", b"X"):
            found.append(int(name))
    return found


def uid_range_processes(base=61000, count=64):
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/status" % name, "rb") as f:
                for line in f:
                    if line.startswith(b"Uid:"):
                        if base <= int(line.split()[1]) < base + count:
                            with open("/proc/%s/stat" % name, "rb") as g:
                                st = g.read()
                            if st[st.rfind(b")") + 2:].split()[0] not in (b"Z", b"X"):
                                found.append(st[:120].decode("ascii", "replace"))
                        break
        except OSError:
            continue
    return found


def wait_until(pred, timeout=3.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


class RunnerTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="isb-test-")
        os.chmod(self.tmp, 0o777)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        # the suite fails if anything of an execution is left behind
        self.assertTrue(wait_until(lambda: runner_processes() == [], 1.0),
                        "runner processes left behind: %s" % runner_processes())
        if IS_ROOT:
            self.assertTrue(wait_until(lambda: uid_range_processes() == [], 1.0),
                            "sandbox uid processes left: %s" % uid_range_processes())


class BasicTests(RunnerTestCase):
    def test_ok_with_stdout_and_isolation(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner("print('hello', 6 * 7)", disable=disable)
                self.assertEqual(r["outcome"], "ok", r)
                self.assertEqual(r["stdout"], "hello 42\n")
                self.assertEqual(r["exitCode"], 0)
                self.assertIsNone(r["exception"])
                for layer in ("cleared-environment", "no-inherited-descriptors",
                              "private-work-directory", "rlimits", "runtime-guard"):
                    self.assertIn(layer, r["isolation"])
                if IS_ROOT and mode == "full":
                    for layer in ("dedicated-uid", "process-bound:uid", "seccomp",
                                  "namespaces:mount,net,ipc,uts,pid", "process-tree-kill"):
                        self.assertIn(layer, r["isolation"])
                if mode == "bare":
                    for layer in ("dedicated-uid", "seccomp"):
                        self.assertNotIn(layer, r["isolation"])
                    self.assertFalse(any(x.startswith("namespaces") for x in r["isolation"]))

    def test_stdin_echo(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner("import sys\ndata = sys.stdin.read()\nprint(data.upper(), end='')",
                               stdin="abc\nxyz ü\n", disable=disable)
                self.assertEqual(r["outcome"], "ok", r)
                self.assertEqual(r["stdout"], "ABC\nXYZ Ü\n")

    def test_large_stdin_not_read_does_not_block(self):
        r = run_runner("print('ignored stdin')", stdin="x" * (1 << 20), disable=BARE)
        self.assertEqual(r["outcome"], "ok", r)

    def test_runtime_error(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner("x = 1\ndef f():\n    raise ValueError('boom')\nf()\n",
                               disable=disable)
                self.assertEqual(r["outcome"], "runtime_error", r)
                self.assertEqual(r["exception"],
                                 {"type": "ValueError", "message": "boom", "line": 3})
                self.assertIn("ValueError: boom", r["stderr"])
                self.assertIn('File "<user_code>", line 4', r["stderr"])
                self.assertNotIn("sandbox_runner", r["stderr"])
                self.assertEqual(r["exitCode"], 1)

    def test_syntax_error(self):
        r = run_runner("print('a')\ndef f(:\n    pass\n")
        self.assertEqual(r["outcome"], "syntax_error", r)
        self.assertEqual(r["exception"]["type"], "SyntaxError")
        self.assertEqual(r["exception"]["line"], 2)
        self.assertEqual(r["stdout"], "")

    def test_exit_codes(self):
        r = run_runner("import sys\nprint('x')\nsys.exit(3)")
        self.assertEqual((r["outcome"], r["exitCode"]), ("runtime_error", 3), r)
        r = run_runner("print('x')\nexit()")
        self.assertEqual((r["outcome"], r["exitCode"]), ("ok", 0), r)

    def test_stdlib_and_workdir_io(self):
        code = (
            "import math, random, json, re, collections, datetime, itertools, functools\n"
            "import statistics, decimal, fractions, string, textwrap, os.path, tempfile\n"
            "import heapq, bisect, typing, dataclasses, enum, csv, io, hashlib, base64\n"
            "with open('data.txt', 'w') as f: f.write('1 2 3')\n"
            "os.mkdir('sub'); open(os.path.join('sub', 'a'), 'w').close()\n"
            "with tempfile.NamedTemporaryFile('w', delete=False) as t: t.write('x')\n"
            "print(sum(map(int, open('data.txt').read().split())), sorted(os.listdir('.'))[:2])\n"
            "print(statistics.mean([1, 2, 3]), fractions.Fraction(1, 3), math.sqrt(16))\n"
        )
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner(code, disable=disable)
                self.assertEqual(r["outcome"], "ok", r)
                self.assertTrue(r["stdout"].startswith("6 ['data.txt', 'sub']\n2 1/3 4.0"), r)

    def test_invalid_utf8_output(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner("import sys\nsys.stdout.buffer.write(b'\\xff\\xfeok\\n')\n"
                               "sys.stderr.buffer.write(b'\\xc3(')\n", disable=disable)
                self.assertEqual(r["outcome"], "ok", r)
                self.assertEqual(r["stdout"], "\ufffd\ufffdok\n")
                self.assertIn("\ufffd", r["stderr"])

    def test_bad_job(self):
        p = subprocess.run([PYTHON, "-I", "-S", "-B", RUNNER], input=b"{not json",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={})
        r = json.loads(p.stdout)
        self.assertEqual(r["outcome"], "system_error")
        self.assertIn("invalid job JSON", r["detail"])
        r = run_runner("print(1)", policy="yolo")
        self.assertEqual(r["outcome"], "system_error")
        r = run_runner("print(1)", workRoot="relative/path")
        self.assertEqual(r["outcome"], "system_error")

    def test_work_dir_removed(self):
        code = ("import os\nprint(os.getcwd())\nos.makedirs('a/b')\n"
                "open('a/b/f', 'w').write('x')\nos.chmod('a/b', 0)\nos.chmod('a', 0)\n")
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner(code, disable=disable, workRoot=self.tmp)
                self.assertEqual(r["outcome"], "ok", r)
                wd = r["stdout"].strip()
                self.assertTrue(wd.startswith(os.path.realpath(self.tmp)), wd)
                self.assertFalse(os.path.exists(wd))
                self.assertEqual(os.listdir(self.tmp), [])


class WaitingRunnerTests(RunnerTestCase):
    def test_a_job_that_arrives_later_runs_like_any_other(self):
        # a pooled container's runner starts long before its job and loads what the job needs meanwhile
        proc = subprocess.Popen([PYTHON, "-I", "-S", "-B", RUNNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={})
        time.sleep(0.5)
        job = {"code": "import json\nprint(json.dumps({'a': 1}))", "workRoot": self.tmp, "disable": BARE}
        out, err = proc.communicate(json.dumps(job).encode(), timeout=30)
        res = json.loads(out)
        self.assertEqual((res["outcome"], res["stdout"]), ("ok", '{"a": 1}\n'), (res, err))

    def test_a_job_line_runs_before_the_sender_closes_its_end(self):
        proc = subprocess.Popen([PYTHON, "-I", "-S", "-B", RUNNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={})
        watchdog = threading.Timer(30, proc.kill)   # a runner waiting for the end of its input never answers
        watchdog.start()
        try:
            job = {"code": "print('line')", "workRoot": self.tmp, "disable": BARE}
            proc.stdin.write(json.dumps(job, indent=1).encode() + b"\n")   # a newline inside is no end
            proc.stdin.flush()
            res = json.loads(proc.stdout.readline())
            self.assertEqual((res["outcome"], res["stdout"]), ("ok", "line\n"), res)
        finally:
            watchdog.cancel()
            proc.stdin.close()
            proc.wait(30)
            proc.stdout.close()
            proc.stderr.close()


class LimitTests(RunnerTestCase):
    def test_timeout_keeps_partial_output(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                t0 = time.monotonic()
                r = run_runner("print('started')\nwhile True:\n    pass\n",
                               timeoutSeconds=1, disable=disable)
                elapsed = time.monotonic() - t0
                self.assertEqual(r["outcome"], "timeout", r)
                self.assertEqual(r["stdout"], "started\n")
                self.assertLess(elapsed, 3.0)

    def test_sleeping_code_times_out(self):
        r = run_runner("import time\nprint('a')\ntime.sleep(60)", timeoutSeconds=1)
        self.assertEqual(r["outcome"], "timeout", r)
        self.assertEqual(r["stdout"], "a\n")

    def test_memory_bomb(self):
        for mode, disable in MODES:
            for code in ("x = []\nwhile True:\n    x.append(bytearray(8 * 1024 * 1024))\n",
                         "x = bytearray(10 ** 10)\n", "s = 'a' * (2 ** 40)\n"):
                with self.subTest(mode=mode, code=code):
                    r = run_runner(code, memoryMb=128, disable=disable)
                    self.assertEqual(r["outcome"], "memory_limit", r)

    def test_output_flood(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner("while True:\n    print('x' * 999)\n",
                               maxOutputBytes=10000, disable=disable)
                self.assertEqual(r["outcome"], "output_limit", r)
                self.assertTrue(r["stdoutTruncated"])
                self.assertEqual(len(r["stdout"].encode()), 10000)
                self.assertFalse(r["stderrTruncated"])

    def test_output_exactly_cap_is_not_truncated(self):
        r = run_runner("import sys\nsys.stdout.write('y' * 5000)", maxOutputBytes=5000)
        self.assertEqual(r["outcome"], "ok", r)
        self.assertFalse(r["stdoutTruncated"])
        self.assertEqual(len(r["stdout"]), 5000)

    def test_file_size_limit(self):
        r = run_runner("with open('big', 'wb') as f:\n    f.write(b'x' * 3000000)\n",
                       maxFileBytes=1 << 20)
        self.assertEqual(r["outcome"], "resource_limit", r)

    def test_fork_bomb(self):
        code = "import os\nwhile True:\n    os.fork()\n"
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner(code, policy="permissive", maxProcesses=20,
                               timeoutSeconds=5, disable=disable)
                self.assertEqual(r["outcome"], "resource_limit", r)
                self.assertTrue(wait_until(lambda: runner_processes() == [], 2.0),
                                runner_processes())
                if IS_ROOT:
                    self.assertEqual(uid_range_processes(), [])

    def test_fork_blocked_under_standard_policy(self):
        for code in ("import os\nos.fork()\n", "import subprocess\nsubprocess.run(['true'])\n",
                     "import os\nos.system('true')\n"):
            with self.subTest(code=code):
                r = run_runner(code)
                self.assertEqual(r["outcome"], "policy_violation", r)

    def test_daemon_is_killed(self):
        # The daemon proves it ran by its marker in a process list; in full mode it cannot write to the host at
        # all (read-only host filesystem), so a host-side file would not tell.
        marker = "daemon-marker-%d-%d" % (os.getpid(), int(time.time() * 1000))
        loop = "import time\nwhile True:\n    time.sleep(0.1)\n"
        code = (
            "import os, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        os.execv('/usr/bin/python3', ['python3', '-c', %r, %r])\n"
            "    os._exit(0)\n"
            "time.sleep(0.6)\nprint('parent done')\n" % (loop, marker)
        )

        def with_marker():
            found = []
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open("/proc/%s/cmdline" % pid, "rb") as f:
                            if marker.encode() in f.read():
                                found.append(pid)
                    except OSError:
                        pass
            return found

        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner(code, policy="permissive", disable=disable)
                self.assertEqual(r["outcome"], "ok", r)
                self.assertGreaterEqual(r["killedAfterRun"], 1, "the daemon never ran: test is void: %r" % r)
                self.assertTrue(wait_until(lambda: with_marker() == [], 1.0), "daemon survived: %r" % with_marker())


class GuardTests(RunnerTestCase):
    def _listener(self):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen(5)
        srv.setblocking(False)
        self.addCleanup(srv.close)
        return srv

    def _assert_no_connection(self, srv):
        try:
            conn, _ = srv.accept()
        except BlockingIOError:
            return
        conn.close()
        self.fail("listener received a connection")

    def test_socket_connect_blocked_even_if_caught(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                srv = self._listener()
                port = srv.getsockname()[1]
                code = ("import socket\ntry:\n"
                        "    s = socket.create_connection(('127.0.0.1', %d), timeout=1)\n"
                        "    s.sendall(b'leak')\nexcept BaseException as e:\n"
                        "    print('caught', e)\nprint('survived')\n" % port)
                r = run_runner(code, disable=disable)
                self.assertEqual(r["outcome"], "policy_violation", r)
                self.assertTrue(r["violation"]["event"].startswith("socket."), r)
                self.assertNotIn("survived", r["stdout"])
                self._assert_no_connection(srv)

    @unittest.skipUnless(IS_ROOT, "needs root for namespaces and seccomp")
    def test_os_layers_block_network_without_guard(self):
        """A freshly exec'd interpreter has no audit hook: seccomp + net namespace hold."""
        srv = self._listener()
        port = srv.getsockname()[1]
        inner = ("import socket\ntry:\n"
                 "    socket.create_connection(('127.0.0.1', %d), timeout=1).sendall(b'x')\n"
                 "    print('connected')\nexcept OSError as e:\n    print('blocked', e)\n" % port)
        code = ("import subprocess\nout = subprocess.run(['/usr/bin/python3', '-c', %r],"
                " capture_output=True, text=True)\nprint(out.stdout, out.stderr)\n" % inner)
        r = run_runner(code, policy="permissive")
        self.assertEqual(r["outcome"], "ok", r)
        self.assertIn("blocked", r["stdout"])
        self.assertNotIn("connected", r["stdout"])
        self._assert_no_connection(srv)

    def test_host_canary_file_and_proc_not_readable(self):
        canary_path = os.path.join(self.tmp, "canary.txt")
        with open(canary_path, "w") as f:
            f.write(CANARY)
        os.chmod(canary_path, 0o600)
        env = {"AWS_SECRET_ACCESS_KEY": CANARY, "PATH": "/usr/bin:/bin"}
        for path_expr in (repr(canary_path), "'/proc/1/environ'", "'/proc/self/environ'",
                          "'/proc/%d/environ' % os.getppid()", "'/etc/shadow'"):
            for mode, disable in MODES:
                with self.subTest(mode=mode, path=path_expr):
                    code = ("import os\ntry:\n    print(open(%s, 'rb').read())\n"
                            "except OSError as e:\n    print('denied', type(e).__name__)\n"
                            % path_expr)
                    r = run_runner(code, env=env, disable=disable)
                    self.assertIn(r["outcome"], ("policy_violation", "ok"), r)
                    if r["outcome"] == "ok":
                        self.assertIn("denied", r["stdout"])
                    self.assertNotIn(CANARY, json.dumps(r))

    def test_env_canary_not_visible(self):
        env = {"AWS_SECRET_ACCESS_KEY": CANARY, "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                r = run_runner("import os\nprint(dict(os.environ))", env=env, disable=disable)
                self.assertEqual(r["outcome"], "ok", r)
                self.assertNotIn(CANARY, r["stdout"])
                self.assertNotIn("9001", r["stdout"])
                self.assertIn("PATH", r["stdout"])

    def test_write_outside_work_dir_blocked(self):
        outside = os.path.join(self.tmp, "escaped.txt")
        codes = (
            "open(%r, 'w').write('x')\n" % outside,
            "import os\nos.symlink(%r, 'link')\nopen('link', 'w').write('x')\n" % outside,
            "import os\nos.rename('.', %r)\n" % outside,
            "import shutil\nshutil.copyfile('/etc/hostname', %r)\n" % outside,
        )
        for mode, disable in MODES:
            for code in codes:
                with self.subTest(mode=mode, code=code):
                    r = run_runner(code, disable=disable)
                    self.assertEqual(r["outcome"], "policy_violation", r)
                    self.assertFalse(os.path.exists(outside))

    @unittest.skipUnless(IS_ROOT, "seccomp is asserted where the full stack runs")
    def test_seccomp_alone_blocks_sockets_and_keeps_threads(self):
        inner = ("import socket, os\ntry:\n    socket.socket()\n    print('created')\n"
                 "except OSError as e:\n    print('errno', e.errno)\n")
        code = ("import subprocess, threading\nout = []\n"
                "ts = [threading.Thread(target=out.append, args=(i,)) for i in range(4)]\n"
                "[t.start() for t in ts]; [t.join() for t in ts]\nprint(sorted(out))\n"
                "print(subprocess.run(['/usr/bin/python3', '-c', %r], capture_output=True,"
                " text=True).stdout)\n" % inner)
        r = run_runner(code, policy="permissive", disable=["namespaces", "uid"])
        self.assertEqual(r["outcome"], "ok", r)
        self.assertIn("seccomp", r["isolation"])
        self.assertIn("[0, 1, 2, 3]", r["stdout"])
        self.assertIn("errno 1", r["stdout"])  # EPERM from the filter

    def test_strict_policy_is_read_only(self):
        r = run_runner("import math\nprint(math.pi > 3)", policy="strict")
        self.assertEqual((r["outcome"], r["stdout"]), ("ok", "True\n"), r)
        r = run_runner("open('x', 'w').write('1')", policy="strict")
        self.assertEqual(r["outcome"], "policy_violation", r)

    def test_ctypes_blocked(self):
        r = run_runner("import ctypes\nctypes.CDLL(None).getpid()\n")
        self.assertEqual(r["outcome"], "policy_violation", r)

    @unittest.skipUnless(IS_ROOT, "needs root for dedicated uids")
    def test_concurrent_runs_get_different_uids(self):
        results = [None, None]

        def go(i):
            results[i] = run_runner("import os, time\nprint(os.getuid())\ntime.sleep(0.8)\n")

        threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        uids = [r["stdout"].strip() for r in results]
        self.assertTrue(all(r["outcome"] == "ok" for r in results), results)
        self.assertNotEqual(uids[0], uids[1])


    @unittest.skipUnless(IS_ROOT, "needs root for dedicated uids")
    def test_slot_left_by_a_crashed_supervisor_is_swept_before_reuse(self):
        # A clean run marks its slot clean; a crash leaves the "in use" mark and whatever ran under the uid.
        first = run_runner("print('first')\n", uidBase=61050, uidCount=1)
        self.assertEqual(first["outcome"], "ok", first)
        lock = os.path.join(tempfile.gettempdir(), "interaction-sandbox-uid-locks", "61050.lock")
        with open(lock, "rb") as f:
            self.assertEqual(f.read(1), b"c", "a clean run leaves its slot marked clean")
        with open(lock, "r+b") as f:
            f.write(b"u")
        survivor = subprocess.Popen(["sleep", "60"], preexec_fn=_drop_to(61050))
        try:
            second = run_runner("print('second')\n", uidBase=61050, uidCount=1)
            self.assertEqual(second["outcome"], "ok", second)
            self.assertTrue(wait_until(lambda: survivor.poll() is not None, 2.0),
                            "a process left under the slot's uid survived its reuse")
            self.assertEqual(survivor.returncode, -signal.SIGKILL)
        finally:
            survivor.kill()
            survivor.wait()

@unittest.skipUnless(IS_ROOT, "needs root to start the runner as another, unprivileged uid")
class UnprivilegedRunnerTests(RunnerTestCase):
    """The runner itself without root (Lambda-like): shared uid, no namespaces."""
    UID = 65534

    def run_unpriv(self, code, **kw):
        return run_runner(code, as_uid=self.UID, workRoot=self.tmp, **kw)

    def test_ok_and_layers(self):
        r = self.run_unpriv("import os\nprint(os.getuid())")
        self.assertEqual(r["outcome"], "ok", r)
        self.assertEqual(r["stdout"], "%d\n" % self.UID)
        self.assertIn("process-bound:shared-uid", r["isolation"])
        self.assertNotIn("dedicated-uid", r["isolation"])
        self.assertFalse(any(x.startswith("namespaces") for x in r["isolation"]))

    def test_fork_bomb_bounded(self):
        r = self.run_unpriv("import os\nwhile True:\n    os.fork()\n", policy="permissive",
                            maxProcesses=20, timeoutSeconds=5)
        self.assertEqual(r["outcome"], "resource_limit", r)
        self.assertTrue(wait_until(lambda: runner_processes() == [], 2.0))

    def test_daemon_killed(self):
        target = os.path.join(self.tmp, "d.log")
        loop = ("import time\nwhile True:\n"
                "    f = open(%r, 'a'); f.write('x'); f.close(); time.sleep(0.1)\n" % target)
        code = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n"
                "    if os.fork() == 0:\n        os.execv('/usr/bin/python3', ['p', '-c', %r])\n"
                "    os._exit(0)\ntime.sleep(0.6)\n" % loop)
        r = self.run_unpriv(code, policy="permissive")
        self.assertEqual(r["outcome"], "ok", r)
        self.assertTrue(os.path.exists(target))
        size = os.path.getsize(target)
        time.sleep(0.5)
        self.assertEqual(os.path.getsize(target), size)


class ListenTests(RunnerTestCase):
    """Listen mode: a pre-started single-use runner handed one job over TCP."""

    def start(self, *args, env=None, pass_fds=()):
        proc = subprocess.Popen([PYTHON, "-I", "-S", "-B", RUNNER] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=pass_fds,
                                env=env if env is not None else {"CANARY_SECRET": CANARY})
        self.addCleanup(self._stop, proc)
        line = json.loads(proc.stderr.readline())
        self.assertEqual(line["t"], "listening")
        return proc, line["port"]

    @staticmethod
    def _stop(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()

    @staticmethod
    def job(code, **fields):
        job = {"executionId": "listen", "code": code, "workRoot": tempfile.gettempdir(), "timeoutSeconds": 10,
               "uidCount": 64}
        job.update(fields)
        return (json.dumps(job) + "\n").encode()

    @staticmethod
    def exchange(port, data):
        """(accepted line, result line) of one connection that sends ``data``."""
        with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
            reader = conn.makefile("rb")
            accepted = json.loads(reader.readline())
            conn.sendall(data)
            result = json.loads(reader.readline())
            reader.close()
            return accepted, result

    def test_job_over_tcp_answers_like_stdin_mode_and_logs_the_result(self):
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                proc, port = self.start("--listen", "0")
                accepted, result = self.exchange(port, self.job("print('hello', 6 * 7)", disable=disable))
                self.assertEqual(accepted, {"t": "accepted"})
                expected = run_runner("print('hello', 6 * 7)", disable=disable)
                self.assertEqual(set(result), set(expected))
                self.assertEqual((result["outcome"], result["stdout"], result["exitCode"]), ("ok", "hello 42\n", 0))
                self.assertEqual(result["isolation"], expected["isolation"])
                self.assertEqual(proc.wait(10), 0)
                logged = proc.stdout.read().decode().splitlines()
                self.assertEqual(len(logged), 1)
                self.assertEqual(json.loads(logged[0])["stdout"], "hello 42\n")

    def test_a_second_connection_is_refused(self):
        proc, port = self.start("--listen", "0")
        first = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            reader = first.makefile("rb")
            self.assertEqual(json.loads(reader.readline()), {"t": "accepted"})
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            first.sendall(self.job("print('first')"))
            self.assertEqual(json.loads(reader.readline())["stdout"], "first\n")
            reader.close()
        finally:
            first.close()
        self.assertEqual(proc.wait(10), 0)

    def test_garbage_is_a_structured_system_error(self):
        proc, port = self.start("--listen", "0")
        _accepted, result = self.exchange(port, b"not json at all\n")
        self.assertEqual(result["outcome"], "system_error")
        self.assertIn("invalid job JSON", result["detail"])
        self.assertEqual(proc.wait(10), 0)

    def test_an_invalid_job_is_a_structured_system_error(self):
        proc, port = self.start("--listen", "0")
        _accepted, result = self.exchange(port, b'{"code": 5}\n')
        self.assertEqual(result["outcome"], "system_error")
        self.assertIn("invalid job", result["detail"])
        self.assertEqual(proc.wait(10), 0)

    def quiet(self):
        """In-process listeners write their log lines to buffers instead of the test output."""
        import io
        for name in ("stdout", "stderr"):
            self.addCleanup(setattr, sys, name, getattr(sys, name))
            setattr(sys, name, io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))

    def in_process_exchange(self, data, **limits):
        """Runs ``listen()`` in this process with ``limits`` (module settings) and returns its answer to ``data``."""
        import io
        for name in ("stdout", "stderr"):   # its log lines go to buffers instead of the test output
            self.addCleanup(setattr, sys, name, getattr(sys, name))
            setattr(sys, name, io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
        for name, value in limits.items():
            self.addCleanup(setattr, sr, name, getattr(sr, name))
            setattr(sr, name, value)
        port = self._free_port()
        server = threading.Thread(target=sr.listen, args=(port, 10, "127.0.0.1"))
        server.start()
        conn = self._connect_when_listening(port)
        with conn:
            reader = conn.makefile("rb")
            reader.readline()
            conn.sendall(data)
            result = json.loads(reader.readline())
            reader.close()
        server.join(10)
        return result

    def test_a_job_line_that_never_ends_times_out(self):
        result = self.in_process_exchange(b'{"code": "print(1)"', LISTEN_READ_TIMEOUT_S=0.5)   # no end of line
        self.assertEqual(result["outcome"], "system_error")
        self.assertIn("no complete job line", result["detail"])

    def test_an_oversized_job_line_is_refused_without_reading_it_all(self):
        result = self.in_process_exchange(b"x" * 4096, LISTEN_LINE_MAX=1024)
        self.assertEqual(result["outcome"], "system_error")
        self.assertIn("longer than 1024", result["detail"])

    def test_exits_unused_after_the_idle_lifetime(self):
        proc, port = self.start("--listen", "0", "--idle-seconds", "0.5")
        self.assertEqual(proc.wait(10), 0)
        self.assertEqual(proc.stdout.read(), b"")
        self.assertIn(b'"t":"idle"', proc.stderr.read())
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()

    def test_the_task_environment_selects_listen_mode_unless_runtask_passed_a_job(self):
        proc, port = self.start(env={"SANDBOX_LISTEN_PORT": "0", "SANDBOX_IDLE_SECONDS": "30"})
        _accepted, result = self.exchange(port, self.job(
            "import os; print(sorted(os.environ))", policy="permissive"))
        self.assertEqual(result["outcome"], "ok", result)
        self.assertNotIn("SANDBOX_", result["stdout"])
        self.assertNotIn("CANARY", result["stdout"])
        self.assertEqual(proc.wait(10), 0)
        self.assertIsNone(sr._listen_arguments([], {"SANDBOX_LISTEN_PORT": "8000", "SANDBOX_JOB_B64": "x"}))
        self.assertEqual(sr._listen_arguments(["--listen", "9"], {}), (9, sr.LISTEN_IDLE_DEFAULT_S))

    def test_the_connection_does_not_reach_the_code(self):
        code = ("import os, stat\n"
                "socks = []\n"
                "for fd in range(0, 256):\n"
                "    try:\n"
                "        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
                "            socks.append(fd)\n"
                "    except OSError:\n"
                "        pass\n"
                "print(socks)")
        # descriptors 3..6 taken in the runner, so that its sockets sit above the ones the child's set-up reuses
        held = [os.open(os.devnull, os.O_RDONLY) for _ in range(4)]
        self.addCleanup(lambda: [os.close(fd) for fd in held])
        for mode, disable in MODES:
            with self.subTest(mode=mode):
                proc, port = self.start("--listen", "0", pass_fds=held)
                _accepted, result = self.exchange(port, self.job(code, policy="permissive", disable=disable))
                self.assertEqual((result["outcome"], result["stdout"]), ("ok", "[]\n"), result)
                self.assertEqual(proc.wait(10), 0)

    @staticmethod
    def _free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @staticmethod
    def _connect_when_listening(port):
        end = time.monotonic() + 5
        while True:
            try:
                return socket.create_connection(("127.0.0.1", port), timeout=10)
            except ConnectionRefusedError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.02)


class PureTests(unittest.TestCase):
    def test_seccomp_program_shape(self):
        for machine in ("x86_64", "aarch64"):
            prog = sr.seccomp_program(machine)
            self.assertIsNotNone(prog)
            self.assertEqual(prog[-1], (0x06, 0, 0, 0x7FFF0000))
            self.assertLess(len(prog), 4096)
            for code, jt, jf, k in prog:
                self.assertTrue(0 <= jt < 256 and 0 <= jf < 256 and 0 <= k < 1 << 32)
        self.assertIsNone(sr.seccomp_program("riscv64"))

    def test_validate_job(self):
        ok = sr.validate_job({"code": "x", "workRoot": tempfile.gettempdir()})
        self.assertEqual(ok["timeoutSeconds"], 30)
        for bad in ({"code": 1}, {"code": "x", "timeoutSeconds": 0},
                    {"code": "x", "disable": ["nope"]}, {"code": "x", "memoryMb": True},
                    {"code": "x", "workRoot": "/does/not/exist"}, {"code": "x", "ownCgroup": 1}, []):
            with self.subTest(bad=bad):
                self.assertRaises(sr.JobError, sr.validate_job, bad)


class OwnCgroupTests(RunnerTestCase):
    """ownCgroup (a single-use container): the runner counts the out-of-memory kills of its memory cgroup over the
    execution, so a kill of any process of the code is memory_limit without asking the engine."""

    def cgroup(self, files):
        root = tempfile.mkdtemp(prefix="isb-cgroup-")
        self.addCleanup(shutil.rmtree, root, True)
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        return root

    def run_with_counter(self, code, counts):
        """run_job in a forked process whose cgroup counter reads ``counts``, one value per look."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                values = iter(counts)
                sr._oom_kills = lambda memory_mb, root=None: next(values)
                job = {"code": code, "workRoot": self.tmp, "disable": BARE + ["nproc"], "memoryMb": 256,
                       "policy": "permissive", "ownCgroup": True}
                with os.fdopen(w, "wb") as out:
                    out.write(json.dumps(sr.run_job(job)).encode())
            finally:
                os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            data = f.read()
        os.waitpid(pid, 0)
        return json.loads(data)

    def test_counter_of_cgroup_v2_and_v1(self):
        v2 = self.cgroup({"memory.max": "268435456\n",
                          "memory.events": "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\n"})
        v1 = self.cgroup({"memory/memory.limit_in_bytes": "268435456\n",
                          "memory/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"})
        self.assertEqual(sr._oom_kills(256, v2), 2)
        self.assertEqual(sr._oom_kills(256, v1), 1)

    def test_no_count_from_a_cgroup_that_is_not_the_containers(self):
        unlimited = self.cgroup({"memory.max": "max\n", "memory.events": "oom_kill 5\n"})
        v2 = self.cgroup({"memory.max": "268435456\n", "memory.events": "oom_kill 0\n"})
        self.assertIsNone(sr._oom_kills(256, unlimited))
        self.assertIsNone(sr._oom_kills(512, v2), "another limit than the job's: not this container's cgroup")
        self.assertIsNone(sr._oom_kills(256, self.cgroup({})))

    def test_a_kill_during_the_execution_is_memory_limit_and_keeps_the_output(self):
        res = self.run_with_counter("print('parent went on')", [3, 4])
        self.assertEqual(res["outcome"], "memory_limit", res)
        self.assertEqual(res["oomKills"], 1)
        self.assertEqual(res["stdout"], "parent went on\n")
        self.assertIn("256 MiB", res["detail"])

    def test_no_kill_leaves_the_outcome_alone(self):
        res = self.run_with_counter("raise ValueError('boom')", [3, 3])
        self.assertEqual((res["outcome"], res["oomKills"]), ("runtime_error", 0), res)

    def test_without_a_cgroup_of_its_own_the_runner_reports_no_count(self):
        # this host's (or CI container's) cgroup does not have the job's memory limit: the caller must ask the engine
        res = run_runner("print(1)", disable=BARE + ["nproc"], ownCgroup=True, memoryMb=192, workRoot=self.tmp)
        self.assertEqual(res["outcome"], "ok", res)
        self.assertNotIn("oomKills", res)
        self.assertNotIn("oomKills", run_runner("print(1)", disable=BARE, workRoot=self.tmp))


class ServeTests(unittest.TestCase):
    """The warm fork server: one forked supervisor per job, answers tagged with the job id."""

    def setUp(self):
        self.proc = subprocess.Popen(
            [PYTHON, "-I", "-S", "-B", "-c", "import sys; sys.path.insert(0, %r); import sandbox_runner; "
             "sys.exit(sandbox_runner.serve())" % os.path.dirname(_runner_readable_by_anyone())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={"CANARY_SECRET": CANARY})
        self.ready = json.loads(self.proc.stdout.readline())

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.proc.stdin.close()
        self.proc.stdout.close()

    def send(self, job_id, code, **fields):
        job = {"code": code, "workRoot": tempfile.gettempdir(), "timeoutSeconds": 10, "uidCount": 64}
        job.update(fields)
        self.proc.stdin.write((json.dumps({"id": job_id, "job": job}) + "\n").encode())
        self.proc.stdin.flush()

    def answer(self):
        return json.loads(self.proc.stdout.readline())

    def test_ready_then_results_tagged_with_ids(self):
        self.assertEqual(self.ready["t"], "ready")
        for mode, disable in MODES:
            self.send("job-" + mode, "print(6 * 7)", disable=disable)
            a = self.answer()
            self.assertEqual((a["id"], a["t"]), ("job-" + mode, "result"))
            self.assertEqual(a["result"]["outcome"], "ok")
            self.assertEqual(a["result"]["stdout"], "42\n")
            self.assertIn("runtime-guard", a["result"]["isolation"])
            if IS_ROOT and mode == "full":
                self.assertIn("dedicated-uid", a["result"]["isolation"])
                self.assertIn("seccomp", a["result"]["isolation"])

    def test_nothing_from_the_server_reaches_the_code(self):
        self.send("env", "import os; print(sorted(os.environ)); print(open('/proc/self/environ').read())",
                  policy="permissive")
        out = self.answer()["result"]["stdout"]
        self.assertNotIn(CANARY, out)
        self.assertNotIn("CANARY_SECRET", out)

    def test_each_job_gets_fresh_random_state_and_work_directory(self):
        code = "import random, os; print(random.random(), os.getcwd(), os.listdir('.'));" \
               "open('left-behind', 'w').write('x')"
        self.send("a", code)
        first = self.answer()["result"]["stdout"]
        self.send("b", code)
        second = self.answer()["result"]["stdout"]
        self.assertNotEqual(first.split()[0], second.split()[0])
        self.assertNotEqual(first.split()[1], second.split()[1])
        self.assertIn("[]", second)

    def test_jobs_run_concurrently(self):
        started = time.monotonic()
        for i in range(3):
            self.send("c%d" % i, "import time; time.sleep(1.5); print(%d)" % i)
        seen = {}
        for _ in range(3):
            a = self.answer()
            seen[a["id"]] = a["result"]["stdout"]
        self.assertEqual(seen, {"c0": "0\n", "c1": "1\n", "c2": "2\n"})
        self.assertLess(time.monotonic() - started, 4.0)  # one after another would take at least 4.5 s

    def test_garbage_lines_are_answered_and_the_server_goes_on(self):
        self.proc.stdin.write(b"not json\n{\"job\": {}}\n")
        self.proc.stdin.flush()
        first, second = self.answer(), self.answer()
        self.assertEqual((first["id"], first["t"]), (None, "error"))
        self.assertEqual((second["id"], second["t"]), (None, "error"))
        self.send("after", "print('still here')")
        self.assertEqual(self.answer()["result"]["stdout"], "still here\n")

    def test_code_cannot_reach_the_server(self):
        code = ("import os\n"
                "ppid = os.getppid()\n"
                "for pid in range(1, 100000):\n"
                "    try:\n"
                "        os.kill(pid, 9)\n"
                "    except Exception:\n"
                "        pass\n"
                "print('done')")
        for mode, disable in MODES:
            if mode == "bare" and IS_ROOT:
                continue  # root without a uid drop may signal anything; documented
            self.send("k-" + mode, code, policy="permissive", disable=disable)
            self.answer()
            self.send("alive-" + mode, "print('alive')")
            self.assertEqual(self.answer()["result"]["stdout"], "alive\n")
        self.assertIsNone(self.proc.poll())

    def test_ends_when_its_input_closes(self):
        self.send("last", "import time; time.sleep(0.3); print('last')")
        self.proc.stdin.close()
        self.assertEqual(self.answer()["result"]["stdout"], "last\n")
        self.assertEqual(self.proc.wait(10), 0)


if __name__ == "__main__":
    unittest.main()
