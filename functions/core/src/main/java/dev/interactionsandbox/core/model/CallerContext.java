package dev.interactionsandbox.core.model;

/**
 * Who asked, as far as the channel tells: recorded in the audit log, never trusted for decisions.
 *
 * @param principal IAM principal, Lambda authorizer principalId, Cognito user sub, or API key id; "anonymous" when none
 * @param sourceIp caller address when the channel has one, else null
 * @param channel "api", "direct" (plain invocation, e.g. Step Functions) or "local"
 * @param requestId the channel's request id for correlation, or null
 */
public record CallerContext(String principal, String sourceIp, String channel, String requestId) {
    public static CallerContext direct(String requestId) {
        return new CallerContext("direct-invocation", null, "direct", requestId);
    }
}
