package io.deliveryledger.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Copies the body of a ClickHouse response to a report's destination, and fails if ClickHouse failed
 * part-way. A server that fails after it has sent status 200 can only append the exception to the
 * body: since 25.11 between {@code __exception__} markers, announced by a header the driver does not
 * pass on, before that as bare text; then it cuts the connection. So the last {@value #HELD_BACK_BYTES}
 * bytes (the largest exception ClickHouse appends) are held back until the body has ended, and reach
 * the destination only if it ended cleanly and not with an exception: the exception's text never ends
 * up in a report, and a report that stops short is an error, never a shorter file.
 */
final class ClickHouseBodyCopy
{
    static final int HELD_BACK_BYTES = 16 * 1024;

    private static final int READ_SIZE = 64 * 1024;
    private static final byte[] MARKER = "\r\n__exception__\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LEGACY_PREFIX = "Code: ".getBytes(StandardCharsets.US_ASCII);

    private ClickHouseBodyCopy() {}

    /** Copies {@code body}, the response to {@code query}, to {@code output}; returns the number of bytes written. */
    static long copy(InputStream body, OutputStream output, String query)
            throws IOException
    {
        byte[] window = new byte[HELD_BACK_BYTES + READ_SIZE];
        int held = 0;
        long written = 0;
        while (true) {
            int read;
            try {
                read = body.read(window, held, READ_SIZE);
            }
            catch (IOException e) {
                throw new IncompleteReportException("ClickHouse's response to %s broke off after %d bytes%s"
                        .formatted(query, written + held, describe(exceptionIn(window, held))), e);
            }
            if (read < 0) {
                break;
            }
            held += read;
            if (held > HELD_BACK_BYTES) {
                int passed = held - HELD_BACK_BYTES;
                output.write(window, 0, passed);
                written += passed;
                System.arraycopy(window, passed, window, 0, HELD_BACK_BYTES);
                held = HELD_BACK_BYTES;
            }
        }
        if (endsWith(window, held, MARKER)) {
            throw new IncompleteReportException("ClickHouse failed %s after %d bytes%s".formatted(query, written, describe(exceptionIn(window, held))), null);
        }
        output.write(window, 0, held);
        return written + held;
    }

    /**
     * The exception's text in the held-back bytes: what follows the last opening marker and its tag
     * line, up to the line with the length and tag, or else from the last {@code Code: }.
     */
    static String exceptionIn(byte[] window, int length)
    {
        int opening = lastIndexOf(window, length, MARKER, length);
        // The block also ends with the marker: the opening one is the one before it, if any.
        if (opening >= 0 && opening + MARKER.length == length) {
            opening = lastIndexOf(window, length, MARKER, opening - 1);
        }
        if (opening >= 0) {
            String block = new String(window, opening + MARKER.length, length - opening - MARKER.length, StandardCharsets.UTF_8);
            int tagEnd = block.indexOf("\r\n");
            String afterTag = tagEnd < 0 ? "" : block.substring(tagEnd + 2);
            int closing = afterTag.lastIndexOf("\r\n__exception__");
            String message = closing < 0 ? afterTag : afterTag.substring(0, closing);
            int lengthLine = message.lastIndexOf('\n', Math.max(0, message.length() - 2));
            return (closing >= 0 && lengthLine >= 0 ? message.substring(0, lengthLine) : message).strip();
        }
        int legacy = lastIndexOf(window, length, LEGACY_PREFIX, length);
        return legacy < 0 ? "" : new String(window, legacy, length - legacy, StandardCharsets.UTF_8).strip();
    }

    private static String describe(String exception)
    {
        return exception.isEmpty() ? "" : ": " + exception;
    }

    private static boolean endsWith(byte[] window, int length, byte[] suffix)
    {
        return length >= suffix.length && Arrays.equals(window, length - suffix.length, length, suffix, 0, suffix.length);
    }

    /** The last start of {@code pattern} in {@code window[0, length)} at or before {@code from}, or -1. */
    private static int lastIndexOf(byte[] window, int length, byte[] pattern, int from)
    {
        for (int start = Math.min(from, length - pattern.length); start >= 0; start--) {
            if (Arrays.equals(window, start, start + pattern.length, pattern, 0, pattern.length)) {
                return start;
            }
        }
        return -1;
    }
}
