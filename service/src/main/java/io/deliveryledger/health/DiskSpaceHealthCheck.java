package io.deliveryledger.health;

import com.codahale.metrics.health.HealthCheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/** Free space where the journal lives: without it no callback can be accepted. */
public final class DiskSpaceHealthCheck
        extends HealthCheck
{
    private final Path directory;
    private final long minFreeBytes;

    public DiskSpaceHealthCheck(Path directory, long minFreeBytes)
    {
        this.directory = requireNonNull(directory, "directory is null");
        this.minFreeBytes = minFreeBytes;
    }

    @Override
    protected Result check()
            throws IOException
    {
        long usable = Files.getFileStore(directory).getUsableSpace();
        String state = "%d MiB free at %s (minimum %d MiB)".formatted(usable >> 20, directory, minFreeBytes >> 20);
        return usable < minFreeBytes ? Result.unhealthy(state) : Result.healthy(state);
    }
}
