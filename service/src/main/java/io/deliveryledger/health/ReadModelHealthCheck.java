package io.deliveryledger.health;

import com.codahale.metrics.health.HealthCheck;
import io.deliveryledger.readmodel.ReadModelApplier;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How far the read model (what the API, reports and dashboards count) is behind the stored events.
 * Unhealthy once it is further behind than {@code maximumLag}: the applier keeps failing.
 */
public final class ReadModelHealthCheck
        extends HealthCheck
{
    private final ReadModelApplier applier;
    private final Duration maximumLag;
    private final Clock clock;

    public ReadModelHealthCheck(ReadModelApplier applier, Duration maximumLag, Clock clock)
    {
        this.applier = requireNonNull(applier, "applier is null");
        this.maximumLag = requireNonNull(maximumLag, "maximumLag is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    protected Result check()
    {
        Optional<Instant> appliedThrough = applier.appliedThrough();
        if (appliedThrough.isEmpty()) {
            return Result.unhealthy("The read model has not been applied since the service started");
        }
        Duration lag = Duration.between(appliedThrough.get(), clock.instant());
        String state = "counts every event stored before %s (%d s ago)".formatted(appliedThrough.get(), lag.toSeconds());
        return lag.compareTo(maximumLag) > 0 ? Result.unhealthy("Read model behind: " + state) : Result.healthy(state);
    }
}
