package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.ScrapedVm;

/**
 * One metric family: its name, type, unit and help, and how a VM's record becomes its data points.
 * The only description of a family: the streaming text writer and the library's snapshots (for
 * protobuf) both walk it, VM by VM. A family that emits no point is left out of the scrape, so a
 * field whose presence bit is clear yields no series at all.
 */
public final class Family {

    public enum Type {
        COUNTER,
        GAUGE,
        INFO
    }

    /** Writes the points of one VM (or, for a family of the registry itself, of no VM). */
    @FunctionalInterface
    public interface Source {
        /**
         * Adds {@code vm}'s points to {@code out}; {@code vm} is null for a family that is not per
         * VM.
         */
        void emit(ScrapedVm vm, Points out);
    }

    private final String name;
    private final Type type;
    private final String help;
    private final Unit unit;
    private final boolean perVm;
    private final Source source;

    private Family(Type type, String name, String help, Unit unit, boolean perVm, Source source) {
        this.type = type;
        this.name = name;
        this.help = help;
        this.unit = unit;
        this.perVm = perVm;
        this.source = source;
    }

    /** A counter per VM; {@code name} without {@code _total}, which the exposition formats add. */
    static Family counter(String name, String help, Unit unit, Source source) {
        return new Family(Type.COUNTER, name, help, unit, true, source);
    }

    static Family gauge(String name, String help, Unit unit, Source source) {
        return new Family(Type.GAUGE, name, help, unit, true, source);
    }

    static Family gauge(String name, String help, Source source) {
        return gauge(name, help, null, source);
    }

    /** An info metric per VM ({@code name_info 1}); {@code name} without {@code _info}. */
    static Family info(String name, String help, Source source) {
        return new Family(Type.INFO, name, help, null, true, source);
    }

    /** The same family, describing the registry itself: emitted once, without {@code vm_id}. */
    Family global() {
        return new Family(type, name, help, unit, false, source);
    }

    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    public String help() {
        return help;
    }

    /** The unit, or null. */
    public Unit unit() {
        return unit;
    }

    /** True when the family has one set of series per VM, each labelled {@code vm_id}. */
    public boolean perVm() {
        return perVm;
    }

    /** Emits {@code vm}'s points (null for a family that is not per VM). */
    public void emit(ScrapedVm vm, Points out) {
        source.emit(vm, out);
    }
}
