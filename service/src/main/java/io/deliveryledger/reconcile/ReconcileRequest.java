package io.deliveryledger.reconcile;

import java.time.Duration;
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
}
