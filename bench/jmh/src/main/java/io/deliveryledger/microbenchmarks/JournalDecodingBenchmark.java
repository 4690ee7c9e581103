package io.deliveryledger.microbenchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.deliveryledger.event.LedgerRecord;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.WebhookParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The batch writer's decoding of a journal record: as the codec wrote and read records before commit
 * 21abe5c (times as ISO-8601 text, Jackson's reflection), the baseline, and as it does now (times as
 * seconds with nine decimals, Blackbird's generated accessors).
 */
@State(Scope.Benchmark)
public class JournalDecodingBenchmark
{
    private final LedgerRecordCodec codec = new LedgerRecordCodec();
    private ObjectReader earlierReader;
    private byte[] earlierRecord;
    private byte[] record;

    @Setup
    public void setUp()
            throws IOException
    {
        LedgerRecord event = ((ParsedWebhook.Accepted) new WebhookParser()
                .parseStatusCallback(Callbacks.DELIVERED, Map.of("campaign", "spring"), Instant.parse("2026-12-01T12:00:00.123456Z"), Optional.of("a1b2c3-000000000001")))
                .event();
        // LedgerRecordCodec's configuration before 21abe5c.
        ObjectMapper earlier = new ObjectMapper(JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build())
                .registerModule(new Jdk8Module())
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        earlierReader = earlier.readerFor(LedgerRecord.class);
        earlierRecord = earlier.writerFor(LedgerRecord.class).writeValueAsBytes(event);
        record = codec.encode(event);
    }

    @Benchmark
    public LedgerRecord isoTextWithReflection()
            throws IOException
    {
        return earlierReader.readValue(earlierRecord);
    }

    @Benchmark
    public LedgerRecord codec()
            throws IOException
    {
        return codec.decode(record);
    }
}
