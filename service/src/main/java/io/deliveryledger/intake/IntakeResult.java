package io.deliveryledger.intake;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/** What the intake decided about a webhook; resources map each case to one HTTP answer. */
public sealed interface IntakeResult
{
    /** Durable in the journal (or an exact duplicate of something that is). */
    record Accepted()
            implements IntakeResult {}

    /** The signature is missing or wrong: nothing is stored. */
    record Forbidden(String message)
            implements IntakeResult
    {
        public Forbidden
        {
            requireNonNull(message, "message is null");
        }
    }

    /** Correctly signed but not a valid webhook: recorded as a rejected request. */
    record Malformed(String message)
            implements IntakeResult
    {
        public Malformed
        {
            requireNonNull(message, "message is null");
        }
    }

    /** The journal can't take it now; the caller may try again after {@code retryAfter}. */
    record Unavailable(String message, Duration retryAfter)
            implements IntakeResult
    {
        public Unavailable
        {
            requireNonNull(message, "message is null");
            requireNonNull(retryAfter, "retryAfter is null");
        }
    }
}
