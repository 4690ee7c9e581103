package io.deliveryledger.microbenchmarks;

import io.deliveryledger.event.LedgerRecord;
import io.deliveryledger.event.LedgerRecordCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The batch writer's decoding of a journal record: a status event as JSON (the baseline: how the
 * journal held them before commit 93614e3, times as seconds with nine decimals), and in the binary
 * format that replaced it. The same codec reads both.
 */
@State(Scope.Benchmark)
public class JournalDecodingBenchmark
{
    private final LedgerRecordCodec codec = new LedgerRecordCodec();
    private byte[] json;
    private byte[] binary;

    @Setup
    public void setUp()
    {
        LedgerRecord event = Callbacks.deliveredEvent();
        json = codec.json(event).getBytes(StandardCharsets.UTF_8);
        binary = codec.encode(event);
    }

    @Benchmark
    public LedgerRecord json()
            throws IOException
    {
        return codec.decode(json);
    }

    @Benchmark
    public LedgerRecord binary()
            throws IOException
    {
        return codec.decode(binary);
    }
}
