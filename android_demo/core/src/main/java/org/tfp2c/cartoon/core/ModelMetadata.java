package org.tfp2c.cartoon.core;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The I/O contract that {@code export_tflite.py} embeds in every model under the metadata name
 * {@code photo2cartoon} ({@code model_metadata} in {@code tf_p2c/export/tflite.py}).
 *
 * <p>The app takes the input size, element types and value ranges from here instead of
 * hard-coding 256 and [-1, 1]: the float models take RGB NHWC floats in [-1, 1]
 * ({@code x / 127.5 - 1}) and return the same; the uint8 model takes and returns pixel values.
 *
 * <pre>{@code
 * ModelMetadata meta = ModelMetadata.read(modelBuffer);   // throws if absent or malformed
 * TensorCodec codec = TensorCodec.fromMetadata(meta);
 * }</pre>
 */
public final class ModelMetadata {
    /** Metadata entry name written by the exporter. */
    public static final String NAME = "photo2cartoon";

    public final String modelName;
    public final String quantization;
    public final String layout;
    public final String color;
    public final String inputName;
    public final int inputWidth;
    public final int inputHeight;
    public final TensorCodec.DataType inputType;
    public final double[] inputRange;
    public final TensorCodec.DataType outputType;
    public final double[] outputRange;
    /** The whole JSON object, for fields this class does not name. */
    public final Map<String, Object> json;

    private ModelMetadata(Map<String, Object> json) {
        this.json = json;
        this.modelName = string(json, "name", "");
        this.quantization = string(json, "quantization", "none");
        this.layout = string(json, "layout", null);
        this.color = string(json, "color", null);
        if (!"NHWC".equals(layout)) {
            throw new IllegalArgumentException("model layout must be NHWC, metadata says " + layout);
        }
        if (!"RGB".equals(color)) {
            throw new IllegalArgumentException("model colour order must be RGB, metadata says " + color);
        }
        Map<String, Object> input = object(json, "input");
        this.inputName = string(input, "name", "input");
        List<Object> shape = list(input, "shape");
        if (shape.size() != 4 || number(shape.get(0)) != 1 || number(shape.get(3)) != 3) {
            throw new IllegalArgumentException("input shape must be [1, H, W, 3], metadata says " + shape);
        }
        this.inputHeight = (int) number(shape.get(1));
        this.inputWidth = (int) number(shape.get(2));
        if (inputWidth <= 0 || inputHeight <= 0) {
            throw new IllegalArgumentException("input size must be positive, metadata says " + shape);
        }
        this.inputType = TensorCodec.DataType.parse(string(input, "dtype", null));
        this.inputRange = range(input);
        Map<String, Object> image = object(object(json, "outputs"), "image");
        this.outputType = TensorCodec.DataType.parse(string(image, "dtype", null));
        this.outputRange = range(image);
    }

    /** Parses the metadata JSON text. */
    public static ModelMetadata parse(String jsonText) {
        return new ModelMetadata(Json.parseObject(jsonText));
    }

    /**
     * Reads and parses the metadata of a {@code .tflite} flatbuffer.
     *
     * @throws IllegalArgumentException when the model has no {@code photo2cartoon} entry (not
     *     written by {@code export_tflite.py}) or the entry is malformed
     */
    public static ModelMetadata read(ByteBuffer model) {
        String text = TfliteMetadataReader.readString(model, NAME);
        if (text == null) {
            throw new IllegalArgumentException("the model has no '" + NAME
                    + "' metadata; export it with export_tflite.py");
        }
        return parse(text);
    }

    private static double[] range(Map<String, Object> tensor) {
        List<Object> values = list(tensor, "range");
        if (values.size() != 2) {
            throw new IllegalArgumentException("range must have 2 values, metadata says " + values);
        }
        return new double[] {number(values.get(0)), number(values.get(1))};
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("metadata field '" + key + "' is missing or not an object");
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("metadata field '" + key + "' is missing or not a list");
        }
        return (List<Object>) value;
    }

    private static String string(Map<String, Object> parent, String key, String fallback) {
        Object value = parent.get(key);
        if (value == null) {
            if (fallback == null) {
                throw new IllegalArgumentException("metadata field '" + key + "' is missing");
            }
            return fallback;
        }
        if (!(value instanceof String)) {
            throw new IllegalArgumentException("metadata field '" + key + "' is not a string");
        }
        return (String) value;
    }

    private static double number(Object value) {
        if (!(value instanceof Double)) {
            throw new IllegalArgumentException("expected a number in the metadata, got " + value);
        }
        return (Double) value;
    }
}
