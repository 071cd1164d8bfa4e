package dev.interactionsandbox.local.adversarial;

import java.util.EnumSet;
import java.util.Set;

/**
 * One attack of the corpus, as data. The code is Python with placeholders the runner fills in per path
 * ({@code {MARK}} and its hex form {@code {MARKHEX}}, {@code {SECRET}}, {@code {WDIR}}, {@code {JVM}},
 * {@code {VICTIM}} and {@code {VICTIMTAG}}, {@code {PORT}}, {@code {PORT2}}, {@code {UDP}}, {@code {GATEWAY}},
 * {@code {UNIX}}, {@code {ABSTRACT}}, {@code {HOME}} (the handler user's home directory), {@code {OWNFILE}} (a root-only file of this attack)). An attack announces
 * what it achieved by printing a token ({@code ESCAPED:FILE}, {@code ESCAPED:NET}, {@code ESCAPED:SOCK},
 * {@code ESCAPED:WRITE}, {@code ESCAPED:PROC}, {@code ESCAPED:PRIV}, {@code ESCAPED:LEAK}, {@code ESCAPED:BYPASS})
 * or the canary it read; the runner also watches the host side (listeners, planted files, victim process,
 * processes carrying the mark, the next execution).
 *
 * @param id          stable identifier
 * @param category    corpus category
 * @param description what the attack tries
 * @param code        the attack
 * @param policy      {@code permissive} for runtime-isolation attacks, {@code standard} for sanitiser bypasses
 * @param timeoutSeconds the execution's timeout
 * @param outcomes    the outcomes that count as contained (empty: any structured outcome)
 * @param followUp    code run as the next execution on the same path (cross-execution leaks), or null
 * @param peer        code run concurrently on the same path (cross-execution leaks), or null
 * @param lambdaLike  what a Lambda-like host (one uid, no namespaces, no seccomp) is documented to expose to it
 */
public record Attack(String id, Category category, String description, String code, String policy,
                     int timeoutSeconds, Set<String> outcomes, String followUp, String peer,
                     Set<Exposure> lambdaLike) {

    public enum Category {
        HOST_SECRETS("host secrets"),
        WRITES_OUTSIDE("writes outside the work directory"),
        NETWORK_EGRESS("network egress"),
        PROCESS_ESCAPE("process escape and survival"),
        OTHER_PROCESSES("signalling or reading other processes"),
        PRIVILEGE("privilege changes"),
        RESOURCES("resource exhaustion"),
        SANITISER_BYPASS("sanitiser and runtime-guard bypasses"),
        RESULT_CHANNEL("result-channel tampering"),
        CROSS_EXECUTION("cross-execution leaks");

        public final String title;

        Category(String title) {
            this.title = title;
        }
    }

    /**
     * What an attack reached. The first group is what a Lambda-like host exposes by design (README, "Lambda is a
     * hostile host"; docs/security.md); the second group is never acceptable on any path.
     */
    public enum Exposure {
        HANDLER_ENVIRONMENT(true), FILES_OF_THE_FUNCTION_UID(true), HOST_SOCKETS_OF_THE_FUNCTION_UID(true),
        HOST_WRITABLE_DIRECTORY(true), RUNTIME_API_ADDRESS(true), PROCESSES_OF_THE_FUNCTION_UID(true),
        FUNCTION_UID_PRIVILEGES(true), SHARED_HOST_BETWEEN_EXECUTIONS(true),
        SANITISER_AND_GUARD_BYPASSED(false), PROCESS_SURVIVED(false), NEXT_EXECUTION_AFFECTED(false),
        UNSTRUCTURED_RESULT(false), UNEXPECTED_OUTCOME(false), STORED_RESULT_DIFFERS(false);

        public final boolean documentedForLambda;

        Exposure(boolean documentedForLambda) {
            this.documentedForLambda = documentedForLambda;
        }
    }

    public Attack {
        outcomes = Set.copyOf(outcomes);
        lambdaLike = lambdaLike.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(lambdaLike));
    }
}
