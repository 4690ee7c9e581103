package io.deliveryledger.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bodies as a ClickHouse server sends them, complete or broken off with an exception: the copy is
 * the whole body or an error, never a body that stops short.
 */
final class ClickHouseBodyCopyTest
{
    private static final String TAG = "Ab3dEf6hIj9kLm2n";
    private static final String MESSAGE = "Code: 396. DB::Exception: Limit for result exceeded, max rows: 600.00 thousand. (TOO_MANY_ROWS_OR_BYTES)";

    @Test
    void copiesACompleteBodyWhole()
            throws IOException
    {
        byte[] rows = rows(200_000);
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        assertThat(ClickHouseBodyCopy.copy(new ByteArrayInputStream(rows), output, "query q1")).isEqualTo(rows.length);
        assertThat(output.toByteArray()).isEqualTo(rows);
    }

    @Test
    void copiesBinaryBodiesThatHappenToHoldTheMarker()
            throws IOException
    {
        byte[] parquetLike = concat(randomBytes(100_000), "\r\n__exception__\r\n".getBytes(StandardCharsets.US_ASCII), randomBytes(50), "PAR1".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        ClickHouseBodyCopy.copy(new ByteArrayInputStream(parquetLike), output, "query q2");

        assertThat(output.toByteArray()).isEqualTo(parquetLike);
    }

    @Test
    void failsABodyThatEndsWithAnException()
    {
        byte[] body = concat(rows(100_000), exceptionBlock(MESSAGE));
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        assertThatThrownBy(() -> ClickHouseBodyCopy.copy(new ByteArrayInputStream(body), output, "query q3"))
                .isInstanceOf(IncompleteReportException.class)
                .hasMessage("ClickHouse failed query q3 after %d bytes: %s", output.size(), MESSAGE);
        assertThat(output.size()).isEqualTo(body.length - ClickHouseBodyCopy.HELD_BACK_BYTES);
        assertThat(new String(output.toByteArray(), StandardCharsets.UTF_8)).doesNotContain("__exception__");
    }

    @Test
    void failsABodyThatBreaksOffAndKeepsClickHousesMessage()
    {
        byte[] rows = rows(100_000);
        byte[] body = concat(rows, exceptionBlock(MESSAGE));
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        assertThatThrownBy(() -> ClickHouseBodyCopy.copy(new BrokenOffStream(body), output, "query q4"))
                .isInstanceOf(IncompleteReportException.class)
                .hasMessage("ClickHouse's response to query q4 broke off after %d bytes: %s", body.length, MESSAGE)
                .hasCauseInstanceOf(IOException.class);
        assertThat(output.size()).as("the last 16 KiB held back").isLessThanOrEqualTo(body.length - ClickHouseBodyCopy.HELD_BACK_BYTES);
        assertThat(output.toByteArray()).isEqualTo(Arrays.copyOf(rows, output.size()));
    }

    @Test
    void failsABodyThatBreaksOffWithoutAnException()
    {
        byte[] rows = rows(100_000);

        assertThatThrownBy(() -> ClickHouseBodyCopy.copy(new BrokenOffStream(rows), new ByteArrayOutputStream(), "query q5"))
                .isInstanceOf(IncompleteReportException.class)
                .hasMessage("ClickHouse's response to query q5 broke off after %d bytes", rows.length);
    }

    @Test
    void readsTheMessageOfAnExceptionBlockCutShort()
    {
        byte[] block = exceptionBlock(MESSAGE);
        byte[] cut = Arrays.copyOf(block, block.length - 30);

        assertThat(ClickHouseBodyCopy.exceptionIn(cut, cut.length)).startsWith(MESSAGE.substring(0, 40));
        assertThat(ClickHouseBodyCopy.exceptionIn(block, block.length)).isEqualTo(MESSAGE);
        byte[] legacy = concat(rows(10), ("Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)\n").getBytes(StandardCharsets.UTF_8));
        assertThat(ClickHouseBodyCopy.exceptionIn(legacy, legacy.length)).isEqualTo("Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)");
    }

    /** ClickHouse 25.11's block: {@code \r\n__exception__\r\n<tag>\r\n<message>\n<length> <tag>\r\n__exception__\r\n}. */
    private static byte[] exceptionBlock(String message)
    {
        String withNewline = message + "\n";
        return ("\r\n__exception__\r\n" + TAG + "\r\n" + withNewline + withNewline.getBytes(StandardCharsets.UTF_8).length + " " + TAG + "\r\n__exception__\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] rows(int count)
    {
        StringBuilder rows = new StringBuilder();
        for (int row = 0; row < count; row++) {
            rows.append("SM").append(row).append(",delivered\n");
        }
        return rows.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(int count)
    {
        byte[] bytes = new byte[count];
        new Random(count).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[]... parts)
    {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    /** A response body whose connection is cut after its last byte, as a server that failed cuts it. */
    private static final class BrokenOffStream
            extends InputStream
    {
        private final ByteArrayInputStream bytes;

        BrokenOffStream(byte[] body)
        {
            this.bytes = new ByteArrayInputStream(body);
        }

        @Override
        public int read()
                throws IOException
        {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length)
                throws IOException
        {
            int read = bytes.read(buffer, offset, Math.min(length, 10_000));
            if (read < 0) {
                throw new IOException("Premature end of chunk coded message body: closing chunk expected");
            }
            return read;
        }
    }
}
