package org.tfp2c.cartoon.core;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Golden vectors written by {@code android_demo/scripts/make_goldens.py} from the Python
 * pipeline. The folder is the system property {@code p2c.goldens} when set (the pytest in
 * {@code tests/android} regenerates everything into a temporary folder), else the committed
 * copy on the test classpath ({@code src/test/resources/goldens}).
 */
final class Goldens {
    static final String DIR_PROPERTY = "p2c.goldens";

    private Goldens() {}

    static File dir() {
        String property = System.getProperty(DIR_PROPERTY);
        if (property != null && !property.isEmpty()) {
            return new File(property);
        }
        URL url = Goldens.class.getResource("/goldens/alignment.json");
        if (url == null) {
            throw new IllegalStateException("no goldens: set -D" + DIR_PROPERTY + " or put goldens/ on the test classpath");
        }
        try {
            return new File(url.toURI()).getParentFile();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static File file(String name) {
        File file = new File(dir(), name);
        if (!file.isFile()) {
            throw new IllegalStateException("golden file missing: " + file);
        }
        return file;
    }

    static Map<String, Object> load(String name) {
        try {
            return Json.parseObject(new String(Files.readAllBytes(file(name).toPath()), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read golden " + name, e);
        }
    }

    /** Golden files whose names start with {@code prefix} and end with {@code .json}, sorted. */
    static List<String> named(String prefix) {
        String[] names = dir().list((d, n) -> n.startsWith(prefix) && n.endsWith(".json"));
        List<String> out = new ArrayList<>(Arrays.asList(names == null ? new String[0] : names));
        out.sort(null);
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return (List<Object>) value;
    }

    static double[] doubles(Object value) {
        List<Object> list = list(value);
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Double) list.get(i);
        }
        return out;
    }

    static float[] floats(Object value) {
        double[] d = doubles(value);
        float[] out = new float[d.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) d[i]; // exact: the goldens hold float32 values
        }
        return out;
    }

    static int[] ints(Object value) {
        double[] d = doubles(value);
        int[] out = new int[d.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) d[i];
        }
        return out;
    }

    static int integer(Object value) {
        return (int) (double) (Double) value;
    }

    static void assertClose(String what, double[] expected, double[] actual, double tolerance) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]
                        + " (tolerance " + tolerance + ")");
            }
        }
    }
}
