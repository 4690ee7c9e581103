/**
 * The read model: receives every event stored in {@code status_events} (through the view that logs
 * them in {@code status_event_log}) and turns them, one time slice at a time, into counts of messages
 * by current status ({@code status_counts}, {@code latency_histograms}, {@code messages_by_minute}),
 * which the analytics API, the reports and the dashboards read.
 */
package io.deliveryledger.readmodel;
