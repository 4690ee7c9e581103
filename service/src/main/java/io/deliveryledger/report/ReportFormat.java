package io.deliveryledger.report;

import com.clickhouse.data.ClickHouseFormat;
import io.deliveryledger.analytics.InvalidParameterException;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The formats of a delivery report; all but HTML are written by ClickHouse itself. */
public enum ReportFormat
{
    CSV("text/csv; charset=UTF-8", "csv", Optional.of(ClickHouseFormat.CSVWithNames)),
    JSON("application/x-ndjson; charset=UTF-8", "jsonl", Optional.of(ClickHouseFormat.JSONEachRow)),
    PARQUET("application/vnd.apache.parquet", "parquet", Optional.of(ClickHouseFormat.Parquet)),
    HTML("text/html; charset=UTF-8", "html", Optional.empty());

    private final String contentType;
    private final String extension;
    private final Optional<ClickHouseFormat> clickHouseFormat;

    ReportFormat(String contentType, String extension, Optional<ClickHouseFormat> clickHouseFormat)
    {
        this.contentType = contentType;
        this.extension = extension;
        this.clickHouseFormat = clickHouseFormat;
    }

    public String contentType()
    {
        return contentType;
    }

    public String extension()
    {
        return extension;
    }

    /** Empty for formats the service renders itself. */
    public Optional<ClickHouseFormat> clickHouseFormat()
    {
        return clickHouseFormat;
    }

    public static ReportFormat parse(String parameter, String value)
    {
        return Arrays.stream(values())
                .filter(format -> format.name().toLowerCase(Locale.ROOT).equals(value))
                .findFirst()
                .orElseThrow(() -> new InvalidParameterException(parameter, "must be one of %s, got '%s'".formatted(
                        Arrays.stream(values()).map(format -> format.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")),
                        InvalidParameterException.shown(value))));
    }
}
