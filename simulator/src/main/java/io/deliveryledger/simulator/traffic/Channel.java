package io.deliveryledger.simulator.traffic;

public enum Channel
{
    SMS,
    WHATSAPP,
}
