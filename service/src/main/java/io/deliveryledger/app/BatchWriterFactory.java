package io.deliveryledger.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.sink.BatchPolicy;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.util.concurrent.TimeUnit;

/**
 * Batch limits in the spirit of ClickHouse's advice (thousands of rows per insert, about one insert a
 * second under load): a batch goes when it has {@code maxRows} rows or {@code maxBytes}, or {@code maxAge}
 * after the previous one went, with what arrived meanwhile.
 */
public final class BatchWriterFactory
{
    @Min(1)
    @Max(1_000_000)
    private int maxRows = 20_000;

    @NotNull
    private DataSize maxBytes = DataSize.mebibytes(32);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration maxAge = Duration.seconds(1);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration initialBackoff = Duration.milliseconds(500);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration maxBackoff = Duration.seconds(30);

    /**
     * Exact copies of an event are recognised if they arrive within this time of the original; 0 turns
     * the lookup off (copies are stored, and still counted once: every count is of distinct event ids).
     */
    @NotNull
    @MinDuration(value = 0, unit = TimeUnit.SECONDS)
    private Duration duplicateWindow = Duration.hours(1);

    /**
     * How long the duplicate lookup or the insert of a batch's events waits for ClickHouse's answer. The
     * client has no limit of its own, so a server that never answers, or a connection a network failure
     * left half-open, would hold the writer for good; after this the batch is sent again, and its
     * deduplication token keeps an insert that did complete from being stored twice.
     */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration requestTimeout = Duration.minutes(2);

    @JsonProperty
    public void setRequestTimeout(Duration requestTimeout)
    {
        this.requestTimeout = requestTimeout;
    }

    @JsonProperty
    public void setDuplicateWindow(Duration duplicateWindow)
    {
        this.duplicateWindow = duplicateWindow;
    }

    @JsonProperty
    public void setMaxRows(int maxRows)
    {
        this.maxRows = maxRows;
    }

    @JsonProperty
    public void setMaxBytes(DataSize maxBytes)
    {
        this.maxBytes = maxBytes;
    }

    @JsonProperty
    public void setMaxAge(Duration maxAge)
    {
        this.maxAge = maxAge;
    }

    @JsonProperty
    public void setInitialBackoff(Duration initialBackoff)
    {
        this.initialBackoff = initialBackoff;
    }

    @JsonProperty
    public void setMaxBackoff(Duration maxBackoff)
    {
        this.maxBackoff = maxBackoff;
    }

    public BatchPolicy policy()
    {
        return new BatchPolicy(maxRows, maxBytes.toBytes(), maxAge.toJavaDuration(), initialBackoff.toJavaDuration(), maxBackoff.toJavaDuration(), duplicateWindow.toJavaDuration(), requestTimeout.toJavaDuration());
    }
}
