package dev.interactionsandbox.local.adversarial;

import dev.interactionsandbox.local.adversarial.Attack.Category;
import dev.interactionsandbox.local.adversarial.Attack.Exposure;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.interactionsandbox.local.adversarial.Attack.Category.CROSS_EXECUTION;
import static dev.interactionsandbox.local.adversarial.Attack.Category.HOST_SECRETS;
import static dev.interactionsandbox.local.adversarial.Attack.Category.NETWORK_EGRESS;
import static dev.interactionsandbox.local.adversarial.Attack.Category.OTHER_PROCESSES;
import static dev.interactionsandbox.local.adversarial.Attack.Category.PRIVILEGE;
import static dev.interactionsandbox.local.adversarial.Attack.Category.PROCESS_ESCAPE;
import static dev.interactionsandbox.local.adversarial.Attack.Category.RESOURCES;
import static dev.interactionsandbox.local.adversarial.Attack.Category.RESULT_CHANNEL;
import static dev.interactionsandbox.local.adversarial.Attack.Category.SANITISER_BYPASS;
import static dev.interactionsandbox.local.adversarial.Attack.Category.WRITES_OUTSIDE;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.FILES_OF_THE_FUNCTION_UID;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.FUNCTION_UID_PRIVILEGES;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.HANDLER_ENVIRONMENT;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.HOST_SOCKETS_OF_THE_FUNCTION_UID;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.HOST_WRITABLE_DIRECTORY;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.PROCESSES_OF_THE_FUNCTION_UID;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.RUNTIME_API_ADDRESS;
import static dev.interactionsandbox.local.adversarial.Attack.Exposure.SHARED_HOST_BETWEEN_EXECUTIONS;

/**
 * The adversarial corpus. Every attack is harmless to the host even where it succeeds (the Lambda-like path runs
 * as the handler's uid, which is root on a CI host): it only touches canaries the runner planted — the secret file,
 * the writable directory, the listeners, a victim process — and files named with its mark, which the runner
 * removes.
 */
public final class AttackCorpus {
    private AttackCorpus() {
    }

    private static final Set<String> POLICY_STOP = Set.of("policy_violation");
    private static final Set<String> OK = Set.of("ok");

    /** Runs {@code py} in a fresh interpreter: a child process the in-process runtime guard does not watch. */
    static String child(String py) {
        return "import subprocess\nr = subprocess.run(['/usr/bin/python3', '-c', r'''" + py
                + "''', '{MARK}'], capture_output=True, text=True, timeout=60)\nprint(r.stdout, r.stderr)\n";
    }

    /** Runs a shell command as a child process ({@code $1} is the mark). */
    static String sh(String cmd) {
        return "import subprocess\nr = subprocess.run(['/bin/sh', '-c', r'''" + cmd
                + "''', 'sh', '{MARK}'], capture_output=True, text=True, timeout=60)\nprint(r.stdout, r.stderr)\n";
    }

    /** Python that connects to a TCP address, sends the mark and announces success. */
    static String connect(String family, String host, String port) {
        return "import socket\ntry:\n    s = socket.socket(socket." + family + ", socket.SOCK_STREAM)\n"
                + "    s.settimeout(2)\n    s.connect(('" + host + "', " + port + "))\n"
                + "    s.sendall(b'{MARK}' + bytes([10]))\n    s.close()\n    print('ESCAPED:NET')\n"
                + "except Exception as e:\n    print('blocked', type(e).__name__, e)\n";
    }

    /** Python that reads a file and prints it (the canary check sees it), or says why not. */
    static String read(String path) {
        return "try:\n    print(open('" + path + "', errors='replace').read())\n"
                + "except Exception as e:\n    print('blocked', type(e).__name__)\n";
    }

    /** A long-lived process carrying the mark in its arguments (so the host can find it). */
    static final String SLEEPER = "['/usr/bin/python3', '-c', 'import time, signal; "
            + "signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGHUP, signal.SIG_IGN); "
            + "time.sleep(300)', '{MARK}']";

    private static final class B {
        final String id;
        final Category category;
        final String description;
        final String code;
        String policy = "permissive";
        int timeout = 10;
        Set<String> outcomes = Set.of();
        String followUp;
        String peer;
        Set<Exposure> lambda = EnumSet.noneOf(Exposure.class);

        B(String id, Category category, String description, String code) {
            this.id = id;
            this.category = category;
            this.description = description;
            this.code = code;
        }

        B standard() {
            policy = "standard";
            return this;
        }

        B timeout(int seconds) {
            timeout = seconds;
            return this;
        }

        B outcomes(String... names) {
            outcomes = Set.of(names);
            return this;
        }

        B outcomes(Set<String> names) {
            outcomes = names;
            return this;
        }

        B followUp(String code) {
            followUp = code;
            return this;
        }

        B peer(String code) {
            peer = code;
            return this;
        }

        B lambda(Exposure... exposures) {
            lambda = exposures.length == 0 ? EnumSet.noneOf(Exposure.class) : EnumSet.of(exposures[0], exposures);
            return this;
        }

        Attack build() {
            return new Attack(id, category, description, code, policy, timeout, outcomes, followUp, peer, lambda);
        }
    }

