package io.deliveryledger.reconcile;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

import static java.util.Objects.requireNonNull;

/** The half-open interval [{@code from}, {@code to}) of send times that discovery lists from Twilio. */
public record TimeWindow(Instant from, Instant to)
{
    public TimeWindow
    {
        requireNonNull(from, "from is null");
        requireNonNull(to, "to is null");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("'from' (" + from + ") must be before 'to' (" + to + ")");
        }
    }

    /**
     * Reads an instant ({@code 2026-11-26T08:00:00Z}) or a date, meaning its start in UTC ({@code 2026-11-26}).
     *
     * @throws IllegalArgumentException naming {@code parameter}
     */
    public static Instant parseInstant(String parameter, String value)
    {
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
        }
        catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + parameter + "' must be an ISO-8601 instant (2026-11-26T08:00:00Z) or date (2026-11-26), got '" + value + "'");
        }
    }
}
