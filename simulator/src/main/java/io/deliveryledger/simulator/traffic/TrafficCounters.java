package io.deliveryledger.simulator.traffic;

import io.deliveryledger.simulator.SimulationReport;

import java.util.concurrent.atomic.LongAdder;

/** What the traffic has done so far; thread-safe. */
public final class TrafficCounters
{
    final LongAdder messagesCreated = new LongAdder();
    final LongAdder callbacksSent = new LongAdder();
    final LongAdder callbacksDropped = new LongAdder();
    final LongAdder callbacksDuplicated = new LongAdder();
    final LongAdder callbacksReordered = new LongAdder();
    final LongAdder targetErrors = new LongAdder();
    final LongAdder messagesRegistered = new LongAdder();
    final LongAdder registrationErrors = new LongAdder();

    public SimulationReport snapshot()
    {
        return new SimulationReport(messagesCreated.sum(), callbacksSent.sum(), callbacksDropped.sum(), callbacksDuplicated.sum(),
                callbacksReordered.sum(), targetErrors.sum(), messagesRegistered.sum(), registrationErrors.sum());
    }
}
