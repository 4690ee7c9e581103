package io.deliveryledger.health;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck.Result;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalFullException;
import io.deliveryledger.journal.JournalSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class JournalWriterHealthCheckTest
{
    @TempDir
    Path directory;

    @Test
    void healthyWhileTheJournalWritesEvenWhenFullAndUnhealthyOnceItIsClosed()
            throws Exception
    {
        Journal journal = Journal.open(new JournalSettings(directory, 1024, 1024, Duration.ZERO), new MetricRegistry());
        JournalWriterHealthCheck check = new JournalWriterHealthCheck(journal);
        assertThat(check.execute().isHealthy()).isTrue();

        journal.append(new byte[900]).get();
        assertThatThrownBy(() -> journal.append(new byte[900])).isInstanceOf(JournalFullException.class);
        assertThat(check.execute().isHealthy()).as("a full journal answers 503s: alive all the same").isTrue();

        journal.close();
        Result closed = check.execute();
        assertThat(closed.isHealthy()).isFalse();
        assertThat(closed.getMessage()).isEqualTo("Callbacks cannot be journaled: the journal is closed");
    }
}
