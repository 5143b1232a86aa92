package io.vmpulse.exporter.exposition;

import io.vmpulse.exporter.metrics.Family;
import io.vmpulse.exporter.metrics.LabelValues;
import io.vmpulse.exporter.metrics.VmPoints;
import io.vmpulse.exporter.scrape.ScrapedVm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Writes families point by point in one text format, as the Prometheus library's writers would
 * write the same points: metadata lines when a family's first point arrives (a family without
 * points has none), labels in name order with {@code vm_id} among them, values that parse back to
 * the exact double. Each VM's {@code vm_id="..."} is cleaned and escaped once per scrape.
 */
final class TextPoints implements VmPoints {

    private static final String VM_ID = "vm_id";

    private final Utf8Out out;
    private final TextFormat format;
    private final byte[][] vmIds;

    private Family family;
    private byte[] sampleName;
    private boolean started;
    private byte[] vmId;

    /** The labels of the point being written, and their order; reused. */
    private String[] names = new String[4];

    private String[] values = new String[4];
    private int[] order = new int[4];

    TextPoints(Utf8Out out, TextFormat format, int vms) {
        this.out = out;
        this.format = format;
        this.vmIds = new byte[vms][];
    }

    /** The points that follow are {@code f}'s. */
    void family(Family f) {
        family = f;
        started = false;
        String suffix =
                switch (f.type()) {
                    case COUNTER -> "_total";
                    case INFO -> "_info";
                    case GAUGE -> "";
                };
        sampleName = (f.name() + suffix).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void vm(int index, ScrapedVm vm) {
        if (vm == null) {
            vmId = null;
            return;
        }
        if (vmIds[index] == null) {
            vmIds[index] = quoted(LabelValues.clean(vm.vmId()));
        }
        vmId = vmIds[index];
    }

    @Override
    public void add(double value) {
        point(0, value);
    }

    @Override
    public void add(String name, String value, double v) {
        label(0, name, value);
        point(1, v);
    }

    @Override
    public void add(String name1, String value1, String name2, String value2, double v) {
        label(0, name1, value1);
        label(1, name2, value2);
        point(2, v);
    }

    @Override
    public void add(String[] names, String[] values, double v) {
        for (int i = 0; i < names.length; i++) {
            label(i, names[i], values[i]);
        }
        point(names.length, v);
    }

    private void label(int i, String name, String value) {
        if (i == names.length) {
            names = Arrays.copyOf(names, i * 2);
            values = Arrays.copyOf(values, i * 2);
            order = new int[i * 2];
        }
        names[i] = name;
        values[i] = value;
    }

    private void point(int labels, double v) {
        try {
            if (!started) {
                metadata();
                started = true;
            }
            out.write(sampleName);
            if (labels > 0 || vmId != null) {
                writeLabels(labels);
            }
            out.write(' ');
            out.value(v);
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {a="..",b="..",vm_id=".."}} with the names in order, as the library sorts them. */
    private void writeLabels(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            int j = i;
            while (j > 0 && names[order[j - 1]].compareTo(names[i]) > 0) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
        out.write('{');
        boolean vmPending = vmId != null;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            if (vmPending && names[i].compareTo(VM_ID) > 0) {
                out.write(vmId);
                out.write(',');
                vmPending = false;
            }
            out.text(names[i]);
            out.write('=');
            out.write('"');
            out.escaped(values[i], true);
            out.write('"');
            if (k < n - 1 || vmPending) {
                out.write(',');
            }
        }
        if (vmPending) {
            out.write(vmId);
        }
        out.write('}');
    }

    private void metadata() throws IOException {
        String name = family.name();
        if (format == TextFormat.PROMETHEUS) {
            // 0.0.4 has no info type nor UNIT line; HELP and TYPE name what the samples are.
            String full = new String(sampleName, StandardCharsets.UTF_8);
            line("# HELP ", full, family.help(), false);
            out.text("# TYPE ");
            out.text(full);
            out.text(family.type() == Family.Type.COUNTER ? " counter\n" : " gauge\n");
            return;
        }
        out.text("# TYPE ");
        out.text(name);
        out.write(' ');
        out.text(family.type().name().toLowerCase(Locale.ROOT));
        out.write('\n');
        if (family.unit() != null) {
            line("# UNIT ", name, family.unit().toString(), true);
        }
        line("# HELP ", name, family.help(), true);
    }

    private void line(String prefix, String name, String text, boolean quote) throws IOException {
        if (text == null || text.isEmpty()) {
            return;
        }
        out.text(prefix);
        out.text(name);
        out.write(' ');
        out.escaped(text, quote);
        out.write('\n');
    }

    private static byte[] quoted(String vmId) {
        StringBuilder b = new StringBuilder(VM_ID.length() + vmId.length() + 4);
        b.append(VM_ID).append("=\"");
        for (int i = 0; i < vmId.length(); i++) {
            char c = vmId.charAt(i);
            if (c == '\\' || c == '"') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }
}
