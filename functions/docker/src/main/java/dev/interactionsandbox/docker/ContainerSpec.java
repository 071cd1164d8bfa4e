package dev.interactionsandbox.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ulimit;
import dev.interactionsandbox.core.model.Limits;

import java.util.List;
import java.util.Map;

/**
 * The container-level part of a job's limits, and the one place that says how a sandbox container is hardened.
 * Two jobs with equal specs can use the same kind of container: the warm pool holds containers of the spec of the
 * default limits. Job-level limits (timeout, output, file size below the tmpfs) travel in the job document.
 *
 * @param memoryBytes cgroup memory limit; swap is the same value (no swap)
 * @param nanoCpus CPU quota in billionths of a CPU
 * @param pidsLimit the job's process bound plus the supervisor's own processes
 * @param nofile descriptors for the whole container (the runner lowers the user process to the job's value)
 * @param fsizeBytes largest file any process may write (the runner lowers the user process to the job's value)
 * @param tmpfsBytes size of /work and /tmp
 */
record ContainerSpec(long memoryBytes, long nanoCpus, long pidsLimit, long nofile, long fsizeBytes, long tmpfsBytes) {
    /** The sandbox user of the image (uid and gid). */
    static final String USER = "10001:10001";
    static final String WORK_DIR = "/work";
    /** docker-init, the runner's supervisor, its restricted child's setup and one spare. */
    static final int SUPERVISOR_PIDS = 4;
    /** Descriptors the supervisor needs besides the user process's own. */
    private static final int SUPERVISOR_FILES = 64;
    private static final long MIB = 1024L * 1024;

    static ContainerSpec of(Limits limits, DockerSettings settings) {
        long tmpfs = Math.max(settings.workTmpfsBytes(), limits.maxFileBytes());
        return new ContainerSpec(limits.memoryMb() * MIB, Math.round(limits.cpus() * 1e9),
                limits.maxProcesses() + SUPERVISOR_PIDS, Math.max(1024, limits.maxOpenFiles() + SUPERVISOR_FILES),
                tmpfs, tmpfs);
    }

    /**
     * Applies the hardening to a create command. Capabilities: none are added back; the runner needs none as uid
     * 10001 (seccomp filters and rlimits can be installed unprivileged once no-new-privileges is set).
     */
    CreateContainerCmd apply(CreateContainerCmd cmd, Map<String, String> labels) {
        String tmpfsOptions = "rw,nosuid,nodev,noexec,size=" + tmpfsBytes + ",uid=10001,gid=10001,mode=0700";
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode("none")
                .withReadonlyRootfs(true)
                .withTmpFs(Map.of(WORK_DIR, tmpfsOptions, "/tmp", tmpfsOptions))
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withPidsLimit(pidsLimit)
                .withMemory(memoryBytes)
                .withMemorySwap(memoryBytes)
                .withMemorySwappiness(0L)
                .withNanoCPUs(nanoCpus)
                .withUlimits(List.of(new Ulimit("nofile", nofile, nofile), new Ulimit("fsize", fsizeBytes, fsizeBytes),
                        new Ulimit("core", 0L, 0L)))
                .withInit(true)
                .withIpcMode("private")
                .withAutoRemove(false);   // the exit state (OOM) is read before the container is removed
        return cmd.withUser(USER)
                .withWorkingDir(WORK_DIR)
                .withHostName("sandbox")
                .withEnv(List.of("LANG=C.UTF-8", "HOME=" + WORK_DIR))
                .withLabels(labels)
                .withNetworkDisabled(true)
                .withTty(false)
                .withStdinOpen(true)
                .withStdInOnce(true)
                .withAttachStdin(true)
                .withAttachStdout(true)
                .withAttachStderr(true)
                .withHostConfig(host);
    }

    /** The layers {@link #apply} sets, as result isolation names. */
    static List<String> layers() {
        return List.of("container", "single-use-container", "network:none", "read-only-root", "tmpfs-work:noexec",
                "cap-drop:ALL", "no-new-privileges", "pids-limit", "memory-cgroup", "no-swap", "cpu-quota",
                "container-ulimits", "non-root", "init", "no-host-mounts");
    }
}
