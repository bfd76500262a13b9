package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Map;
import org.junit.Test;

/**
 * The metadata reader on a real {@code .tflite} written by the exporter, compared with what
 * Python's {@code read_metadata} found in the same file ({@code exported_model.json}).
 *
 * <p>Needs {@code -Dp2c.tflite=<model>} and {@code -Dp2c.goldens=<dir>} from
 * {@code make_goldens.py --tflite-dir}: {@code tests/android} always passes both; the Gradle build
 * runs this class only when both are given (see core/build.gradle.kts).
 */
public class ExportedModelMetadataTest {
    static final String MODEL_PROPERTY = "p2c.tflite";

    private static ByteBuffer model() throws IOException {
        String path = System.getProperty(MODEL_PROPERTY);
        if (path == null || path.isEmpty()) {
            throw new IllegalStateException("set -D" + MODEL_PROPERTY + " to an exported .tflite");
        }
        return ByteBuffer.wrap(Files.readAllBytes(new File(path).toPath()));
    }

    @Test
    public void readsTheSameMetadataAsPython() throws IOException {
        Map<String, Object> expected = Goldens.obj(Goldens.load("exported_model.json").get("metadata"));
        String text = TfliteMetadataReader.readString(model(), ModelMetadata.NAME);
        assertEquals(expected, Json.parseObject(text));
    }

    @Test
    public void inputContractComesFromTheModel() throws IOException {
        Map<String, Object> expected = Goldens.obj(Goldens.load("exported_model.json").get("metadata"));
        int[] shape = Goldens.ints(Goldens.obj(expected.get("input")).get("shape"));
        ModelMetadata meta = ModelMetadata.read(model());
        assertEquals(shape[1], meta.inputHeight);
        assertEquals(shape[2], meta.inputWidth);
        assertEquals(TensorCodec.DataType.FLOAT32, meta.inputType);
        assertTrue(TfliteMetadataReader.readAll(model()).containsKey(ModelMetadata.NAME));
    }
}
