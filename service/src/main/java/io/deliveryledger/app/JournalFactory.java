package io.deliveryledger.app;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalSettings;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDataSize;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The local journal that makes an accepted webhook durable before the answer. */
public final class JournalFactory
{
    @NotEmpty
    private String directory = ".data/journal";

    @NotNull
    @MinDataSize(value = 1, unit = io.dropwizard.util.DataSizeUnit.KIBIBYTES)
    private DataSize segmentSize = DataSize.mebibytes(64);

    /** Unconfirmed records beyond this are refused with 503 and Retry-After. */
    @NotNull
    @MinDataSize(value = 1, unit = io.dropwizard.util.DataSizeUnit.KIBIBYTES)
    private DataSize maxSize = DataSize.gibibytes(2);

    @NotNull
    @MaxDuration(value = 100, unit = TimeUnit.MILLISECONDS)
    private Duration groupCommitWindow = Duration.milliseconds(0);

    /** How long a request waits for its fsync; Twilio gives up after 15 s. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration appendTimeout = Duration.seconds(10);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration retryAfter = Duration.seconds(30);

    /** The disk health check fails below this much free space where the journal lives. */
    @NotNull
    private DataSize minFreeSpace = DataSize.mebibytes(512);

    @JsonProperty
    public String getDirectory()
    {
        return directory;
    }

    @JsonProperty
    public void setDirectory(String directory)
    {
        this.directory = directory;
    }

    @JsonProperty
    public void setSegmentSize(DataSize segmentSize)
    {
        this.segmentSize = segmentSize;
    }

    @JsonProperty
    public void setMaxSize(DataSize maxSize)
    {
        this.maxSize = maxSize;
    }

    @JsonProperty
    public void setGroupCommitWindow(Duration groupCommitWindow)
    {
        this.groupCommitWindow = groupCommitWindow;
    }

    @JsonProperty
    public void setAppendTimeout(Duration appendTimeout)
    {
        this.appendTimeout = appendTimeout;
    }

    public java.time.Duration appendTimeout()
    {
        return appendTimeout.toJavaDuration();
    }

    @JsonProperty
    public void setRetryAfter(Duration retryAfter)
    {
        this.retryAfter = retryAfter;
    }

    public java.time.Duration retryAfter()
    {
        return retryAfter.toJavaDuration();
    }

    @JsonProperty
    public void setMinFreeSpace(DataSize minFreeSpace)
    {
        this.minFreeSpace = minFreeSpace;
    }

    public long minFreeSpaceBytes()
    {
        return minFreeSpace.toBytes();
    }

    public Journal open(MetricRegistry metrics)
            throws IOException
    {
        return open(Path.of(directory), metrics);
    }

    /** The server's journal and the commands' journals beside it, those that exist: all that a volume holds. */
    public List<Path> existingJournals()
            throws IOException
    {
        Path serverJournal = Path.of(directory).toAbsolutePath();
        List<Path> journals = new ArrayList<>();
        if (Files.isDirectory(serverJournal)) {
            journals.add(serverJournal);
        }
        Path parent = serverJournal.getParent();
        if (parent != null && Files.isDirectory(parent)) {
            try (Stream<Path> siblings = Files.list(parent)) {
                siblings.filter(Files::isDirectory)
                        .filter(sibling -> sibling.getFileName().toString().startsWith(serverJournal.getFileName() + "-"))
                        .sorted()
                        .forEach(journals::add);
            }
        }
        return journals;
    }

    /** Opens the journal in {@code journalDirectory}, with this configuration's segment and size settings. */
    public Journal open(Path journalDirectory, MetricRegistry metrics)
            throws IOException
    {
        return Journal.open(new JournalSettings(journalDirectory, segmentSize.toBytes(), maxSize.toBytes(), groupCommitWindow.toJavaDuration()), metrics);
    }

    /**
     * A command's own journal beside the server's ({@code .data/journal-backfill}), so that it runs
     * while the server holds its journal, and an interrupted run's records are sent by the next one.
     */
    public Journal openForCommand(String command, MetricRegistry metrics)
            throws IOException
    {
        Path serverJournal = Path.of(directory).toAbsolutePath();
        return open(serverJournal.resolveSibling(serverJournal.getFileName() + "-" + command), metrics);
    }
}
