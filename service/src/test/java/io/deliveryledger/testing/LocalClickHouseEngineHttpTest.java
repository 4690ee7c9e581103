package io.deliveryledger.testing;

import com.clickhouse.client.api.internal.ClickHouseLZ4InputStream;
import com.clickhouse.client.api.internal.ClickHouseLZ4OutputStream;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local ClickHouse engine's HTTP interface where it matters to the driver and to exports, checked
 * at the byte level: ClickHouse's native compression both ways (checksums checked by the driver's own
 * reader, and blocks that ClickHouse itself wrote read by the engine), HTTP compression, results
 * streamed in chunks, and an error after the first bytes reported in the body as ClickHouse 25.11+
 * does, with the connection cut.
 */
final class LocalClickHouseEngineHttpTest
{
    private static final int MEBIBYTE = 1 << 20;
    private static final String MARKER = "\r\n__exception__\r\n";

    @TempDir
    static Path temporaryDirectory;

    private static TestingClickHouseEngine engine;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startEngine()
    {
        engine = new TestingClickHouseEngine(temporaryDirectory.resolve("clickhouse"));
        engine.start();
    }

    @AfterAll
    static void stopEngine()
    {
        engine.close();
    }

    @Test
    void answersInClickHouseCompressionWhenAsked()
            throws Exception
    {
        String sql = "SELECT number, toString(number * 7) FROM numbers(300000) FORMAT TabSeparated";
        HttpResponse<byte[]> plain = post("", sql.getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> compressed = post("compress=1", sql.getBytes(StandardCharsets.UTF_8));

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(compressed.statusCode()).isEqualTo(200);
        assertThat(plain.body()).hasSizeGreaterThan(3 * MEBIBYTE);
        assertThat(compressed.body().length).as("LZ4 blocks").isLessThan(plain.body().length);
        // Checksum, then method 0x82 (LZ4): the driver's reader checks every block's CityHash128.
        assertThat(compressed.body()[16]).isEqualTo((byte) 0x82);
        assertThat(driverDecompress(compressed.body())).isEqualTo(plain.body());
    }

    @Test
    void readsRequestBodiesInClickHouseCompression()
            throws Exception
    {
        byte[] body = driverCompress("SELECT sum(number) FROM numbers(1000)".getBytes(StandardCharsets.UTF_8));

        HttpResponse<byte[]> response = post("decompress=1", body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("499500\n");

        byte[] damaged = body.clone();
        damaged[damaged.length - 2] ^= 1;
        HttpResponse<byte[]> refused = post("decompress=1", damaged);
        assertThat(refused.statusCode()).isEqualTo(500);
        assertThat(refused.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("40");
        assertThat(text(refused)).startsWith("Code: 40. DB::Exception: Checksum doesn't match: corrupted data.");
    }

    @Test
    void readsBlocksThatClickHouseItselfCompressed()
            throws Exception
    {
        // A UInt64 column of a MergeTree part is ClickHouse's compressed blocks (LZ4, CityHash128
        // v1.0.2 checksums) around the values, little endian, as RowBinary has them too.
        assertThat(post("", bytes("CREATE TABLE hashes (value UInt64 CODEC(LZ4)) ENGINE = MergeTree ORDER BY tuple() SETTINGS min_bytes_for_wide_part = 0")).statusCode()).isEqualTo(200);
        assertThat(post("", bytes("INSERT INTO hashes SELECT if(number % 3 = 0, number, cityHash64(number)) FROM numbers(500000)")).statusCode()).isEqualTo(200);
        assertThat(post("", bytes("CREATE TABLE copied_hashes (value UInt64) ENGINE = MergeTree ORDER BY tuple()")).statusCode()).isEqualTo(200);
        Path part = Path.of(text(post("", bytes("SELECT path FROM system.parts WHERE table = 'hashes' AND active"))).strip());
        byte[] columnFile = Files.readAllBytes(part.resolve("value.bin"));
        assertThat(columnFile.length).as("compressed").isLessThan(500000 * 8);

        HttpResponse<byte[]> insert = post("decompress=1&query=" + encode("INSERT INTO copied_hashes FORMAT RowBinary"), columnFile);

        assertThat(insert.statusCode()).as(text(insert)).isEqualTo(200);
        assertThat(text(post("", bytes("SELECT count(), groupBitXor(value) = (SELECT groupBitXor(value) FROM hashes), sum(value % 1000) = (SELECT sum(value % 1000) FROM hashes) FROM copied_hashes"))))
                .isEqualTo("500000\t1\t1\n");
    }

    @Test
    void encodesAndDecodesHttpCompression()
            throws Exception
    {
        // 100,000 rows are sent whole, a million stream through the encoder.
        for (int rows : List.of(100_000, 1_000_000)) {
            for (String encoding : List.of("gzip", "br")) {
                ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
                try (OutputStream gzip = new GZIPOutputStream(gzipped)) {
                    gzip.write(bytes("SELECT number FROM numbers(%d) FORMAT TSV".formatted(rows)));
                }
                HttpRequest request = HttpRequest.newBuilder(URI.create(engine.httpUrl() + "/?enable_http_compression=1"))
                        .header("Content-Encoding", "gzip")
                        .header("Accept-Encoding", encoding.equals("gzip") ? "br;q=0, gzip" : "br")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped.toByteArray()))
                        .build();

                HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Encoding")).hasValue(encoding);
                String body = new String(encoding.equals("gzip") ? gunzip(response.body()) : brotliDecompress(response.body()), StandardCharsets.UTF_8);
                assertThat(body.lines().count()).as("%s, %d rows", encoding, rows).isEqualTo(rows);
                assertThat(body).endsWith((rows - 1) + "\n");
            }
        }
    }

    @Test
    void streamsLargeResultsInChunks()
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create(engine.httpUrl() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("SELECT number FROM numbers(3000000) FORMAT TSV"))
                .build();

        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        // Sent before the query had finished, so without a length.
        assertThat(response.headers().firstValue("Content-Length")).isEmpty();
        assertThat(response.headers().firstValue("X-ClickHouse-Format")).hasValue("TSV");
        long lines = 0;
        long sum = 0;
        try (InputStream body = response.body()) {
            for (String line : new String(body.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                lines++;
                sum += Long.parseLong(line);
            }
        }
        assertThat(lines).isEqualTo(3_000_000);
        assertThat(sum).isEqualTo(3_000_000L * 2_999_999 / 2);
    }

    @Test
    void reportsAnErrorAfterTheFirstBytesInTheBodyAndCutsTheConnection()
            throws Exception
    {
        for (String parameters : List.of("", "&compress=1")) {
            // Read at the socket: the chunks as sent, and whether the final empty chunk came.
            ChunkedResponse response = ChunkedResponse.exchange(engine.port(), "/?max_block_size=1000" + parameters,
                    bytes("SELECT number, throwIf(number = 500000, 'broke at 500000') FROM numbers(1000000) FORMAT TSV"));

            assertThat(response.statusLine()).as("headers sent before the error").isEqualTo("HTTP/1.1 200 OK");
            assertThat(response.terminated()).as("final chunk (%s)", parameters).isFalse();
            String tag = response.header("X-ClickHouse-Exception-Tag").orElseThrow();
            assertThat(tag).matches("[A-Za-z0-9]{16}");
            byte[] bytes = parameters.isEmpty() ? response.body() : driverDecompress(response.body());
            String body = new String(bytes, StandardCharsets.UTF_8);
            int block = body.indexOf(MARKER);
            assertThat(block).as("rows before the error").isGreaterThan(MEBIBYTE);
            assertThat(body.substring(0, block)).endsWith("\n").doesNotContain("500000\t");
            String message = "Code: 395. DB::Exception: broke at 500000";
            assertThat(body.substring(block)).startsWith(MARKER + tag + "\r\n" + message).endsWith(" " + tag + MARKER);
            String exception = body.substring(block + MARKER.length() + tag.length() + 2, body.length() - MARKER.length() - tag.length() - 1);
            int lengthLine = exception.lastIndexOf('\n', exception.length() - 2);
            assertThat(Integer.parseInt(exception.substring(lengthLine + 1).strip()))
                    .as("the length before the tag counts the message and its newline")
                    .isEqualTo(exception.substring(0, lengthLine + 1).getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void endsAStatementWhoseClientLeaves()
            throws Exception
    {
        // The first leaves while ClickHouse is still sorting, before any byte; the second part-way.
        for (String sql : List.of("SELECT number FROM numbers(10000000) ORDER BY number DESC FORMAT TSV", "SELECT number FROM numbers(1000000000) FORMAT TSV")) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), engine.port())) {
                byte[] body = bytes(sql);
                OutputStream output = socket.getOutputStream();
                output.write(("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                output.write(body);
                output.flush();
                if (!sql.contains("ORDER BY")) {
                    assertThat(socket.getInputStream().readNBytes(100_000)).hasSize(100_000);
                }
            }

            // One statement at a time: this is answered once the abandoned one has ended.
            HttpRequest next = HttpRequest.newBuilder(URI.create(engine.httpUrl() + "/?query=" + encode("SELECT 42")))
                    .timeout(Duration.ofMinutes(2))
                    .build();
            assertThat(HTTP.send(next, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("42\n");
        }
    }

    @Test
    void reportsAnEarlyErrorWithAnErrorStatus()
            throws Exception
    {
        HttpResponse<byte[]> response = post("max_block_size=10", bytes("SELECT number, throwIf(number = 100, 'broke early') FROM numbers(1000) FORMAT TSV"));

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("395");
        assertThat(text(response)).startsWith("Code: 395. DB::Exception: broke early").doesNotContain("__exception__");
    }

    private static HttpResponse<byte[]> post(String parameters, byte[] body)
            throws IOException, InterruptedException
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create(engine.httpUrl() + "/?" + parameters))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] driverDecompress(byte[] compressed)
            throws IOException
    {
        try (InputStream input = new ClickHouseLZ4InputStream(new ByteArrayInputStream(compressed), LZ4Factory.fastestInstance().fastDecompressor(), 8192)) {
            return input.readAllBytes();
        }
    }

    private static byte[] driverCompress(byte[] data)
            throws IOException
    {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream output = new ClickHouseLZ4OutputStream(compressed, LZ4Factory.fastestInstance().fastCompressor(), 8192)) {
            output.write(data);
        }
        return compressed.toByteArray();
    }

    private static byte[] gunzip(byte[] compressed)
            throws IOException
    {
        try (InputStream input = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return input.readAllBytes();
        }
    }

    /** The JDK has no Brotli decoder; Node, which the engine needs anyway, has one. */
    private static byte[] brotliDecompress(byte[] compressed)
            throws IOException, InterruptedException
    {
        Process process = new ProcessBuilder("node", "-e",
                "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))").start();
        try (OutputStream input = process.getOutputStream()) {
            input.write(compressed);
        }
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor()).as(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        return output;
    }

    private static byte[] bytes(String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String encode(String text)
    {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String text(HttpResponse<byte[]> response)
    {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** An HTTP/1.1 response read at the socket until the server closes it, its chunked body decoded. */
    private record ChunkedResponse(String statusLine, Map<String, String> headers, byte[] body, boolean terminated)
    {
        static ChunkedResponse exchange(int port, String target, byte[] body)
                throws IOException
        {
            byte[] raw;
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket.setSoTimeout(120_000);
                OutputStream output = socket.getOutputStream();
                output.write(("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                output.write(body);
                output.flush();
                raw = socket.getInputStream().readAllBytes();
            }
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int headersEnd = text.indexOf("\r\n\r\n");
            List<String> lines = List.of(text.substring(0, headersEnd).split("\r\n"));
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line : lines.subList(1, lines.size())) {
                headers.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1).strip());
            }
            assertThat(headers).containsEntry("Transfer-Encoding", "chunked");
            ByteArrayOutputStream decoded = new ByteArrayOutputStream();
            int position = headersEnd + 4;
            while (true) {
                int lineEnd = text.indexOf("\r\n", position);
                if (lineEnd < 0) {
                    return new ChunkedResponse(lines.get(0), headers, decoded.toByteArray(), false);
                }
                int size = Integer.parseInt(text.substring(position, lineEnd), 16);
                if (size == 0) {
                    return new ChunkedResponse(lines.get(0), headers, decoded.toByteArray(), true);
                }
                assertThat(lineEnd + 2 + size + 2).as("a whole chunk").isLessThanOrEqualTo(raw.length);
                decoded.write(raw, lineEnd + 2, size);
                position = lineEnd + 2 + size + 2;
            }
        }

        Optional<String> header(String name)
        {
            return Optional.ofNullable(headers.get(name));
        }
    }
}
