package io.deliveryledger.simulator.traffic;

import static java.util.Objects.requireNonNull;

/**
 * What happens to one status callback on its way: never sent, sent twice with the same idempotency
 * token (a Twilio retry), or held back until the message's next callback has been sent.
 */
public record CallbackFaults(boolean drop, boolean duplicate, boolean reorder, String idempotencyToken)
{
    public CallbackFaults
    {
        requireNonNull(idempotencyToken, "idempotencyToken is null");
        if (drop && (duplicate || reorder)) {
            throw new IllegalArgumentException("A dropped callback is neither duplicated nor reordered");
        }
    }
}
