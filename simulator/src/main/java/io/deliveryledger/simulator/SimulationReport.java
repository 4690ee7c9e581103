package io.deliveryledger.simulator;

/**
 * What the traffic did. {@code callbacksSent} counts distinct callbacks sent once or more;
 * {@code callbacksDuplicated} the extra copies (Twilio retries), so the target received
 * {@code callbacksSent + callbacksDuplicated} requests. {@code targetErrors} counts requests the target
 * answered with a non-2xx status or that failed to connect or time out; Twilio does not retry them.
 */
public record SimulationReport(
        long messagesCreated,
        long callbacksSent,
        long callbacksDropped,
        long callbacksDuplicated,
        long callbacksReordered,
        long targetErrors,
        long messagesRegistered,
        long registrationErrors)
{
    public long requestsSent()
    {
        return callbacksSent + callbacksDuplicated;
    }

    public String summaryLine()
    {
        return ("traffic: %d messages, %d callbacks sent, %d dropped, %d duplicated, %d reordered, %d target errors, "
                + "%d registered, %d registration errors")
                .formatted(messagesCreated, callbacksSent, callbacksDropped, callbacksDuplicated, callbacksReordered, targetErrors,
                        messagesRegistered, registrationErrors);
    }
}
