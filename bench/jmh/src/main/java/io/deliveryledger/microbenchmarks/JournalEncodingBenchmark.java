package io.deliveryledger.microbenchmarks;

import io.deliveryledger.event.LedgerRecord;
import io.deliveryledger.event.LedgerRecordCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The intake's encoding of a status event for the journal: as JSON (the baseline: the journal's format
 * for them before commit 93614e3, still what {@link LedgerRecordCodec#json} gives people) and in the
 * binary format that replaced it. The baseline includes making a String of the JSON's bytes, a copy of
 * some 700 bytes that the journal did not make.
 */
@State(Scope.Benchmark)
public class JournalEncodingBenchmark
{
    private final LedgerRecordCodec codec = new LedgerRecordCodec();
    private LedgerRecord event;

    @Setup
    public void setUp()
    {
        event = Callbacks.deliveredEvent();
    }

    @Benchmark
    public String json()
    {
        return codec.json(event);
    }

    @Benchmark
    public byte[] binary()
    {
        return codec.encode(event);
    }
}