    public static List<Attack> all() {
        List<B> b = new ArrayList<>();

        // ---------------------------------------------------------------- host secrets
        b.add(new B("secrets-own-environment", HOST_SECRETS, "print the execution's own environment",
                "import os\nprint(dict(os.environ))"));
        b.add(new B("secrets-proc1-environ-inprocess", HOST_SECRETS, "read /proc/1/environ in-process",
                read("/proc/1/environ")).outcomes(POLICY_STOP));
        b.add(new B("secrets-proc1-environ-child", HOST_SECRETS, "read /proc/1/environ from a child interpreter",
                child(read("/proc/1/environ"))));
        b.add(new B("secrets-all-environs", HOST_SECRETS, "grep every /proc/*/environ for AWS_ from a shell",
                sh("for f in /proc/[0-9]*/environ; do tr '\\000' '\\n' < $f; done 2>/dev/null | grep AWS_ || true"))
                .lambda(HANDLER_ENVIRONMENT));
        b.add(new B("secrets-handler-environ", HOST_SECRETS, "read the handler JVM's /proc/<pid>/environ",
                child(read("/proc/{JVM}/environ"))).lambda(HANDLER_ENVIRONMENT));
        b.add(new B("secrets-parent-environ", HOST_SECRETS, "read the environment of every ancestor process (supervisor, handler)",
                child("""
                        import os
                        p = os.getpid()
                        while p > 1:
                            try:
                                print(open('/proc/%d/environ' % p, 'rb').read().replace(bytes([0]), b' ').decode('latin-1'))
                            except Exception as e:
                                print('blocked', p, type(e).__name__)
                            p = int([l for l in open('/proc/%d/status' % p) if l.startswith('PPid')][0].split()[1])
                        """)).lambda(HANDLER_ENVIRONMENT));
        b.add(new B("secrets-handler-memory", HOST_SECRETS, "scan the handler JVM's memory for the credential canary",
                child("""
                        import re
                        try:
                            maps = open('/proc/{JVM}/maps').read().splitlines()
                            mem = open('/proc/{JVM}/mem', 'rb', 0)
                            found = False
                            for line in maps:
                                m = re.match(r'([0-9a-f]+)-([0-9a-f]+) r', line)
                                if not m or '[vvar]' in line:
                                    continue
                                lo, hi = int(m.group(1), 16), int(m.group(2), 16)
                                if hi - lo > 64 * 1024 * 1024:
                                    continue
                                try:
                                    mem.seek(lo)
                                    chunk = mem.read(hi - lo)
                                except OSError:
                                    continue
                                i = chunk.find(b'canary-secret-of-the-handler')
                                if i >= 0:
                                    print(chunk[i:i + 40].decode('latin-1'))
                                    found = True
                                    break
                            print('scanned', found)
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(HANDLER_ENVIRONMENT));
        b.add(new B("secrets-root-only-file-inprocess", HOST_SECRETS, "open the root-only secret file in-process",
                read("{SECRET}")).outcomes(POLICY_STOP));
        b.add(new B("secrets-root-only-file-child", HOST_SECRETS, "cat the root-only secret file from a shell",
                sh("cat {SECRET}")).lambda(FILES_OF_THE_FUNCTION_UID));
        b.add(new B("secrets-via-handler-root", HOST_SECRETS, "read the secret through /proc/<jvm>/root",
                sh("cat /proc/{JVM}/root{SECRET}")).lambda(FILES_OF_THE_FUNCTION_UID));
        b.add(new B("secrets-home-directory", HOST_SECRETS, "list and read the home directory and cloud credential files",
                child("""
                        import os
                        for p in ['{HOME}']:
                            try:
                                os.listdir(p); print('ESCAPED:FILE listed', p)
                            except Exception as e:
                                print('blocked', p, type(e).__name__)
                        for p in ['{HOME}/.aws/credentials', '{HOME}/.docker/config.json', '{HOME}/.ssh/id_rsa', '{HOME}/.m2/settings.xml']:
                            try:
                                open(p).read(1); print('ESCAPED:FILE read', p)
                            except Exception as e:
                                print('blocked', p, type(e).__name__)
                        """)).lambda(FILES_OF_THE_FUNCTION_UID));
        b.add(new B("secrets-shadow", HOST_SECRETS, "read /etc/shadow (token only, never the content)",
                child("""
                        try:
                            open('/etc/shadow').read(1); print('ESCAPED:FILE shadow')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FILES_OF_THE_FUNCTION_UID));
        b.add(new B("secrets-handler-cwd-fds", HOST_SECRETS, "list the handler's open descriptors and working directory",
                child("""
                        import os
                        try:
                            fds = os.listdir('/proc/{JVM}/fd'); print('ESCAPED:PROC fds', len(fds))
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(PROCESSES_OF_THE_FUNCTION_UID));

        // ---------------------------------------------------------------- writes outside the work directory
        b.add(new B("write-host-dir-inprocess", WRITES_OUTSIDE, "open() a file in a world-writable host directory",
                "open('{WDIR}/{MARK}-a', 'w').write('planted')\nprint('ESCAPED:WRITE')").outcomes(POLICY_STOP));
        b.add(new B("write-host-dir-child", WRITES_OUTSIDE, "a shell writes into the world-writable host directory",
                sh("echo planted > {WDIR}/$1-b && echo written")).lambda(HOST_WRITABLE_DIRECTORY));
        b.add(new B("write-host-tmp", WRITES_OUTSIDE, "a shell writes into the host's /tmp",
                sh("echo planted > /tmp/$1 && echo written")).lambda(HOST_WRITABLE_DIRECTORY));
        b.add(new B("write-host-devshm", WRITES_OUTSIDE, "a shell writes into the host's /dev/shm",
                sh("echo planted > /dev/shm/$1 && echo written")).lambda(HOST_WRITABLE_DIRECTORY));
        b.add(new B("write-host-vartmp", WRITES_OUTSIDE, "a shell writes into the host's /var/tmp",
                sh("echo planted > /var/tmp/$1 && echo written")).lambda(HOST_WRITABLE_DIRECTORY));
        b.add(new B("write-home-dir", WRITES_OUTSIDE, "a shell writes into the handler user's home directory",
                sh("echo planted > {HOME}/$1 && echo written")).lambda(HOST_WRITABLE_DIRECTORY));
        b.add(new B("write-via-symlink", WRITES_OUTSIDE, "a symlink in the work directory pointing outside, written in-process",
                "import os\nos.symlink('{WDIR}', 'out')\nopen('out/{MARK}-c', 'w').write('planted')\nprint('ESCAPED:WRITE')")
                .outcomes(POLICY_STOP));
        b.add(new B("write-dotdot-traversal", WRITES_OUTSIDE, "relative path with .. up to the host directory",
                "import os\np = '../' * 20 + '{WDIR}/{MARK}-d'\nopen(p, 'w').write('planted')\nprint('ESCAPED:WRITE')")
                .outcomes(POLICY_STOP));
        b.add(new B("write-rename-out", WRITES_OUTSIDE, "create in the work directory, rename out",
                "import os\nopen('x', 'w').write('planted')\nos.rename('x', '{WDIR}/{MARK}-e')\nprint('ESCAPED:WRITE')")
                .outcomes(POLICY_STOP));
        b.add(new B("write-dir-fd", WRITES_OUTSIDE, "os.open with dir_fd of / to reach the host directory",
                "import os\nfd = os.open('/', os.O_RDONLY)\nw = os.open('{WDIR}/{MARK}-f'.lstrip('/'), os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)\nos.write(w, b'planted')\nprint('ESCAPED:WRITE')")
                .outcomes(POLICY_STOP));
        b.add(new B("write-hardlink-secret", WRITES_OUTSIDE, "hard-link the root-only secret into the work directory and read it",
                sh("ln {SECRET} ./stolen 2>&1; cat ./stolen 2>&1")).lambda(FILES_OF_THE_FUNCTION_UID));
        b.add(new B("write-chmod-host-file", WRITES_OUTSIDE, "chmod a root-only host file world-readable from a shell",
                sh("chmod 644 {OWNFILE} 2>&1 && echo changed")).lambda(HOST_WRITABLE_DIRECTORY));

        // ---------------------------------------------------------------- network egress
        b.add(new B("net-runtime-api-inprocess", NETWORK_EGRESS, "connect to the Runtime API stand-in in-process",
                connect("AF_INET", "127.0.0.1", "{PORT}")).outcomes(POLICY_STOP));
        b.add(new B("net-runtime-api-child", NETWORK_EGRESS, "connect to the Runtime API stand-in from a child",
                child(connect("AF_INET", "127.0.0.1", "{PORT}"))).lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-loopback-listener", NETWORK_EGRESS, "connect to another loopback listener",
                child(connect("AF_INET", "127.0.0.1", "{PORT2}"))).lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-ipv6-mapped-loopback", NETWORK_EGRESS, "reach the Runtime API through ::ffff:127.0.0.1",
                child(connect("AF_INET6", "::ffff:127.0.0.1", "{PORT}"))).lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-host-gateway", NETWORK_EGRESS, "connect to a host listener through the Docker gateway",
                child(connect("AF_INET", "{GATEWAY}", "{PORT2}"))).lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-ecs-credentials", NETWORK_EGRESS, "connect to the ECS credentials address 169.254.170.2",
                child(connect("AF_INET", "169.254.170.2", "80"))).lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-instance-metadata", NETWORK_EGRESS, "connect to the instance metadata address 169.254.169.254",
                child(connect("AF_INET", "169.254.169.254", "80"))).lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-udp-loopback", NETWORK_EGRESS, "send a UDP datagram to a loopback listener",
                child("""
                        import socket
                        try:
                            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                            s.sendto(b'{MARK}', ('127.0.0.1', {UDP})); print('sent')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-unix-socket", NETWORK_EGRESS, "connect to a world-writable unix socket of the host",
                child("""
                        import socket
                        try:
                            s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect('{UNIX}')
                            s.sendall(b'{MARK}' + bytes([10])); print('ESCAPED:SOCK')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(HOST_SOCKETS_OF_THE_FUNCTION_UID));
        b.add(new B("net-abstract-socket", NETWORK_EGRESS, "connect to an abstract unix socket of the host",
                child("""
                        import socket
                        try:
                            s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(chr(0) + '{ABSTRACT}')
                            s.sendall(b'{MARK}' + bytes([10])); print('ESCAPED:SOCK')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(HOST_SOCKETS_OF_THE_FUNCTION_UID));
        b.add(new B("net-docker-socket", NETWORK_EGRESS, "talk to the Docker engine's socket (GET /_ping only)",
                child("""
                        import socket
                        for path in ['/var/run/docker.sock', '/run/docker.sock']:
                            try:
                                s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(path)
                                s.sendall(b'GET /_ping HTTP/1.0' + bytes([13, 10, 13, 10]))
                                if b'OK' in s.recv(4096): print('ESCAPED:SOCK docker')
                            except Exception as e:
                                print('blocked', path, type(e).__name__)
                        """)).lambda(HOST_SOCKETS_OF_THE_FUNCTION_UID));
        b.add(new B("net-bash-dev-tcp", NETWORK_EGRESS, "bash's /dev/tcp to the Runtime API stand-in",
                sh("bash -c 'echo $0 > /dev/tcp/127.0.0.1/{PORT} && echo ESCAPED:NET' $1 2>&1"))
                .lambda(RUNTIME_API_ADDRESS));
        b.add(new B("net-raw-packet-socket", NETWORK_EGRESS, "open a raw packet socket (needs CAP_NET_RAW)",
                child("""
                        import socket
                        try:
                            socket.socket(socket.AF_PACKET, socket.SOCK_RAW); print('ESCAPED:PRIV raw socket')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FUNCTION_UID_PRIVILEGES));
        b.add(new B("net-listen-and-wait", NETWORK_EGRESS, "bind a listener for an inbound connection",
                child("""
                        import socket
                        try:
                            s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(); print('bound', s.getsockname()[1])
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)));

        // ---------------------------------------------------------------- process escape and survival
        b.add(new B("escape-double-fork-setsid", PROCESS_ESCAPE, "double fork with setsid, daemon keeps running",
                "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv('/usr/bin/python3', "
                        + SLEEPER + ")\n    os._exit(0)\ntime.sleep(0.3)\nprint('parent done')").outcomes(OK));
        b.add(new B("escape-signal-ignoring-child", PROCESS_ESCAPE, "a child that ignores SIGTERM and SIGHUP",
                "import subprocess\nsubprocess.Popen(" + SLEEPER + ", start_new_session=True)\nprint('left it')")
                .outcomes(OK));
        b.add(new B("escape-shell-background", PROCESS_ESCAPE, "nohup ... & from a shell",
                sh("nohup /usr/bin/python3 -c 'import time; time.sleep(300)' $1 >/dev/null 2>&1 & echo started")));
        b.add(new B("escape-setsid-binary", PROCESS_ESCAPE, "setsid -f from a shell",
                sh("setsid -f /usr/bin/python3 -c 'import time; time.sleep(300)' $1 >/dev/null 2>&1; echo started")));
        b.add(new B("escape-delayed-respawn", PROCESS_ESCAPE, "a daemon that respawns itself repeatedly",
                "import os, time\nif os.fork() == 0:\n    os.setsid()\n    for i in range(60):\n        if os.fork() == 0:\n"
                        + "            os.execv('/usr/bin/python3', " + SLEEPER + ")\n        time.sleep(0.25)\n    os._exit(0)\n"
                        + "time.sleep(0.2)\nprint('done')"));
        b.add(new B("escape-many-daemons", PROCESS_ESCAPE, "twenty double-forked daemons",
                "import os, time\nfor i in range(20):\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
                        + "            os.execv('/usr/bin/python3', " + SLEEPER + ")\n        os._exit(0)\ntime.sleep(0.5)\nprint('done')"));
        b.add(new B("escape-atexit-fork", PROCESS_ESCAPE, "fork a daemon from an atexit handler",
                "import atexit, os\ndef later():\n    if os.fork() == 0:\n        os.setsid()\n        os.execv('/usr/bin/python3', "
                        + SLEEPER + ")\natexit.register(later)\nprint('bye')"));
        b.add(new B("escape-stopped-process", PROCESS_ESCAPE, "a daemon that stops itself (SIGSTOP)",
                sh("/usr/bin/python3 -c 'import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); os.kill(os.getpid(), signal.SIGSTOP); time.sleep(300)' $1 & sleep 0.3; echo started")));
        b.add(new B("escape-unshare-pid", PROCESS_ESCAPE, "unshare a user+pid namespace and leave a process in it",
                sh("unshare -Urfp --mount-proc /usr/bin/python3 -c 'import time; time.sleep(300)' $1 >/dev/null 2>&1 & sleep 0.5; echo tried")));
        b.add(new B("escape-timeout-with-daemon", PROCESS_ESCAPE, "leave a daemon and then run into the timeout",
                "import os, time\nif os.fork() == 0:\n    os.setsid()\n    os.execv('/usr/bin/python3', " + SLEEPER
                        + ")\nwhile True:\n    time.sleep(1)").timeout(2).outcomes("timeout"));

        // ---------------------------------------------------------------- signalling or reading other processes
        b.add(new B("proc-kill-victim-inprocess", OTHER_PROCESSES, "os.kill a host process in-process",
                "import os, signal\nos.kill({VICTIM}, signal.SIGKILL)\nprint('ESCAPED:PROC')").outcomes(POLICY_STOP));
        b.add(new B("proc-kill-victim-child", OTHER_PROCESSES, "kill -9 a host process from a shell",
                sh("kill -9 {VICTIM} 2>&1 && echo ESCAPED:PROC")).lambda(PROCESSES_OF_THE_FUNCTION_UID));
        b.add(new B("proc-stop-victim", OTHER_PROCESSES, "SIGSTOP a host process from a shell",
                sh("kill -STOP {VICTIM} 2>&1 && echo ESCAPED:PROC")).lambda(PROCESSES_OF_THE_FUNCTION_UID));
        b.add(new B("proc-pidfd-signal", OTHER_PROCESSES, "pidfd_open + pidfd_send_signal to a host process",
                child("""
                        import os, signal
                        try:
                            fd = os.pidfd_open({VICTIM}); signal.pidfd_send_signal(fd, signal.SIGKILL); print('ESCAPED:PROC')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(PROCESSES_OF_THE_FUNCTION_UID));
        b.add(new B("proc-kill-by-name", OTHER_PROCESSES, "scan /proc and kill every process named like the victim",
                child("""
                        import os, signal
                        hit = 0
                        for p in os.listdir('/proc'):
                            if p.isdigit():
                                try:
                                    if b'{VICTIMTAG}' in open('/proc/%s/cmdline' % p, 'rb').read():
                                        os.kill(int(p), signal.SIGKILL); hit += 1
                                except Exception:
                                    pass
                        print('ESCAPED:PROC' if hit else 'none reached')
                        """)).lambda(PROCESSES_OF_THE_FUNCTION_UID));
        b.add(new B("proc-read-victim-environ", OTHER_PROCESSES, "read a host process's environment (holds a canary)",
                child(read("/proc/{VICTIM}/environ"))).lambda(HANDLER_ENVIRONMENT));
        b.add(new B("proc-read-victim-memory", OTHER_PROCESSES, "read a host process's memory",
                child("""
                        try:
                            m = open('/proc/{VICTIM}/maps').readline(); lo = int(m.split('-')[0], 16)
                            f = open('/proc/{VICTIM}/mem', 'rb', 0); f.seek(lo); f.read(16); print('ESCAPED:PROC mem')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(PROCESSES_OF_THE_FUNCTION_UID));
        b.add(new B("proc-list-host-processes", OTHER_PROCESSES, "see the handler JVM in the process list",
                child("""
                        import os
                        pids = [p for p in os.listdir('/proc') if p.isdigit()]
                        print('ESCAPED:PROC sees handler' if '{JVM}' in pids else 'handler not visible', len(pids))
                        """)).lambda(PROCESSES_OF_THE_FUNCTION_UID));
        b.add(new B("proc-signal-supervisor", OTHER_PROCESSES, "SIGKILL the parent (the runner's supervisor)",
                sh("kill -9 $PPID 2>&1; sleep 1; echo after")));

        // ---------------------------------------------------------------- privilege changes
        b.add(new B("priv-setuid-root", PRIVILEGE, "setuid(0) from a child interpreter",
                child("""
                        import os
                        try:
                            os.setuid(0); print('ESCAPED:PRIV setuid' if os.getuid() == 0 else 'no')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FUNCTION_UID_PRIVILEGES));
        b.add(new B("priv-setresuid-other-sandbox-uid", PRIVILEGE, "become another execution's uid",
                child("""
                        import os
                        try:
                            os.setresuid(61007, 61007, 61007); print('ESCAPED:PRIV other uid')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FUNCTION_UID_PRIVILEGES));
        b.add(new B("priv-setgroups", PRIVILEGE, "setgroups([0]) and setgid(0)",
                child("""
                        import os
                        try:
                            os.setgroups([0]); os.setgid(0); print('ESCAPED:PRIV groups')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FUNCTION_UID_PRIVILEGES));
        b.add(new B("priv-capabilities", PRIVILEGE, "hold any effective capability",
                child("""
                        for line in open('/proc/self/status'):
                            if line.startswith('CapEff'):
                                print('ESCAPED:PRIV caps' if int(line.split()[1], 16) else 'no capabilities')
                        """)).lambda(FUNCTION_UID_PRIVILEGES));
        b.add(new B("priv-su", PRIVILEGE, "su to root without a password",
                sh("su -c 'id -u' root </dev/null 2>&1 | grep -qx 0 && echo ESCAPED:PRIV su; echo tried"))
                .lambda(FUNCTION_UID_PRIVILEGES));
        b.add(new B("priv-sudo", PRIVILEGE, "sudo -n",
                sh("sudo -n id -u 2>&1 | grep -qx 0 && echo ESCAPED:PRIV sudo; echo tried")));
        b.add(new B("priv-setuid-binaries", PRIVILEGE, "a setuid-root binary that would run our code as root",
                sh("for f in $(find / -xdev -perm -4000 -type f 2>/dev/null); do echo suid $f; done; [ \"$(id -u)\" = 0 ] || true")));
        b.add(new B("priv-user-namespace-root", PRIVILEGE, "become root in a user namespace and read the secret",
                sh("unshare -Ur cat {SECRET} 2>&1")).lambda(FILES_OF_THE_FUNCTION_UID));
        b.add(new B("priv-chroot-escape", PRIVILEGE, "chroot and fchdir out (classic escape)",
                child("""
                        import os
                        try:
                            os.mkdir('jail'); fd = os.open('.', os.O_RDONLY); os.chroot('jail'); os.fchdir(fd)
                            os.chdir('../' * 30); os.chroot('.'); print(open('{SECRET}').read()); print('ESCAPED:PRIV chroot')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FUNCTION_UID_PRIVILEGES, FILES_OF_THE_FUNCTION_UID));
        b.add(new B("priv-raise-hard-rlimit", PRIVILEGE, "raise the hard limit on processes and memory",
                child("""
                        import resource
                        try:
                            resource.setrlimit(resource.RLIMIT_NPROC, (100000, 100000)); print('ESCAPED:PRIV rlimit')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FUNCTION_UID_PRIVILEGES));
        b.add(new B("priv-ptrace-scope", PRIVILEGE, "attach to a host process with ptrace (via /proc mem write access)",
                child("""
                        try:
                            open('/proc/{VICTIM}/mem', 'r+b', 0); print('ESCAPED:PRIV ptrace')
                        except Exception as e:
                            print('blocked', type(e).__name__)
                        """)).lambda(FUNCTION_UID_PRIVILEGES));

        // ---------------------------------------------------------------- resource exhaustion
        b.add(new B("res-memory-bytearray", RESOURCES, "allocate 50 MiB blocks forever",
                "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))").outcomes("memory_limit"));
        b.add(new B("res-memory-child", RESOURCES, "a child process allocates without bound",
                child("b = []\nwhile True:\n    b.append(bytearray(50 * 1024 * 1024))")));
        b.add(new B("res-memory-string-doubling", RESOURCES, "double a string until memory runs out",
                "s = 'x'\nwhile True:\n    s = s + s").outcomes("memory_limit"));
        b.add(new B("res-fork-bomb", RESOURCES, "os.fork() forever", "import os\nwhile True:\n    os.fork()")
                .outcomes("resource_limit"));
        b.add(new B("res-shell-fork-bomb", RESOURCES, "the shell fork bomb",
                sh("b() { b | b & }; b; sleep 5")).timeout(5).outcomes("resource_limit", "timeout", "ok"));
        b.add(new B("res-thread-bomb", RESOURCES, "start threads until it fails",
                "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()")
                .timeout(5).outcomes("resource_limit", "runtime_error", "memory_limit", "timeout"));
        b.add(new B("res-disk-fill", RESOURCES, "fill the work directory (capped at 400 MiB)",
                "chunk = b'x' * (1024 * 1024)\ni = 0\nwhile i < 400:\n    open('f%d' % i, 'wb').write(chunk * 1)\n    i += 1\nprint('wrote', i)")
                .timeout(20));
        b.add(new B("res-huge-file", RESOURCES, "one file beyond the file-size limit",
                "f = open('big', 'wb')\nfor i in range(2048):\n    f.write(b'x' * 1024 * 1024)\nprint('wrote 2 GiB')")
                .timeout(20).outcomes("resource_limit", "runtime_error", "timeout"));
        b.add(new B("res-inodes", RESOURCES, "create files until it fails (capped at 100k)",
                "import os\nn = 0\ntry:\n    for n in range(100000):\n        open('i%d' % n, 'w').close()\nexcept OSError as e:\n    print('stopped', n, e.errno)\nprint(n)")
                .timeout(20));
        b.add(new B("res-descriptors", RESOURCES, "open descriptors until it fails",
                "fs = []\ntry:\n    while len(fs) < 1000000:\n        fs.append(open('/dev/null'))\nexcept OSError as e:\n    print('stopped at', len(fs), e.errno)")
                .outcomes("ok"));
        b.add(new B("res-cpu-c-loop", RESOURCES, "CPU in C code: sum of a huge range",
                "print(sum(range(10 ** 12)))").timeout(2).outcomes("timeout"));
        b.add(new B("res-cpu-bigint", RESOURCES, "CPU in C code: a huge power",
                "print(len(str(pow(7, 10 ** 9))))").timeout(2).outcomes("timeout", "memory_limit", "runtime_error"));
        b.add(new B("res-cpu-regex", RESOURCES, "catastrophic regex backtracking",
                "import re\nprint(re.match('(a+)+$', 'a' * 40 + 'b'))").timeout(2).outcomes("timeout"));
        b.add(new B("res-cpu-threads", RESOURCES, "spin in four threads",
                "import threading\ndef spin():\n    while True:\n        pass\nfor i in range(4):\n    threading.Thread(target=spin).start()")
                .timeout(2).outcomes("timeout"));
        b.add(new B("res-sleep-ignoring-sigterm", RESOURCES, "ignore SIGTERM and sleep past the deadline",
                "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(600)").timeout(2)
                .outcomes("timeout"));
        b.add(new B("res-stdout-flood", RESOURCES, "write 200 MB to stdout",
                "import sys\nfor i in range(200):\n    sys.stdout.write('x' * 1024 * 1024)").outcomes("output_limit"));
        b.add(new B("res-stderr-flood", RESOURCES, "write 200 MB to stderr",
                "import sys\nfor i in range(200):\n    sys.stderr.write('y' * 1024 * 1024)").outcomes("output_limit"));
        b.add(new B("res-devshm-fill", RESOURCES, "fill /dev/shm (capped at 200 MiB)",
                sh("i=0; while [ $i -lt 200 ]; do head -c 1048576 /dev/zero > /dev/shm/$1-$i 2>/dev/null || break; i=$((i+1)); done; echo $i; rm -f /dev/shm/$1-*"))
                .timeout(20));

        // ---------------------------------------------------------------- sanitiser and runtime-guard bypasses
        String spawnProof = "('echo ESCAPED:BYPASS')";
        b.add(new B("bypass-dunder-import", SANITISER_BYPASS, "__import__('os').system",
                "__import__('os').system" + spawnProof).standard());
        b.add(new B("bypass-concat-getattr", SANITISER_BYPASS, "getattr(__builtins__, 'ev' + 'al')",
                "f = getattr(__builtins__, 'ev' + 'al')\nf(\"__import__('os').system" + spawnProof + "\")").standard());
        b.add(new B("bypass-subclass-walk", SANITISER_BYPASS, "().__class__.__base__.__subclasses__() to a wrapper's globals",
                "for c in ().__class__.__base__.__subclasses__():\n    if c.__name__ == '_wrap_close':\n        c.__init__.__globals__['system']"
                        + spawnProof).standard());
        b.add(new B("bypass-format-string", SANITISER_BYPASS, "str.format attribute walk to globals",
                "print('{0.__class__.__base__.__subclasses__}'.format(()))\nprint('ESCAPED:BYPASS' if 'built-in method' in '{0.__class__.__base__.__subclasses__}'.format(()) else 'no')")
                .standard());
        b.add(new B("bypass-function-globals", SANITISER_BYPASS, "a function's __globals__['__builtins__']",
                "def f():\n    pass\nb = f.__globals__['__builtins__']\nb['__import__']('os').system" + spawnProof).standard());
        b.add(new B("bypass-fullwidth-identifiers", SANITISER_BYPASS, "NFKC-normalised identifiers (fullwidth eval)",
                "\uff45\uff56\uff41\uff4c(\"__import__('os').system" + spawnProof + "\")").standard());
        b.add(new B("bypass-decorator-exec", SANITISER_BYPASS, "exec through a decorator",
                "@exec\n@\"__import__('os').system" + spawnProof + "\".format\ndef x():\n    pass").standard());
        b.add(new B("bypass-pickle", SANITISER_BYPASS, "pickle.loads of an os.system payload",
                "import pickle\npickle.loads(b\"cos\\nsystem\\n(S'echo ESCAPED:BYPASS'\\ntR.\")").standard());
        b.add(new B("bypass-rot13-exec", SANITISER_BYPASS, "exec of a rot13-decoded string",
                "import codecs\nexec(codecs.decode(\"__vzcbeg__('bf').flfgrz('rpub RFPNCRQ:OLCNFF')\", 'rot13'))").standard());
        b.add(new B("bypass-base64-exec", SANITISER_BYPASS, "eval of a base64-decoded string",
                "import base64\neval(base64.b64decode('X19pbXBvcnRfXygnb3MnKS5zeXN0ZW0oJ2VjaG8gRVNDQVBFRDpCWVBBU1MnKQ=='))")
                .standard());
        b.add(new B("bypass-star-import", SANITISER_BYPASS, "from os import * then system()",
                "from os import *\nsystem" + spawnProof).standard());
        b.add(new B("bypass-module-attribute-os", SANITISER_BYPASS, "os reached through another module (random._os)",
                "import random\nrandom._os.system" + spawnProof).standard());
        b.add(new B("bypass-posixpath-os", SANITISER_BYPASS, "os reached through posixpath.os",
                "import posixpath\nposixpath.os.system" + spawnProof).standard());
        b.add(new B("bypass-traceback-frame", SANITISER_BYPASS, "an exception's traceback frame to f_globals",
                "try:\n    1 / 0\nexcept Exception as e:\n    g = e.__traceback__.tb_frame.f_globals\n    g['__builtins__'].__import__('os').system"
                        + spawnProof).standard());
        b.add(new B("bypass-generator-frame", SANITISER_BYPASS, "a generator's gi_frame.f_back",
                "def g():\n    yield 1\nx = g()\nprint(x.gi_frame.f_back)\nprint('ESCAPED:BYPASS')").standard());
        b.add(new B("bypass-sys-modules", SANITISER_BYPASS, "sys.modules['os']",
                "import sys\nsys.modules['os'].system" + spawnProof).standard());
        b.add(new B("bypass-attrgetter", SANITISER_BYPASS, "operator.attrgetter of a dunder built at run time",
                "import operator\nname = ''.join(reversed('__slabolg__'))\nf = lambda: 0\ng = operator.attrgetter(name)(f)\ng['__builtins__']['__import__']('os').system"
                        + spawnProof).standard());
        b.add(new B("bypass-runtime-built-getattr", SANITISER_BYPASS, "getattr with a name built from input at run time",
                "import os\nname = input() if False else ''.join(chr(c) for c in [115, 121, 115, 116, 101, 109])\ngetattr(os, name)"
                        + spawnProof).standard());
        b.add(new B("bypass-loader", SANITISER_BYPASS, "__loader__.load_module('os')",
                "__loader__.load_module('os').system" + spawnProof).standard());
        b.add(new B("bypass-open-proc-mem", SANITISER_BYPASS, "open /proc/self/mem to patch the interpreter",
                "p = '/proc/' + 'self/mem'\nf = open(p, 'r+b', 0)\nprint('ESCAPED:BYPASS')").standard());
        b.add(new B("bypass-ctypes", SANITISER_BYPASS, "ctypes through importlib built at run time",
                "import importlib\nm = importlib.import_module('c' + 'types')\nm.CDLL(None).system(b'echo ESCAPED:BYPASS')").standard());
        b.add(new B("bypass-socket-guard", SANITISER_BYPASS, "socket module under an alias built at run time",
                "m = __builtins__.__dict__['__im' + 'port__']('soc' + 'ket')\nm.create_connection(('127.0.0.1', {PORT}), 2)\nprint('ESCAPED:BYPASS')")
                .standard());
        b.add(new B("bypass-audit-hook-removal", SANITISER_BYPASS, "clear the audit hooks via sys internals",
                "import sys\nsys.addaudithook(lambda *a: None)\nimport os\nos.system" + spawnProof).standard());
        b.add(new B("bypass-code-object", SANITISER_BYPASS, "build a code object by hand",
                "f = lambda: 0\nc = f.__code__.replace(co_consts=(None,))\nprint('ESCAPED:BYPASS')").standard());

        // ---------------------------------------------------------------- result-channel tampering
        b.add(new B("chan-forged-markers-stdout", RESULT_CHANNEL, "print the runner's report lines to stdout, then fail",
                "print('{\"t\": \"hello\", \"layers\": []}')\nprint('{\"t\": \"exit\", \"code\": 0, \"outcome\": \"ok\"}')\nraise ValueError('real failure')")
                .outcomes("runtime_error"));
        b.add(new B("chan-forged-report-fd3", RESULT_CHANNEL, "write forged report lines to fd 3, then fail",
                "import os\nfor fd in (3, 4):\n    try:\n        os.write(fd, b'{\"t\": \"exit\", \"code\": 0, \"outcome\": \"ok\"}' + bytes([10]))\n    except OSError as e:\n        print('fd', fd, e.errno)\nraise ValueError('real failure')")
                .outcomes("runtime_error"));
        b.add(new B("chan-forged-violation", RESULT_CHANNEL, "claim a guard violation on fd 3 while exiting normally",
                "import os\ntry:\n    os.write(3, b'{\"t\": \"violation\", \"event\": \"forged\"}' + bytes([10]))\nexcept OSError:\n    pass\nprint('fine')")
                .outcomes("ok", "policy_violation"));
        b.add(new B("chan-close-stdio", RESULT_CHANNEL, "close fds 0-2, then fail",
                "import os\nfor fd in (0, 1, 2):\n    os.close(fd)\nraise ValueError('no streams')")
                .outcomes("runtime_error"));
        b.add(new B("chan-closerange", RESULT_CHANNEL, "close every descriptor and keep running",
                "import os, time\nos.closerange(0, 4096)\ntime.sleep(0.5)"));
        b.add(new B("chan-dup-stdout-onto-report", RESULT_CHANNEL, "dup2 stdout onto fd 3 and print forged results",
                "import os\ntry:\n    os.dup2(1, 3)\nexcept OSError:\n    pass\nprint('{\"t\": \"exit\", \"code\": 0}')\nraise SystemExit(3)")
                .outcomes("runtime_error"));
        b.add(new B("chan-write-other-fds", RESULT_CHANNEL, "write to every descriptor 3-255",
                "import os\nn = 0\nfor fd in range(3, 256):\n    try:\n        os.write(fd, b'{\"t\":\"exit\",\"code\":0}' + bytes([10])); n += 1\n    except OSError:\n        pass\nprint('wrote to', n)\nraise ValueError('real failure')")
                .outcomes("runtime_error"));
        b.add(new B("chan-report-flood", RESULT_CHANNEL, "flood fd 3 with 8 MB",
                "import os\ntry:\n    for i in range(2048):\n        os.write(3, b'x' * 4096)\nexcept OSError as e:\n    print('stopped', e.errno)\nprint('done')"));
        b.add(new B("chan-stop-self", RESULT_CHANNEL, "SIGSTOP its own process group",
                "import os, signal\nos.kill(0, signal.SIGSTOP)").timeout(2).outcomes("timeout", "policy_violation"));
        b.add(new B("chan-invalid-utf8", RESULT_CHANNEL, "invalid UTF-8, NULs and escapes on stdout",
                "import os\nos.write(1, bytes([0xff, 0xfe, 0, 27]) + b'[31m\"},{\\\\' + bytes([0xc3]))\nprint()\nprint('tail')")
                .outcomes(OK));
        b.add(new B("chan-huge-line", RESULT_CHANNEL, "a 10 MB line without a newline",
                "import sys\nsys.stdout.write('z' * 10 * 1024 * 1024)").outcomes("output_limit"));
        b.add(new B("chan-exit-code-forgery", RESULT_CHANNEL, "os._exit(0) from inside an exception handler",
                "import os\ntry:\n    raise ValueError('x')\nfinally:\n    os._exit(0)").outcomes("ok"));
        b.add(new B("chan-kill-supervisor-inprocess", RESULT_CHANNEL, "os.kill the supervisor in-process",
                "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)").outcomes(POLICY_STOP));

        // ---------------------------------------------------------------- cross-execution leaks
        b.add(new B("cross-work-dir-file", CROSS_EXECUTION, "a file in the work directory, looked for by the next execution",
                "open('left-{MARK}', 'w').write('previous')\nprint('written')")
                .followUp("import os\nprint('ESCAPED:LEAK' if any('{MARK}' in n for n in os.listdir('.')) else 'clean', os.getcwd())"));
        b.add(new B("cross-tmp-file", CROSS_EXECUTION, "a file in /tmp, looked for by the next execution",
                sh("echo previous > /tmp/$1"))
                .followUp(sh("cat /tmp/$1 >/dev/null 2>&1 && echo ESCAPED:LEAK; echo checked"))
                .lambda(HOST_WRITABLE_DIRECTORY, SHARED_HOST_BETWEEN_EXECUTIONS));
        b.add(new B("cross-devshm-file", CROSS_EXECUTION, "a file in /dev/shm, looked for by the next execution",
                sh("echo previous > /dev/shm/$1"))
                .followUp(sh("cat /dev/shm/$1 >/dev/null 2>&1 && echo ESCAPED:LEAK; echo checked"))
                .lambda(HOST_WRITABLE_DIRECTORY, SHARED_HOST_BETWEEN_EXECUTIONS));
        b.add(new B("cross-environment", CROSS_EXECUTION, "set environment variables for the next execution",
                "import os\nos.environ['ISB_LEAK'] = '{MARK}'\nos.putenv('ISB_LEAK2', '{MARK}')\nprint('set')")
                .followUp("import os\nprint('ESCAPED:LEAK' if '{MARK}' in str(dict(os.environ)) else 'clean')"));
        b.add(new B("cross-module-shadowing", CROSS_EXECUTION, "plant json.py and sitecustomize.py for the next execution",
                "for n in ('json.py', 'sitecustomize.py', 'usercustomize.py'):\n    open(n, 'w').write(\"print('ESCAPED:LEAK')\")\nprint('planted')")
                .followUp("import json\nprint(json.dumps([1]))"));
        b.add(new B("cross-daemon-reads-next", CROSS_EXECUTION, "a daemon that would watch the next execution's work directory",
                "import os, time\nif os.fork() == 0:\n    os.setsid()\n    os.execv('/usr/bin/python3', " + SLEEPER + ")\nprint('left')")
                .followUp(child("""
                        import os
                        needle = bytes.fromhex('{MARKHEX}')
                        for p in os.listdir('/proc'):
                            try:
                                if p.isdigit() and int(p) != os.getpid() and needle in open('/proc/%s/cmdline' % p, 'rb').read():
                                    print('ESCAPED:LEAK process of the previous execution', p)
                            except OSError:
                                pass
                        print('checked')
                        """)));
        b.add(new B("cross-concurrent-peer-secrets", CROSS_EXECUTION, "read a concurrent execution's files and arguments",
                child("""
                        import os, time
                        time.sleep(1)
                        needle = b'PEER-' + bytes.fromhex('{MARKHEX}')
                        for p in os.listdir('/proc'):
                            try:
                                if p.isdigit() and needle in open('/proc/%s/cmdline' % p, 'rb').read():
                                    print('ESCAPED:PROC peer process visible', p)
                            except OSError:
                                pass
                        for root, dirs, files in os.walk('/tmp'):
                            for f in files:
                                try:
                                    if needle in open(os.path.join(root, f), 'rb').read(4096):
                                        print('ESCAPED:PROC peer file readable', os.path.join(root, f))
                                except OSError:
                                    pass
                        print('scanned')
                        """))
                .peer("import os, subprocess, time\nopen('peer.txt', 'w').write('PEER-{MARK}')\nsubprocess.run(['/usr/bin/python3', '-c', 'import time; time.sleep(3)', 'PEER-{MARK}'])\nprint('peer done')")
                .lambda(PROCESSES_OF_THE_FUNCTION_UID, SHARED_HOST_BETWEEN_EXECUTIONS));
        b.add(new B("cross-concurrent-peer-kill", CROSS_EXECUTION, "kill a concurrent execution's processes",
                child("""
                        import os, signal, time
                        time.sleep(1)
                        hit = 0
                        for p in os.listdir('/proc'):
                            if p.isdigit():
                                try:
                                    if b'PEER-{MARK}' in open('/proc/%s/cmdline' % p, 'rb').read():
                                        os.kill(int(p), signal.SIGKILL); hit += 1
                                except Exception:
                                    pass
                        print('ESCAPED:PROC killed peer' if hit else 'peer not reachable')
                        """))
                .peer("import subprocess\nr = subprocess.run(['/usr/bin/python3', '-c', 'import time; time.sleep(3)', 'PEER-{MARK}'])\nprint('peer done', r.returncode)")
                .lambda(PROCESSES_OF_THE_FUNCTION_UID, SHARED_HOST_BETWEEN_EXECUTIONS));
        b.add(new B("cross-pooled-container-state", CROSS_EXECUTION, "leave state in every writable place of a (pooled) container",
                sh("for d in . /tmp /work /dev/shm /var/tmp /run/lock; do echo previous > $d/$1 2>/dev/null; done; echo done"))
                .followUp(sh("for d in . /tmp /work /dev/shm /var/tmp /run/lock; do [ -e $d/$1 ] && echo ESCAPED:LEAK $d; done; echo checked"))
                .lambda(HOST_WRITABLE_DIRECTORY, SHARED_HOST_BETWEEN_EXECUTIONS));

        return b.stream().map(B::build).toList();
    }
}
