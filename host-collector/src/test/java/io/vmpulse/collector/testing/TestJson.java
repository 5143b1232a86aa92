package io.vmpulse.collector.testing;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;

/** JSON as plain maps, lists and exact numbers (BigDecimal: u64 values keep every digit). */
public final class TestJson {

    private static final Gson GSON =
            new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.BIG_DECIMAL).create();

    private TestJson() {}

    /** A JSON object as a Map, an array as a List, a number as a BigDecimal, null as null. */
    public static Object parse(String json) {
        return GSON.fromJson(json, Object.class);
    }
}
