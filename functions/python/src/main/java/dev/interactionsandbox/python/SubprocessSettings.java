package dev.interactionsandbox.python;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How the subprocess path runs on this host.
 *
 * @param python the interpreter user code runs under
 * @param workRoot where private work directories are created (and wiped)
 * @param disabledLayers layers to switch off ("namespaces", "seccomp", "uid"): to imitate a Lambda-like host
 * @param uidBase first uid of the range the runner gives executions when it runs as root
 * @param uidCount size of that range (bounds concurrent executions per host)
 * @param grace how long past the execution's own deadline the runner may take before it is killed
 */
public record SubprocessSettings(Path python, Path workRoot, Set<String> disabledLayers, int uidBase, int uidCount,
                                 Duration grace) {
    public SubprocessSettings {
        disabledLayers = Set.copyOf(disabledLayers);
    }

    public SubprocessSettings withWorkRoot(Path value) {
        return new SubprocessSettings(python, value, disabledLayers, uidBase, uidCount, grace);
    }
}
