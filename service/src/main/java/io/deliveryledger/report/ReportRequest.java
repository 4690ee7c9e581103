package io.deliveryledger.report;

import io.deliveryledger.analytics.AnalyticsFilter;
import io.deliveryledger.analytics.Dimension;
import io.deliveryledger.analytics.InvalidParameterException;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A delivery report: the messages of {@code filter}, one row per message when {@code groupBy} is empty,
 * else one row per group with its message counts.
 */
public record ReportRequest(AnalyticsFilter filter, List<Dimension> groupBy, ReportFormat format)
{
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    public ReportRequest
    {
        requireNonNull(filter, "filter is null");
        groupBy = List.copyOf(groupBy);
        requireNonNull(format, "format is null");
    }

    /** Reads {@code groupBy} (comma-separated dimensions, e.g. {@code day,status}) and {@code format} (default csv). */
    public static ReportRequest parse(AnalyticsFilter filter, Optional<String> groupBy, Optional<String> format)
    {
        List<Dimension> dimensions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : groupBy.filter(value -> !value.isEmpty()).map(value -> value.split(",", -1)).orElse(new String[0])) {
            Dimension dimension = Dimension.parse("groupBy", name.strip());
            if (!seen.add(dimension.name())) {
                throw new InvalidParameterException("groupBy", "names '%s' twice".formatted(dimension.name()));
            }
            dimensions.add(dimension);
        }
        return new ReportRequest(filter, dimensions, format.map(value -> ReportFormat.parse("format", value)).orElse(ReportFormat.CSV));
    }

    /** e.g. {@code delivery-report-20261120T000000Z-20261127T000000Z.csv} */
    public String fileName()
    {
        return "delivery-report-%s-%s.%s".formatted(FILE_TIME.format(filter.from()), FILE_TIME.format(filter.to()), format.extension());
    }
}
