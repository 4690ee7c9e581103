package io.deliveryledger.microbenchmarks;

import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.WebhookParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What the intake does with a signed callback before the journal: validation and parsing into a status
 * event (with its event id, a SHA-256 of its parameters). The journal record's encoding:
 * {@link JournalEncodingBenchmark}; the batch writer's decoding of it: {@link JournalDecodingBenchmark}.
 */
@State(Scope.Benchmark)
public class RecordBenchmark
{
    private static final Map<String, String> TAGS = Map.of("campaign", "spring");
    private static final Instant RECEIVED_AT = Instant.parse("2026-12-01T12:00:00Z");

    private final WebhookParser parser = new WebhookParser();

    @Benchmark
    public ParsedWebhook parse()
    {
        return parser.parseStatusCallback(Callbacks.DELIVERED, TAGS, RECEIVED_AT, Optional.of("a1b2c3-000000000001"));
    }
}
