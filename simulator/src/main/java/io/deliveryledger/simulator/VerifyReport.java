package io.deliveryledger.simulator;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The truth file compared with ClickHouse's {@code message_status}. {@code mismatches} lists every
 * missing or wrong message ({@code missing SM…}, {@code wrong SM…: expected delivered got sent}); a
 * wrong error code counts as a wrong status.
 */
public record VerifyReport(int messages, int match, int missing, int wrongStatus, List<String> mismatches)
{
    public VerifyReport
    {
        mismatches = List.copyOf(requireNonNull(mismatches, "mismatches is null"));
    }

    public boolean allMatch()
    {
        return match == messages;
    }

    public String summaryLine()
    {
        return "verify: %d messages, %d match, %d missing, %d wrong status".formatted(messages, match, missing, wrongStatus);
    }
}
