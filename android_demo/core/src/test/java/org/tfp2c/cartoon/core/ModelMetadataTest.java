package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class ModelMetadataTest {
    @Test
    public void readsTheExportersContractForFloatAndUint8Models() {
        List<Object> cases = Goldens.list(Goldens.load("metadata.json").get("cases"));
        assertEquals(2, cases.size());
        for (Object item : cases) {
            Map<String, Object> c = Goldens.obj(item);
            Map<String, Object> expected = Goldens.obj(c.get("metadata"));
            Map<String, Object> input = Goldens.obj(expected.get("input"));
            Map<String, Object> image = Goldens.obj(Goldens.obj(expected.get("outputs")).get("image"));
            ModelMetadata meta = ModelMetadata.parse((String) c.get("json"));
            int[] shape = Goldens.ints(input.get("shape"));
            assertEquals(shape[1], meta.inputHeight);
            assertEquals(shape[2], meta.inputWidth);
            assertEquals(TensorCodec.DataType.parse((String) input.get("dtype")), meta.inputType);
            assertArrayEquals(Goldens.doubles(input.get("range")), meta.inputRange, 0.0);
            assertEquals(TensorCodec.DataType.parse((String) image.get("dtype")), meta.outputType);
            assertArrayEquals(Goldens.doubles(image.get("range")), meta.outputRange, 0.0);
            assertEquals(expected, meta.json);
            TensorCodec codec = TensorCodec.fromMetadata(meta);
            assertEquals(shape[1] * shape[2] * 3 * meta.inputType.bytes, codec.inputBytes());
        }
    }

    @Test
    public void floatContractIsTheDocumentedNormalisation() {
        Map<String, Object> c = Goldens.obj(Goldens.list(Goldens.load("metadata.json").get("cases")).get(0));
        ModelMetadata meta = ModelMetadata.parse((String) c.get("json"));
        assertEquals(TensorCodec.DataType.FLOAT32, meta.inputType);
        TensorCodec codec = TensorCodec.fromMetadata(meta);
        assertEquals(-1.0f, codec.normalize(0), 0f);
        assertEquals(1.0f, codec.normalize(255), 0f);
        assertEquals(255, codec.denormalize(1.0f));
    }

    @Test
    public void rejectsOtherLayouts() {
        String nchw = "{\"layout\": \"NCHW\", \"color\": \"RGB\", \"input\": {}, \"outputs\": {}}";
        try {
            ModelMetadata.parse(nchw);
            fail("accepted NCHW");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("NHWC"));
        }
    }
}
