#!/usr/bin/env python3
"""Turns the service's CPU samples into a flame graph and a cost per stage.

    java bench/src/main/java/io/deliveryledger/bench/profile/CollapsedStacks.java RECORDING.jfr > STACKS
    python3 bench/flamegraph.py STACKS --svg OUT.svg --stages OUT.md [--title TEXT]

STACKS are collapsed stacks ("frame;frame;... count", root first) of a JDK Flight Recorder recording's
execution samples: every ~10 ms (settings=profile) the JVM records the stack of each thread that is
running Java code. The flame graph
is the usual one (flamegraph.pl's layout, root at the bottom, width = share of samples; hover a frame
for its name and share). The stage table gives each sample to the innermost stage of the data path on
its stack (the signature check, the journal, the duplicate lookup, ...; Jetty's own frames only when no
stage of ours is on the stack), so it answers "where does the service's CPU go". Threads in native code
(waiting in epoll, in fsync) are not execution samples: this is CPU, not wall-clock time. GC and JIT
compiler threads are not Java threads and are not sampled either; the report of bench/run gives the
process's whole CPU time beside it.
"""
import argparse
import collections
import html
import sys

# (stage, substrings of "class.method"): the first stage, innermost frame first, that matches a frame.
STAGES = [
    ("signature check (HMAC-SHA1 of URL and parameters)",
     ["io.deliveryledger.twilio.TwilioSignatureVerifier", "io.deliveryledger.twilio.TwilioSignature",
      "com.twilio.security."]),
    ("form decoding (body and query string)", ["io.deliveryledger.intake.WebhookRequestReader", "io.deliveryledger.intake.UrlEncodedForm"]),
    ("validation, parsing, event ids", ["io.deliveryledger.twilio.WebhookParser", "io.deliveryledger.event.EventIds"]),
    ("journal: encode", ["io.deliveryledger.event.LedgerRecordCodec.encode"]),
    ("journal: append, write, fsync", ["io.deliveryledger.journal.Journal.", "io.deliveryledger.journal.io."]),
    ("batch writer: read journal, decode", ["io.deliveryledger.journal.JournalReader", "io.deliveryledger.event.LedgerRecordCodec.decode",
                                            "io.deliveryledger.sink.BatchWriter.decode", "io.deliveryledger.event.EscapedSurrogates"]),
    ("batch writer: duplicate lookup", ["io.deliveryledger.sink.ClickHouseInserter.withoutStoredEvents",
                                        "io.deliveryledger.sink.RecentEventIds"]),
    ("batch writer: country and number type (libphonenumber)", ["io.deliveryledger.analytics.AddressClassifier"]),
    ("batch writer: RowBinary encoding and insert (ClickHouse client)", ["io.deliveryledger.sink.StatusEventRowBinary", "io.deliveryledger.sink.ClickHouseInserter", "com.clickhouse."]),
    ("batch writer: other", ["io.deliveryledger.sink."]),
    ("intake: other (metrics, futures, answer)", ["io.deliveryledger.intake."]),
    ("read model, reconciliation, health checks", ["io.deliveryledger.readmodel.", "io.deliveryledger.reconcile.", "io.deliveryledger.health."]),
    ("metrics", ["com.codahale.metrics.", "io.prometheus."]),
]
JETTY = "HTTP server (Jetty: connections, parsing, response; no stage of ours on the stack)"
OTHER = "other JVM work"


def read_stacks(path):
    stacks = collections.Counter()
    with open(path) as lines:
        for line in lines:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack:
                stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def stage_of(frames):
    for frame in reversed(frames):
        for stage, patterns in STAGES:
            if any(pattern in frame for pattern in patterns):
                return stage
    return JETTY if any(frame.startswith("org.eclipse.jetty.") for frame in frames) else OTHER


def colour(frame):
    if frame.startswith("io.deliveryledger."):
        return "rgb(230,120,40)"
    if frame.startswith(("com.twilio.", "javax.crypto.", "com.sun.crypto.")):
        return "rgb(220,70,70)"
    if frame.startswith("com.clickhouse."):
        return "rgb(230,200,60)"
    if frame.startswith("org.eclipse.jetty."):
        return "rgb(90,150,220)"
    if frame.startswith(("java.", "jdk.", "sun.")):
        return "rgb(170,170,170)"
    return "rgb(140,190,110)"


def svg(stacks, total, title, width=1400, row=16):
    tree = {}
    for stack, count in stacks.items():
        node = tree
        for frame in stack:
            entry = node.setdefault(frame, [0, {}])
            entry[0] += count
            node = entry[1]

    def depth(node):
        return 1 + max((depth(child) for _, child in node.values()), default=0)

    height = (depth(tree) + 1) * row + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
             f'<rect width="100%" height="100%" fill="white"/><text x="10" y="18" font-size="14">{html.escape(title)}</text>']
    minimum = total / width * 0.5  # narrower than half a pixel: not drawn

    def draw(node, x, level):
        for frame, (count, children) in sorted(node.items()):
            if count < minimum:
                x += count
                continue
            left, span = x / total * width, count / total * width
            y = height - (level + 1) * row
            label = html.escape(frame)
            parts.append(f'<g><title>{label} ({count} samples, {100 * count / total:.2f}%)</title>'
                         f'<rect x="{left:.2f}" y="{y}" width="{max(span - 0.5, 0.1):.2f}" height="{row - 1}" fill="{colour(frame)}"/>')
            if span > 40:
                characters = int(span / 6.6)
                text = frame if len(frame) <= characters else frame[:characters - 2] + ".."
                parts.append(f'<text x="{left + 2:.2f}" y="{y + row - 4}">{html.escape(text)}</text>')
            parts.append("</g>")
            draw(children, x, level + 1)
            x += count

    draw(tree, 0, 0)
    parts.append("</svg>")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stacks", help="collapsed stacks, from CollapsedStacks.java")
    parser.add_argument("--svg", required=True)
    parser.add_argument("--stages", required=True, help="Markdown table of the cost per stage")
    parser.add_argument("--title", default="CPU samples")
    arguments = parser.parse_args()

    stacks, by_stage = read_stacks(arguments.stacks), collections.Counter()
    for frames, count in stacks.items():
        by_stage[stage_of(frames)] += count
    total = sum(stacks.values())
    if total == 0:
        sys.exit(f"flamegraph: no execution samples in {arguments.stacks}")

    with open(arguments.svg, "w") as out:
        out.write(svg(stacks, total, f"{arguments.title}: {total} samples"))
    order = [stage for stage, _ in STAGES] + [JETTY, OTHER]
    with open(arguments.stages, "w") as out:
        out.write("| stage | share of the service's Java CPU samples | samples |\n| --- | ---: | ---: |\n")
        for stage in sorted(order, key=lambda stage: -by_stage[stage]):
            if by_stage[stage]:
                out.write(f"| {stage} | {100 * by_stage[stage] / total:.1f} % | {by_stage[stage]} |\n")
        out.write(f"| **all** | 100 % | {total} |\n")


if __name__ == "__main__":
    main()
