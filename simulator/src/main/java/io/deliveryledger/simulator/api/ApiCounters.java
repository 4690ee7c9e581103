package io.deliveryledger.simulator.api;

import io.deliveryledger.simulator.ApiStatistics;

import java.util.concurrent.atomic.LongAdder;

/** Counts API requests by the kind of answer; thread-safe. */
final class ApiCounters
{
    final LongAdder fetches = new LongAdder();
    final LongAdder listPages = new LongAdder();
    final LongAdder notFound = new LongAdder();
    final LongAdder tooManyRequests = new LongAdder();
    final LongAdder unauthorized = new LongAdder();
    final LongAdder badRequests = new LongAdder();
    final LongAdder total = new LongAdder();

    ApiStatistics snapshot()
    {
        return new ApiStatistics(fetches.sum(), listPages.sum(), notFound.sum(), tooManyRequests.sum(), unauthorized.sum(), badRequests.sum(), total.sum());
    }
}
