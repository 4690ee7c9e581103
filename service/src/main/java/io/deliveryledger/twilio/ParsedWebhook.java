package io.deliveryledger.twilio;

import io.deliveryledger.event.StatusEvent;

import static java.util.Objects.requireNonNull;

/** The outcome of parsing a signed webhook: an event to store, or the reason it can't be. */
public sealed interface ParsedWebhook
{
    record Accepted(StatusEvent event)
            implements ParsedWebhook
    {
        public Accepted
        {
            requireNonNull(event, "event is null");
        }
    }

    /** @param message says which parameter is wrong and what was expected; returned to the caller */
    record Rejected(RejectReason reason, String message)
            implements ParsedWebhook
    {
        public Rejected
        {
            requireNonNull(reason, "reason is null");
            requireNonNull(message, "message is null");
        }
    }
}
