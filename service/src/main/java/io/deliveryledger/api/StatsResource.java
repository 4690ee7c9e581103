package io.deliveryledger.api;

import io.deliveryledger.analytics.DeliveryStatistics;
import io.deliveryledger.analytics.DeliveryStatistics.Breakdown;
import io.deliveryledger.analytics.DeliveryStatistics.Latency;
import io.deliveryledger.analytics.DeliveryStatistics.Summary;
import io.deliveryledger.analytics.DeliveryStatistics.TimeSeries;
import io.deliveryledger.analytics.Dimension;
import io.deliveryledger.analytics.InvalidParameterException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** {@code /api/v1/stats/...}: delivery statistics as JSON. */
@Path("/api/v1/stats")
@Produces(MediaType.APPLICATION_JSON)
public final class StatsResource
{
    private static final int DEFAULT_BREAKDOWN_ROWS = 100;
    private static final int MAX_BREAKDOWN_ROWS = 10_000;

    private final DeliveryStatistics statistics;
    private final Clock clock;

    public StatsResource(DeliveryStatistics statistics, Clock clock)
    {
        this.statistics = requireNonNull(statistics, "statistics is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @GET
    @Path("summary")
    public Summary summary(@Context UriInfo uriInfo)
    {
        return statistics.summary(RequestParameters.of(uriInfo).filter(clock.instant()));
    }

    @GET
    @Path("timeseries")
    public TimeSeries timeSeries(@Context UriInfo uriInfo)
    {
        RequestParameters parameters = RequestParameters.of(uriInfo, "step");
        Optional<Duration> step = parameters.single("step").map(StatsResource::duration);
        return statistics.timeSeries(parameters.filter(clock.instant()), step);
    }

    @GET
    @Path("breakdown")
    public Breakdown breakdown(@Context UriInfo uriInfo)
    {
        RequestParameters parameters = RequestParameters.of(uriInfo, "by", "limit");
        String by = parameters.single("by").orElseThrow(() -> new InvalidParameterException("by", "is required: one of " + String.join(", ", Dimension.BREAKDOWNS)));
        Dimension dimension = Dimension.breakdown("by", by);
        int limit = parameters.integer("limit", DEFAULT_BREAKDOWN_ROWS, 1, MAX_BREAKDOWN_ROWS);
        return statistics.breakdown(parameters.filter(clock.instant()), dimension, limit);
    }

    @GET
    @Path("latency")
    public Latency latency(@Context UriInfo uriInfo)
    {
        return statistics.latency(RequestParameters.of(uriInfo).filter(clock.instant()));
    }

    private static Duration duration(String value)
    {
        try {
            return Duration.parse(value);
        }
        catch (DateTimeParseException e) {
            throw new InvalidParameterException("step", "must be an ISO-8601 duration of at least a minute (PT5M, PT1H, P1D), got '%s'".formatted(InvalidParameterException.shown(value)));
        }
    }
}
