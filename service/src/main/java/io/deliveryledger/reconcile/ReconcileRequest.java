package io.deliveryledger.reconcile;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One run's orders: fetch the stale messages (with {@code staleAfter} instead of the configured
 * thresholds when present), and list {@code discoveryWindow} from Twilio when present.
 */
public record ReconcileRequest(Trigger trigger, Optional<Duration> staleAfter, Optional<TimeWindow> discoveryWindow)
{
    public ReconcileRequest
    {
        requireNonNull(trigger, "trigger is null");
        requireNonNull(staleAfter, "staleAfter is null");
        requireNonNull(discoveryWindow, "discoveryWindow is null");
        staleAfter.ifPresent(duration -> {
            if (duration.isNegative()) {
                throw new IllegalArgumentException("'staleAfter' must not be negative, got " + duration);
            }
        });
    }

    /**
     * Reads a stale threshold given for one run, such as {@code PT12H}.
     *
     * @param label how the caller names it in an error, e.g. {@code --stale-after}
     */
    public static Duration parseStaleAfter(String label, String value)
    {
        try {
            return Duration.parse(value);
        }
        catch (DateTimeParseException e) {
            throw new IllegalArgumentException(label + " must be an ISO-8601 duration such as PT12H, got '" + value + "'");
        }
    }
}
