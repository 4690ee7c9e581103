package io.deliveryledger.report;

import io.deliveryledger.analytics.AnalyticsFilter;
import io.deliveryledger.analytics.DeliveryStatistics;
import io.deliveryledger.analytics.DeliveryStatistics.Breakdown;
import io.deliveryledger.analytics.DeliveryStatistics.BreakdownRow;
import io.deliveryledger.analytics.DeliveryStatistics.ErrorCodeCount;
import io.deliveryledger.analytics.DeliveryStatistics.Summary;
import io.deliveryledger.analytics.DeliveryStatistics.TimeSeries;
import io.deliveryledger.analytics.DeliveryStatistics.TimeSeriesPoint;
import io.deliveryledger.analytics.Dimension;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToLongFunction;

import static java.util.Objects.requireNonNull;

/**
 * A self-contained, printable delivery report: totals, a chart of volume and failures over time, the top
 * error codes and the messages by country. Charts are inline SVG; there are no scripts and no external
 * resources, so the file can be mailed or archived as it is.
 */
final class HtmlReport
{
    private static final int CHART_WIDTH = 900;
    private static final int CHART_HEIGHT = 260;
    private static final int MARGIN = 40;
    private static final int COUNTRIES = 20;

    private final DeliveryStatistics statistics;

    HtmlReport(DeliveryStatistics statistics)
    {
        this.statistics = requireNonNull(statistics, "statistics is null");
    }

