package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class JsonTest {
    @Test
    public void parsesNestedValues() {
        Map<String, Object> m = Json.parseObject(
                "{\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"x\\n\\u00e9\\\"\"}, \"d\": 0}");
        List<Object> a = Goldens.list(m.get("a"));
        assertEquals(Arrays.asList(1.0, -25.0, true, false, null), a);
        assertEquals("x\n\u00e9\"", Goldens.obj(m.get("b")).get("c"));
        assertEquals(0.0, m.get("d"));
        assertNull(Json.parse("null"));
    }

    @Test
    public void rejectsMalformedText() {
        for (String bad : new String[] {"{", "{\"a\" 1}", "[1,]", "01", "{\"a\": tru}", "\"\\x\"", "[1] 2", ""}) {
            try {
                Json.parse(bad);
                fail("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                // one clear message per error
            }
        }
    }
}
