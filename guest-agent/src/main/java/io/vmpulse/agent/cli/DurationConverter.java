package io.vmpulse.agent.cli;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A whole number followed by a unit: {@code 500ms}, {@code 1s}, {@code 2m}, {@code 1h}. */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String text) {
        int unitStart = 0;
        while (unitStart < text.length() && Character.isDigit(text.charAt(unitStart))) {
            unitStart++;
        }
        String unit = text.substring(unitStart);
        if (unitStart == 0) {
            throw new TypeConversionException("'" + text + "' is not a duration: expected a whole number and a unit, "
                    + "e.g. 500ms, 1s, 2m");
        }
        long amount;
        try {
            amount = Long.parseLong(text.substring(0, unitStart));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is too large");
        }
        ChronoUnit chronoUnit;
        switch (unit) {
            case "ms":
                chronoUnit = ChronoUnit.MILLIS;
                break;
            case "s":
                chronoUnit = ChronoUnit.SECONDS;
                break;
            case "m":
                chronoUnit = ChronoUnit.MINUTES;
                break;
            case "h":
                chronoUnit = ChronoUnit.HOURS;
                break;
            default:
                throw new TypeConversionException("'" + text + "' has " + (unit.isEmpty() ? "no unit" : "unknown unit '"
                        + unit + "'") + ": use ms, s, m or h, e.g. 500ms, 1s, 2m");
        }
        try {
            return Duration.of(amount, chronoUnit);
        } catch (ArithmeticException e) {
            throw new TypeConversionException("'" + text + "' is too large");
        }
    }
}
