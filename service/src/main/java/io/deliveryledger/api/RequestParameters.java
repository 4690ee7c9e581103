package io.deliveryledger.api;

import io.deliveryledger.analytics.AnalyticsFilter;
import io.deliveryledger.analytics.InvalidParameterException;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The query parameters of an API request: each used at most once unless it may repeat ({@code tag}),
 * and none that the endpoint does not know, so a misspelt filter is an error rather than ignored.
 */
final class RequestParameters
{
    static final List<String> FILTERS = List.of("from", "to", "accountSid", "messagingServiceSid", "country", "channel", "tag");

    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("2106-01-01T00:00:00Z");

    private final MultivaluedMap<String, String> parameters;

    private RequestParameters(MultivaluedMap<String, String> parameters)
    {
        this.parameters = requireNonNull(parameters, "parameters is null");
    }

    /** @param extra the endpoint's parameters besides the filters */
    static RequestParameters of(UriInfo uriInfo, String... extra)
    {
        MultivaluedMap<String, String> parameters = uriInfo.getQueryParameters();
        Set<String> allowed = new TreeSet<>(FILTERS);
        allowed.addAll(List.of(extra));
        for (String name : parameters.keySet()) {
            if (!allowed.contains(name)) {
                throw new InvalidParameterException(name, "is not known here; allowed: " + String.join(", ", Stream.concat(FILTERS.stream(), Stream.of(extra)).toList()));
            }
        }
        return new RequestParameters(parameters);
    }

    Optional<String> single(String name)
    {
        List<String> values = parameters.getOrDefault(name, List.of());
        if (values.size() > 1) {
            throw new InvalidParameterException(name, "may be given once, got %d values".formatted(values.size()));
        }
        return values.stream().findFirst();
    }

    AnalyticsFilter filter(Instant now)
    {
        AnalyticsFilter filter = AnalyticsFilter.parse(
                single("from"),
                single("to"),
                single("accountSid"),
                single("messagingServiceSid"),
                single("country"),
                single("channel"),
                parameters.getOrDefault("tag", List.of()),
                now);
        // 'to' first: a missing 'from' is computed from it, and the caller should hear of the one it gave.
        checkRange("to", filter.to());
        checkRange("from", filter.from());
        return filter;
    }

    /** ClickHouse would refuse (or, for some types, wrap) a time it cannot hold; the caller learns which parameter is out of range. */
    private static void checkRange(String name, Instant time)
    {
        if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
            String defaulted = name.equals("from") ? " (7 days before 'to' when not given)" : "";
            throw new InvalidParameterException(name, "must lie from %s to %s, the times ClickHouse's DateTime holds%s, got %s".formatted(EARLIEST, LATEST, defaulted, time));
        }
    }

    int integer(String name, int defaultValue, int minimum, int maximum)
    {
        Optional<String> value = single(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        if (value.get().matches("[0-9]{1,9}")) {
            int number = Integer.parseInt(value.get());
            if (number >= minimum && number <= maximum) {
                return number;
            }
        }
        throw new InvalidParameterException(name, "must be a whole number from %d to %d, got '%s'".formatted(minimum, maximum, value.get()));
    }
}
