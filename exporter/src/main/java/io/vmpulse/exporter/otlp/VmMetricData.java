package io.vmpulse.exporter.otlp;

import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.resources.Resource;

/**
 * One metric of one VM, as the OTLP exporter takes it. The SDK's own implementation is in an
 * internal package; {@link MetricData} is the public contract, so this implements it.
 */
record VmMetricData(
        Resource resource, InstrumentationScopeInfo scope, OtlpMetric metric, Data<?> data)
        implements MetricData {

    @Override
    public Resource getResource() {
        return resource;
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
        return scope;
    }

    @Override
    public String getName() {
        return metric.metricName();
    }

    @Override
    public String getDescription() {
        return metric.description();
    }

    @Override
    public String getUnit() {
        return metric.unit();
    }

    @Override
    public MetricDataType getType() {
        return metric.dataType();
    }

    @Override
    public Data<?> getData() {
        return data;
    }
}
