package io.deliveryledger.simulator;

/**
 * Requests the simulated REST API answered, by kind. {@code total} counts every API request, including
 * those in no other column (wrong method, unknown path).
 */
public record ApiStatistics(
        long fetches,
        long listPages,
        long notFound,
        long tooManyRequests,
        long unauthorized,
        long badRequests,
        long total)
{
    public String summaryLine()
    {
        return "api: %d requests, %d fetches, %d list pages, %d not found, %d too many requests, %d unauthorized, %d bad requests"
                .formatted(total, fetches, listPages, notFound, tooManyRequests, unauthorized, badRequests);
    }
}
