package io.deliveryledger.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * What the journal writer's write and fsync of one group of records costs in a segment that grows with
 * each write (as every segment did before segments were written whole in advance) and in one whose
 * blocks are already written (zeros, fsynced, as journal.SegmentAllocator prepares them): the writing
 * thread's CPU (user and kernel: the fsync's work is the caller's) and the wall time, per write, in
 * alternating rounds, medians. Run by bench/journal-fsync, in the directory whose file system it measures.
 *
 *   java SegmentWriteCost.java DIRECTORY [WRITES_PER_ROUND] [BYTES_PER_WRITE] [ROUNDS]
 */
public final class SegmentWriteCost
{
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SegmentWriteCost() {}

    public static void main(String[] arguments)
            throws IOException
    {
        Path directory = Path.of(arguments[0]);
        int writes = arguments.length > 1 ? Integer.parseInt(arguments[1]) : 20_000;
        int bytes = arguments.length > 2 ? Integer.parseInt(arguments[2]) : 1_500;
        int rounds = arguments.length > 3 ? Integer.parseInt(arguments[3]) : 5;
        List<double[]> growing = new ArrayList<>();
        List<double[]> whole = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            // Alternating which goes first, so that a drift of the machine falls on both alike.
            boolean wholeFirst = round % 2 == 1;
            for (boolean preallocated : wholeFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                double[] cost = measure(directory.resolve("segment-write-cost-" + round + "-" + preallocated), writes, bytes, preallocated);
                (preallocated ? whole : growing).add(cost);
                System.err.printf("round %d, %s: %.1f µs CPU, %.1f µs wall per write and fsync%n", round + 1, preallocated ? "written whole" : "growing", cost[0], cost[1]);
            }
        }
        double growingCpu = median(growing, 0);
        double wholeCpu = median(whole, 0);
        double growingWall = median(growing, 1);
        double wholeWall = median(whole, 1);
        System.out.printf("| segment | CPU per write and fsync | wall per write and fsync |%n| --- | ---: | ---: |%n");
        System.out.printf("| growing with each write (before) | %.1f µs | %.1f µs |%n", growingCpu, growingWall);
        System.out.printf("| written whole in advance (journal.SegmentAllocator) | %.1f µs | %.1f µs |%n", wholeCpu, wholeWall);
        System.out.printf("| written whole ÷ growing | **%.2f** | **%.2f** |%n", wholeCpu / growingCpu, wholeWall / growingWall);
    }

    /** CPU and wall microseconds per write and fsync of {@code bytes} at the end of the records so far. */
    private static double[] measure(Path file, int writes, int bytes, boolean preallocated)
            throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, CREATE_NEW, WRITE, READ)) {
            if (preallocated) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                for (long offset = 0; offset < (long) writes * bytes; offset += zeros.capacity()) {
                    zeros.clear();
                    channel.write(zeros, offset);
                }
                channel.force(true);
            }
            ByteBuffer record = ByteBuffer.allocate(bytes);
            Arrays.fill(record.array(), (byte) 'x');
            long cpuBefore = THREADS.getCurrentThreadCpuTime();
            long wallBefore = System.nanoTime();
            for (long offset = 0; offset < (long) writes * bytes; offset += bytes) {
                record.clear();
                while (record.hasRemaining()) {
                    channel.write(record, offset + record.position());
                }
                channel.force(false);
            }
            return new double[] {(THREADS.getCurrentThreadCpuTime() - cpuBefore) / 1e3 / writes, (System.nanoTime() - wallBefore) / 1e3 / writes};
        }
        finally {
            Files.deleteIfExists(file);
        }
    }

    private static double median(List<double[]> costs, int index)
    {
        double[] values = costs.stream().mapToDouble(cost -> cost[index]).sorted().toArray();
        return values.length % 2 == 1 ? values[values.length / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }
}
