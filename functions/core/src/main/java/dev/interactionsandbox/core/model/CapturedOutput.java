package dev.interactionsandbox.core.model;

/** One output stream of an execution, capped; {@code truncated} says the code wrote more than was kept. */
public record CapturedOutput(String text, boolean truncated) {
    public static final CapturedOutput EMPTY = new CapturedOutput("", false);

    public CapturedOutput {
        text = text == null ? "" : text;
    }
}
