package io.deliveryledger.report;

import java.io.IOException;

/** ClickHouse stopped part-way through a report: what was written of it is not the whole report. */
public final class IncompleteReportException
        extends IOException
{
    public IncompleteReportException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
