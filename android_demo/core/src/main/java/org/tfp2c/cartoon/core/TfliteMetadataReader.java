package org.tfp2c.cartoon.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads named metadata entries out of a TFLite flatbuffer without the TFLite runtime.
 *
 * <p>Path through the schema ({@code tensorflow/compiler/mlir/lite/schema/schema.fbs}): root
 * table {@code Model} -> field 6 {@code metadata: [Metadata]} -> each {@code Metadata} has
 * field 0 {@code name: string} and field 1 {@code buffer: uint} -> {@code Model} field 4
 * {@code buffers: [Buffer]} -> {@code Buffer} field 0 {@code data: [ubyte]}, or, in models
 * over 2 GB, fields 1 and 2 {@code offset, size: ulong} into the file.
 *
 * <p>Flatbuffer layout used here: little-endian; a table starts with an int32 offset back to its
 * vtable (table position minus that value); the vtable holds uint16 sizes then one uint16
 * field offset per field (0 = absent); references to tables, vectors and strings are uint32
 * offsets from where they are stored; vectors and strings begin with a uint32 length.
 *
 * <pre>{@code
 * String json = TfliteMetadataReader.readString(modelBuffer, "photo2cartoon");
 * }</pre>
 */
public final class TfliteMetadataReader {
    private static final int MODEL_BUFFERS = 4;
    private static final int MODEL_METADATA = 6;
    private static final int METADATA_NAME = 0;
    private static final int METADATA_BUFFER = 1;
    private static final int BUFFER_DATA = 0;
    private static final int BUFFER_OFFSET = 1;
    private static final int BUFFER_SIZE = 2;

    private final ByteBuffer buf;

    private TfliteMetadataReader(ByteBuffer model) {
        this.buf = model.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.buf.rewind();
    }

    /** The metadata entry {@code name} as UTF-8 text, or null when the model has none. */
    public static String readString(ByteBuffer model, String name) {
        byte[] data = readAll(model).get(name);
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    /**
     * Every metadata entry of the model, by name, in file order.
     *
     * @throws IllegalArgumentException when the bytes are not a TFLite flatbuffer
     */
    public static Map<String, byte[]> readAll(ByteBuffer model) {
        return new TfliteMetadataReader(model).entries();
    }

    private Map<String, byte[]> entries() {
        if (buf.limit() < 8) {
            throw new IllegalArgumentException("not a TFLite model: " + buf.limit() + " bytes");
        }
        String identifier = new String(bytes(4, 4), StandardCharsets.US_ASCII);
        if (!"TFL3".equals(identifier)) {
            throw new IllegalArgumentException("not a TFLite model: file identifier is '" + identifier + "'");
        }
        int model = deref(0);
        Map<String, byte[]> out = new LinkedHashMap<>();
        int metadata = field(model, MODEL_METADATA);
        if (metadata == 0) {
            return out;
        }
        int buffers = field(model, MODEL_BUFFERS);
        int entries = deref(metadata);
        int count = uint32(entries);
        for (int i = 0; i < count; i++) {
            int entry = deref(entries + 4 + 4 * i);
            int nameField = field(entry, METADATA_NAME);
            int bufferField = field(entry, METADATA_BUFFER);
            if (nameField == 0 || bufferField == 0 || buffers == 0) {
                continue;
            }
            out.put(string(deref(nameField)), bufferData(deref(buffers), uint32(bufferField)));
        }
        return out;
    }

    private byte[] bufferData(int buffersVector, int index) {
        int count = uint32(buffersVector);
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("metadata refers to buffer " + index + " of " + count);
        }
        int buffer = deref(buffersVector + 4 + 4 * index);
        int data = field(buffer, BUFFER_DATA);
        if (data != 0) {
            int vector = deref(data);
            return bytes(vector + 4, uint32(vector));
        }
        int offset = field(buffer, BUFFER_OFFSET), size = field(buffer, BUFFER_SIZE);
        if (offset != 0 && size != 0) {
            long start = buf.getLong(check(offset, 8)), length = buf.getLong(check(size, 8));
            // Large models keep buffer data after the flatbuffer, at an offset from the file
            // start; offset 0 or 1 marks an empty buffer.
            if (start > 1) {
                return bytes(checkedInt(start), checkedInt(length));
            }
        }
        return new byte[0];
    }

    /** Absolute position of a field of the table at {@code table}, or 0 when absent. */
    private int field(int table, int id) {
        int vtable = table - buf.getInt(check(table, 4));
        int vtableSize = Short.toUnsignedInt(buf.getShort(check(vtable, 4)));
        int slot = 4 + 2 * id;
        if (slot + 2 > vtableSize) {
            return 0;
        }
        int offset = Short.toUnsignedInt(buf.getShort(check(vtable + slot, 2)));
        return offset == 0 ? 0 : table + offset;
    }

    /** Follows the uint32 reference stored at {@code position}. */
    private int deref(int position) {
        return check(position + uint32(position), 4);
    }

    private int uint32(int position) {
        return checkedInt(Integer.toUnsignedLong(buf.getInt(check(position, 4))));
    }

    private String string(int position) {
        return new String(bytes(position + 4, uint32(position)), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int position, int length) {
        check(position, length);
        byte[] out = new byte[length];
        ByteBuffer view = buf.duplicate();
        view.position(position);
        view.get(out);
        return out;
    }

    private int check(int position, int length) {
        if (position < 0 || length < 0 || (long) position + length > buf.limit()) {
            throw new IllegalArgumentException("corrupt TFLite model: reference to bytes "
                    + position + ".." + ((long) position + length) + " of " + buf.limit());
        }
        return position;
    }

    private static int checkedInt(long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("corrupt or too large TFLite model: offset " + value);
        }
        return (int) value;
    }
}
