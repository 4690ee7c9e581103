package io.deliveryledger.app;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.schema.Retention;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.constraints.NotNull;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code clickhouse.retention} section: how many days ClickHouse keeps each kind of data (see
 * {@link Retention}). Changing a value changes the tables' TTLs at the next start or {@code migrate}.
 */
public final class RetentionFactory
{
    /** About 13 months: a year of history plus the month it began in. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.DAYS)
    private Duration events = Duration.days(395);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.DAYS)
    private Duration rawParameters = Duration.days(90);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.DAYS)
    private Duration rejectedRequests = Duration.days(90);

    @JsonProperty
    public void setEvents(Duration events)
    {
        this.events = events;
    }

    @JsonProperty
    public void setRawParameters(Duration rawParameters)
    {
        this.rawParameters = rawParameters;
    }

    @JsonProperty
    public void setRejectedRequests(Duration rejectedRequests)
    {
        this.rejectedRequests = rejectedRequests;
    }

    @ValidationMethod(message = "clickhouse.retention: every value must be a whole number of days, e.g. 395d")
    @JsonIgnore
    public boolean isWholeDays()
    {
        return List.of(events, rawParameters, rejectedRequests).stream()
                .allMatch(duration -> duration == null || duration.toJavaDuration().equals(java.time.Duration.ofDays(duration.toDays())));
    }

    public Retention build()
    {
        return new Retention(events.toJavaDuration(), rawParameters.toJavaDuration(), rejectedRequests.toJavaDuration());
    }
}