    String render(AnalyticsFilter filter)
    {
        Summary summary = statistics.summary(filter);
        TimeSeries series = statistics.timeSeries(filter, Optional.empty());
        Breakdown countries = statistics.breakdown(filter, Dimension.breakdown("by", "country"), COUNTRIES);
        StringBuilder html = new StringBuilder();
        html.append("""
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>Delivery report</title>
                <style>
                body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
                h1 { margin-bottom: 0.2em; }
                .totals { display: flex; gap: 1.5em; flex-wrap: wrap; margin: 1em 0; }
                .total { border: 1px solid #ccc; border-radius: 6px; padding: 0.6em 1em; min-width: 8em; }
                .total .value { font-size: 1.6em; font-weight: bold; }
                table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
                th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; }
                td.number { text-align: right; }
                .volume { stroke: #2b6cb0; fill: none; stroke-width: 2; }
                .failures { stroke: #c53030; fill: none; stroke-width: 2; }
                .volume-point { fill: #2b6cb0; }
                .failure-point { fill: #c53030; }
                .country-bar { fill: #2b6cb0; }
                @media print { body { margin: 0; } .total { break-inside: avoid; } section { break-inside: avoid; } }
                </style>
                </head>
                <body>
                """);
        html.append("<h1>Delivery report</h1>\n<p>Messages first seen from ").append(escape(summary.from())).append(" to ").append(escape(summary.to()))
                .append(filterDescription(filter)).append("</p>\n");
        html.append("<div class=\"totals\">\n");
        total(html, "Messages", String.valueOf(summary.counts().messages()));
        total(html, "Delivered", String.valueOf(summary.counts().delivered()));
        total(html, "Failed or undelivered", String.valueOf(summary.counts().failed()));
        total(html, "Pending", String.valueOf(summary.counts().pending()));
        total(html, "Delivery rate", percent(summary.counts().deliveryRate()));
        total(html, "Failure rate", percent(summary.counts().failureRate()));
        html.append("</div>\n");

        html.append("<section>\n<h2>Volume and failures (step ").append(escape(series.step())).append(")</h2>\n");
        chart(html, series.points());
        html.append("</section>\n");

        html.append("<section>\n<h2>Top error codes</h2>\n<table id=\"error-codes\">\n<tr><th>Code</th><th>Description</th><th>Messages</th></tr>\n");
        for (ErrorCodeCount error : summary.topErrorCodes()) {
            html.append("<tr><td>").append(error.errorCode()).append("</td><td>").append(escape(error.description()))
                    .append("</td><td class=\"number\">").append(error.messages()).append("</td></tr>\n");
        }
        html.append("</table>\n</section>\n");

        html.append("<section>\n<h2>By country</h2>\n");
        countries(html, countries.rows());
        html.append("</section>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void chart(StringBuilder html, List<TimeSeriesPoint> points)
    {
        long maximum = Math.max(1, points.stream().mapToLong(point -> point.counts().messages()).max().orElse(0));
        html.append("<svg id=\"volume-chart\" width=\"").append(CHART_WIDTH).append("\" height=\"").append(CHART_HEIGHT)
                .append("\" viewBox=\"0 0 ").append(CHART_WIDTH).append(' ').append(CHART_HEIGHT).append("\" role=\"img\" aria-label=\"Messages and failures over time\">\n");
        int bottom = CHART_HEIGHT - MARGIN;
        html.append("<line x1=\"").append(MARGIN).append("\" y1=\"").append(bottom).append("\" x2=\"").append(CHART_WIDTH - MARGIN).append("\" y2=\"").append(bottom).append("\" stroke=\"#888\"/>\n");
        html.append("<line x1=\"").append(MARGIN).append("\" y1=\"").append(MARGIN / 2).append("\" x2=\"").append(MARGIN).append("\" y2=\"").append(bottom).append("\" stroke=\"#888\"/>\n");
        html.append("<text x=\"2\" y=\"").append(MARGIN / 2 + 4).append("\" font-size=\"11\">").append(maximum).append("</text>\n");
        html.append("<text x=\"2\" y=\"").append(bottom).append("\" font-size=\"11\">0</text>\n");
        if (!points.isEmpty()) {
            html.append("<text x=\"").append(MARGIN).append("\" y=\"").append(CHART_HEIGHT - 8).append("\" font-size=\"11\">").append(escape(points.get(0).time())).append("</text>\n");
            html.append("<text x=\"").append(CHART_WIDTH - MARGIN).append("\" y=\"").append(CHART_HEIGHT - 8).append("\" font-size=\"11\" text-anchor=\"end\">")
                    .append(escape(points.get(points.size() - 1).time())).append("</text>\n");
        }
        series(html, points, maximum, "volume", "volume-point", point -> point.counts().messages());
        series(html, points, maximum, "failures", "failure-point", point -> point.counts().failed());
        html.append("<text x=\"").append(CHART_WIDTH - MARGIN).append("\" y=\"14\" font-size=\"12\" text-anchor=\"end\"><tspan fill=\"#2b6cb0\">messages</tspan> · <tspan fill=\"#c53030\">failed or undelivered</tspan></text>\n");
        html.append("</svg>\n");
    }

    private static void series(StringBuilder html, List<TimeSeriesPoint> points, long maximum, String lineClass, String pointClass, ToLongFunction<TimeSeriesPoint> value)
    {
        StringBuilder coordinates = new StringBuilder();
        StringBuilder circles = new StringBuilder();
        double width = CHART_WIDTH - 2.0 * MARGIN;
        double height = CHART_HEIGHT - 1.5 * MARGIN;
        for (int index = 0; index < points.size(); index++) {
            double x = MARGIN + (points.size() == 1 ? width / 2 : width * index / (points.size() - 1));
            double y = CHART_HEIGHT - MARGIN - height * value.applyAsLong(points.get(index)) / maximum;
            String point = String.format(Locale.ROOT, "%.1f,%.1f", x, y);
            coordinates.append(index == 0 ? "" : " ").append(point);
            circles.append(String.format(Locale.ROOT, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"><title>%s: %d</title></circle>%n",
                    pointClass, x, y, escape(points.get(index).time()), value.applyAsLong(points.get(index))));
        }
        html.append("<polyline class=\"").append(lineClass).append("\" points=\"").append(coordinates).append("\"/>\n").append(circles);
    }

    private static void countries(StringBuilder html, List<BreakdownRow> rows)
    {
        long maximum = Math.max(1, rows.stream().mapToLong(row -> row.counts().messages()).max().orElse(0));
        html.append("<table id=\"countries\">\n<tr><th>Country</th><th>Messages</th><th>Delivered</th><th>Failed</th><th>Delivery rate</th><th></th></tr>\n");
        for (BreakdownRow row : rows) {
            long width = Math.round(200.0 * row.counts().messages() / maximum);
            html.append("<tr><td>").append(row.key().isEmpty() ? "unknown" : escape(row.key())).append("</td><td class=\"number\">").append(row.counts().messages())
                    .append("</td><td class=\"number\">").append(row.counts().delivered()).append("</td><td class=\"number\">").append(row.counts().failed())
                    .append("</td><td class=\"number\">").append(percent(row.counts().deliveryRate()))
                    .append("</td><td><svg width=\"200\" height=\"12\"><rect class=\"country-bar\" width=\"").append(width)
                    .append("\" height=\"12\"/></svg></td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void total(StringBuilder html, String label, String value)
    {
        html.append("<div class=\"total\"><div>").append(escape(label)).append("</div><div class=\"value\">").append(escape(value)).append("</div></div>\n");
    }

    private static String filterDescription(AnalyticsFilter filter)
    {
        StringBuilder description = new StringBuilder();
        filter.accountSid().ifPresent(value -> description.append(", account ").append(escape(value)));
        filter.messagingServiceSid().ifPresent(value -> description.append(", messaging service ").append(escape(value)));
        filter.country().ifPresent(value -> description.append(", country ").append(escape(value)));
        filter.channel().ifPresent(value -> description.append(", channel ").append(escape(value)));
        filter.tags().forEach((key, value) -> description.append(", tag ").append(escape(key)).append('=').append(escape(value)));
        return description.toString();
    }

    private static String percent(double share)
    {
        return String.format(Locale.ROOT, "%.1f %%", share * 100);
    }

    static String escape(String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
