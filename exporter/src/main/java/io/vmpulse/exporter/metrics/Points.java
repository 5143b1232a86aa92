package io.vmpulse.exporter.metrics;

/**
 * The data points of one family for one VM, as a family's source emits them. Each call is one
 * series: the VM's {@code vm_id} plus the labels given, whose names must be in ascending order and
 * sort before {@code vm_id} (the order the exposition formats write them in). Values are raw: guest
 * strings must have gone through {@link LabelValues#clean}, escaping is the writer's job.
 */
public interface Points {

    void add(double value);

    void add(String name, String value, double v);

    void add(String name1, String value1, String name2, String value2, double v);

    /**
     * Any number of labels, their names in any order (the writer sorts them); {@code names} and
     * {@code values} are read during the call only.
     */
    void add(String[] names, String[] values, double v);
}
